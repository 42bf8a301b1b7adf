package vspc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// DefaultPageSize is the largest page VSPC allows by default (limit 1..500).
const DefaultPageSize = 500

const (
	tokenPath  = "/api/v3/token"
	actionPath = "/api/v3/asyncActions/"
)

// Client talks to one VSPC server. It is safe for concurrent use; all
// calls share one token.
type Client struct {
	t        *veeam.Transport
	auth     *veeam.OAuth2
	pageSize int

	pollFloor time.Duration
	pollOnce  sync.Once
	poller    *veeam.Poller
}

// New checks cfg and returns a client; it logs in at the first call.
func New(cfg veeam.Config) (*Client, error) {
	t, err := veeam.NewTransport(veeam.VSPC, cfg, veeam.Hooks{ParseError: parseError, RetryStatus: retryStatus})
	if err != nil {
		return nil, err
	}
	c := &Client{t: t, pageSize: cfg.PageSize, pollFloor: cfg.PollFloor}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	c.auth = veeam.NewOAuth2(t, tokenPath, cfg.Username, cfg.Password, http.Header{"Accept": {"application/json"}})
	return c, nil
}

// parseError reads ErrorResponse {"errors":[{"message","type","code"}]}
// and the token endpoint's OAuth2Error {"error","error_description"}.
func parseError(_ int, _ http.Header, body []byte) (string, string) {
	d, err := veeam.DecodeDoc(body)
	if err != nil || d == nil {
		return "", ""
	}
	if e := veeam.String(d, "error"); e != "" {
		return e, veeam.String(d, "error_description")
	}
	errs := veeam.Items(d, "errors")
	if len(errs) == 0 {
		return "", ""
	}
	var msgs []string
	for _, e := range errs {
		if m := strings.TrimSpace(strings.ReplaceAll(veeam.String(e, "message"), "\r\n", " ")); m != "" {
			msgs = append(msgs, m)
		}
	}
	code := veeam.String(errs[0], "type")
	if n := veeam.String(errs[0], "code"); n != "" {
		if code != "" {
			code += " "
		}
		code += n
	}
	return code, strings.Join(msgs, "; ")
}

// retryStatus allows retrying a 520 whose errors are retryableLogical;
// the transport applies it to idempotent calls only.
func retryStatus(status int, _ http.Header, body []byte) bool {
	if status != 520 {
		return false
	}
	d, err := veeam.DecodeDoc(body)
	if err != nil {
		return false
	}
	errs := veeam.Items(d, "errors")
	for _, e := range errs {
		if !strings.EqualFold(veeam.String(e, "type"), "retryableLogical") {
			return false
		}
	}
	return len(errs) > 0
}

// NewRequestID returns a random uuid (version 4) for X-Request-id.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Do sends one authenticated request with a JSON body (nil for none) and
// unwraps the data/meta/errors envelope: Response.Doc is the "data"
// object (nil when data is an array or absent; Body keeps everything).
func (c *Client) Do(ctx context.Context, method, p string, q url.Values, body any) (*veeam.Response, error) {
	return c.send(ctx, method, p, q, body, "", false)
}

// send performs one call; replay marks an answer that replays a stored
// outcome (see veeam.Request.ReplaysOutcome).
func (c *Client) send(ctx context.Context, method, p string, q url.Values, body any, requestID string, replay bool) (*veeam.Response, error) {
	b, err := veeam.EncodeJSON(body)
	if err != nil {
		return nil, err
	}
	req := &veeam.Request{Method: method, Path: p, Query: q, Body: b, Header: http.Header{"Accept": {"application/json"}}, ReplaysOutcome: replay}
	if b != nil {
		req.ContentType = "application/json"
	}
	if requestID != "" {
		req.Header.Set("X-Request-id", requestID)
		req.RequestID = requestID
	}
	resp, err := c.auth.Send(ctx, req)
	if err != nil {
		return nil, err
	}
	env, err := veeam.DecodeDoc(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("vspc %s %s: %w", method, p, err)
	}
	if data, ok := env["data"].(map[string]any); ok {
		resp.Doc = data
	} else if _, isEnvelope := env["data"]; !isEnvelope && env != nil {
		resp.Doc = env // tolerate an answer without the envelope
	}
	return resp, nil
}

// Get returns the "data" object at path.
func (c *Client) Get(ctx context.Context, p string, q url.Values) (veeam.Doc, error) {
	resp, err := c.Do(ctx, http.MethodGet, p, q, nil)
	if err != nil {
		return nil, err
	}
	return resp.Doc, nil
}

// Post sends a JSON body with X-Request-id set to requestID (a new uuid
// when empty), which makes the call idempotent on the server for five
// minutes and lets it answer 202 with Response.Location pointing at the
// async action. A POST that may have reached the server without an answer
// returns an error wrapping veeam.ErrUncertain and is not repeated; the
// caller re-reads state (or repeats with the same requestID, which the
// server deduplicates).
func (c *Client) Post(ctx context.Context, p string, q url.Values, body any, requestID string) (*veeam.Response, error) {
	if requestID == "" {
		requestID = NewRequestID()
	}
	return c.send(ctx, http.MethodPost, p, q, body, requestID, false)
}

// List returns every object of the collection at path, walking
// offset/limit pages until offset+count reaches meta.pagingInfo.total
// (an answer that says "skip" instead of "offset" is fine: only total is
// read). q carries filter, sort and select; a "limit" in q sets the page
// size.
func (c *Client) List(ctx context.Context, p string, q url.Values) ([]veeam.Doc, error) {
	return veeam.CachedList(ctx, c, veeam.VSPC, p, q, func() ([]veeam.Doc, error) { return c.list(ctx, p, q) })
}

// list walks every page of a collection.
func (c *Client) list(ctx context.Context, p string, q url.Values) ([]veeam.Doc, error) {
	limit := c.pageSize
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			limit = n
		}
	}
	docs, err := veeam.CollectPages(ctx, limit, func(ctx context.Context, offset, limit int) (veeam.Page, error) {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = slices.Clone(v)
		}
		pq.Set("offset", strconv.Itoa(offset))
		pq.Set("limit", strconv.Itoa(limit))
		resp, err := c.Do(ctx, http.MethodGet, p, pq, nil)
		if err != nil {
			return veeam.Page{}, err
		}
		env, err := veeam.DecodeDoc(resp.Body)
		if err != nil {
			return veeam.Page{}, err
		}
		return veeam.ListPage(env, "meta", "pagingInfo", "total")
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", p, err)
	}
	return docs, nil
}

// ActionID returns the async action id of a 202 Location
// ("https://host:1280/api/v3/asyncActions/{id}").
func ActionID(location string) string {
	u, err := url.Parse(location)
	if err != nil || u.Path == "" {
		return ""
	}
	base := path.Base(strings.TrimRight(u.Path, "/"))
	if base == "." || base == "/" {
		return ""
	}
	return base
}

// AwaitAction awaits an async action until its status is succeed, failed
// or canceled, through the client's poller (see actions: one list per tick
// for every action in flight, the first look when recent actions took to
// finish), then reads GET .../result: on success it returns the original
// operation's "data" object (an empty Doc when it had none); on failed or
// canceled it returns *veeam.AsyncError carrying the result's error
// messages. A timeout returns an error wrapping veeam.ErrAwaitTimeout; the
// action keeps running.
func (c *Client) AwaitAction(ctx context.Context, actionID string, o veeam.AwaitOptions) (veeam.Doc, error) {
	// The action was created before its 202 answered: now is when it
	// started, near enough for the poller (the list takes no time filter).
	obs, err := c.actions().Wait(ctx, actionID, c.t.Clock().Now(), o)
	if err != nil {
		return nil, err
	}
	status, name := obs.Progress.State, obs.Progress.Name
	// The result is the original operation's answer: a failed action's
	// 520, even a retryableLogical one, is its outcome, not worth a retry.
	resp, rerr := c.send(ctx, http.MethodGet, actionPath+url.PathEscape(actionID)+"/result", nil, nil, "", true)
	if strings.EqualFold(status, "succeed") {
		if rerr != nil {
			return nil, fmt.Errorf("async action %s result: %w", actionID, rerr)
		}
		if resp.Doc == nil {
			return veeam.Doc{}, nil
		}
		return resp.Doc, nil
	}
	ae := &veeam.AsyncError{Kind: veeam.KindAsyncAction, ID: actionID, Name: name, Result: status}
	if rerr != nil {
		var apiErr *veeam.APIError
		if errors.As(rerr, &apiErr) {
			ae.Message = apiErr.Message
		} else {
			ae.Message = rerr.Error()
		}
	} else if _, msg := parseError(resp.Status, resp.Header, resp.Body); msg != "" {
		ae.Message = msg
	}
	return nil, ae
}

// Close revokes the token: GET /api/v3/users/me names the user, then
// DELETE /api/v3/users/{userUid}/tokens. VSPC cannot revoke one token
// only (userLoginId names a user identity, which the token answer does not
// give), so this revokes every token of that user, including other runs
// with the same account; a run that never logged in does nothing. If the
// user cannot be read, the token is just dropped (it expires in an hour).
func (c *Client) Close(_ context.Context) error {
	// VSPC can only revoke every token of a user (DELETE
	// /api/v3/users/{uid}/tokens), which would also log out the portal and
	// any other automation sharing the account. vplay therefore drops its
	// token and lets it expire (1 hour by default) instead of revoking.
	c.auth.Forget()
	return nil
}
