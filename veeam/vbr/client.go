package vbr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// DefaultAPIVersion is sent as x-api-version when Config.APIVersion is empty.
const DefaultAPIVersion = "1.3-rev0"

// DefaultPageSize is the documented default (and the page size vplay asks
// for) of VBR list endpoints; the spec sets no maximum.
const DefaultPageSize = 200

const (
	tokenPath  = "/api/oauth2/token"
	logoutPath = "/api/oauth2/logout"
)

// Client talks to one VBR server. It is safe for concurrent use; all calls
// share one login.
type Client struct {
	t        *veeam.Transport
	auth     *veeam.OAuth2
	version  string
	pageSize int

	pages     chan struct{} // bounds the pages in flight, PageConcurrency
	pollFloor time.Duration
	pollOnce  sync.Once
	poller    *veeam.Poller
	// negotiated is set by Negotiate.
	negotiated *Negotiated

	readMu    sync.Mutex
	readBacks map[string]*collectionReads // by collection path, see Expect
}

// New checks cfg and returns a client; it does not connect until the
// first call.
func New(cfg veeam.Config) (*Client, error) {
	t, err := veeam.NewTransport(veeam.VBR, cfg, veeam.Hooks{ParseError: parseError})
	if err != nil {
		return nil, err
	}
	c := &Client{t: t, version: cfg.APIVersion, pageSize: cfg.PageSize, pollFloor: cfg.PollFloor}
	pc := cfg.PageConcurrency
	if pc <= 0 {
		pc = veeam.DefaultPageConcurrency
	}
	c.pages = make(chan struct{}, pc)
	if c.version == "" {
		c.version = DefaultAPIVersion
	}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	c.auth = veeam.NewOAuth2(t, tokenPath, cfg.Username, cfg.Password, c.header())
	return c, nil
}

// APIVersion returns the x-api-version this client sends.
func (c *Client) APIVersion() string { return c.version }

func (c *Client) header() http.Header {
	return http.Header{"X-Api-Version": {c.version}, "Accept": {"application/json"}}
}

// parseError reads the VBR Error body {"errorCode","message","resourceId"}.
func parseError(_ int, _ http.Header, body []byte) (string, string) {
	d, err := veeam.DecodeDoc(body)
	if err != nil || d == nil {
		return "", ""
	}
	return veeam.String(d, "errorCode"), veeam.String(d, "message")
}

// Do sends one authenticated request with a JSON body (nil for none) and
// decodes the JSON answer into Response.Doc.
func (c *Client) Do(ctx context.Context, method, path string, q url.Values, body any) (*veeam.Response, error) {
	b, err := veeam.EncodeJSON(body)
	if err != nil {
		return nil, err
	}
	req := &veeam.Request{Method: method, Path: path, Query: q, Header: c.header(), Body: b}
	if b != nil {
		req.ContentType = "application/json"
	}
	resp, err := c.auth.Send(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Doc, err = veeam.DecodeDoc(resp.Body); err != nil {
		return nil, fmt.Errorf("vbr %s %s: %w", method, path, err)
	}
	return resp, nil
}

// Get returns the object at path.
func (c *Client) Get(ctx context.Context, path string, q url.Values) (veeam.Doc, error) {
	resp, err := c.Do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	return resp.Doc, nil
}

// Post sends a JSON body; most VBR creates answer 201 with a SessionModel.
func (c *Client) Post(ctx context.Context, path string, q url.Values, body any) (*veeam.Response, error) {
	return c.Do(ctx, http.MethodPost, path, q, body)
}

// Put replaces the object at path (VBR PUT takes the whole model).
func (c *Client) Put(ctx context.Context, path string, body any) (*veeam.Response, error) {
	return c.Do(ctx, http.MethodPut, path, nil, body)
}

// Delete removes the object at path (usually 204, no body).
func (c *Client) Delete(ctx context.Context, path string, q url.Values) (*veeam.Response, error) {
	return c.Do(ctx, http.MethodDelete, path, q, nil)
}

// List returns every object of the collection at path, walking skip/limit
// pages until skip+count reaches pagination.total. q carries server-side
// filters (nameFilter, typeFilter, ...); a "limit" in q sets the page size.
func (c *Client) List(ctx context.Context, path string, q url.Values) ([]veeam.Doc, error) {
	return veeam.CachedList(ctx, c, veeam.VBR, path, q, func() ([]veeam.Doc, error) { return c.list(ctx, path, q) })
}

// list walks every page of a collection.
func (c *Client) list(ctx context.Context, path string, q url.Values) ([]veeam.Doc, error) {
	limit := c.pageSize
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			limit = n
		}
	}
	docs, err := veeam.CollectPagesConcurrently(ctx, limit, cap(c.pages), func(ctx context.Context, offset, limit int) (veeam.Page, error) {
		return c.page(ctx, path, q, offset, limit)
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	return docs, nil
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// sessionPath returns /api/v1/sessions/{id}.
func sessionPath(id string) string { return "/api/v1/sessions/" + url.PathEscape(id) }

// AwaitSession polls GET /api/v1/sessions/{id} until its state is Stopped
// and returns the final SessionModel. A Failed result (or Warning with
// o.WarningIsError, or any other result) returns *veeam.AsyncError with the
// failed and warning log record titles; a timeout returns an error
// wrapping veeam.ErrAwaitTimeout. Neither stops the session: see
// StopSession.
func (c *Client) AwaitSession(ctx context.Context, id string, o veeam.AwaitOptions) (veeam.Doc, error) {
	var final veeam.Doc
	err := veeam.Await(ctx, c.t.Clock(), o, func(ctx context.Context) (veeam.Progress, bool, error) {
		d, err := c.Get(ctx, sessionPath(id), nil)
		if err != nil {
			return veeam.Progress{}, false, fmt.Errorf("await session %s: %w", id, err)
		}
		p := sessionProgress(id, d)
		done := strings.EqualFold(veeam.String(d, "state"), "Stopped")
		if done {
			final = d
		}
		return p, done, nil
	})
	if err != nil {
		return nil, err
	}
	return c.sessionOutcome(ctx, id, final, o)
}

// sessionOutcome turns a finished session into the await result: the
// session, or an *veeam.AsyncError with the problems of its log.
func (c *Client) sessionOutcome(ctx context.Context, id string, final veeam.Doc, o veeam.AwaitOptions) (veeam.Doc, error) {
	result := veeam.String(final, "result", "result")
	switch {
	case strings.EqualFold(result, "Success"):
		return final, nil
	case strings.EqualFold(result, "Warning") && !o.WarningIsError:
		return final, nil
	}
	ae := &veeam.AsyncError{
		Kind:    veeam.KindSession,
		ID:      id,
		Name:    veeam.String(final, "name"),
		Result:  result,
		Message: veeam.String(final, "result", "message"),
	}
	if canceled, _ := veeam.Bool(final, "result", "isCanceled"); canceled && ae.Message == "" {
		ae.Message = "session was stopped"
	}
	if ae.Result == "" {
		ae.Result = "None"
	}
	recs, err := c.sessionLogs(ctx, id)
	if err != nil {
		// The session's outcome is known; a failed log read only costs detail.
		ae.Log = []string{fmt.Sprintf("(session log unavailable: %v)", err)}
		return final, ae
	}
	ae.Log = problemTitles(recs)
	return final, ae
}

func sessionProgress(id string, d veeam.Doc) veeam.Progress {
	p := veeam.Progress{
		Kind:    veeam.KindSession,
		ID:      id,
		Name:    veeam.String(d, "name"),
		State:   veeam.String(d, "state"),
		Percent: -1,
		Message: veeam.String(d, "result", "message"),
	}
	if n, ok := veeam.Int(d, "progressPercent"); ok {
		p.Percent = int(max(0, min(n, 100)))
	}
	return p
}

type logRecord struct{ status, title, description string }

func (c *Client) sessionLogs(ctx context.Context, id string) ([]logRecord, error) {
	d, err := c.Get(ctx, sessionPath(id)+"/logs", nil)
	if err != nil {
		return nil, err
	}
	var out []logRecord
	for _, r := range veeam.Items(d, "records") {
		out = append(out, logRecord{
			status:      veeam.String(r, "status"),
			title:       veeam.String(r, "title"),
			description: veeam.String(r, "description"),
		})
	}
	return out, nil
}

// problemTitles returns the titles of Failed and Warning records; when
// there are none, the last few titles, which usually say what happened.
func problemTitles(recs []logRecord) []string {
	var out []string
	for _, r := range recs {
		if strings.EqualFold(r.status, "Failed") || strings.EqualFold(r.status, "Warning") {
			out = append(out, r.title)
		}
	}
	if len(out) == 0 {
		for _, r := range recs[max(0, len(recs)-3):] {
			out = append(out, r.title)
		}
	}
	return out
}

// SessionLogs returns the session's log records as "Status: title" lines,
// in server order.
func (c *Client) SessionLogs(ctx context.Context, id string) ([]string, error) {
	recs, err := c.sessionLogs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("session %s logs: %w", id, err)
	}
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.status+": "+r.title)
	}
	return out, nil
}

// StopSession asks the server to stop a running session
// (POST /api/v1/sessions/{id}/stop).
func (c *Client) StopSession(ctx context.Context, id string) error {
	if _, err := c.Post(ctx, sessionPath(id)+"/stop", nil, nil); err != nil {
		return fmt.Errorf("stop session %s: %w", id, err)
	}
	return nil
}

// Close logs out (POST /api/oauth2/logout), invalidating both tokens. It
// does nothing when the client never logged in, and may be called twice.
func (c *Client) Close(ctx context.Context) error {
	tok := c.auth.Current()
	if tok == "" {
		return nil
	}
	c.auth.Forget()
	h := c.header()
	h.Set("Authorization", "Bearer "+tok)
	_, err := c.t.Send(ctx, &veeam.Request{Method: http.MethodPost, Path: logoutPath, Header: h, Safe: true})
	if err != nil && !veeam.IsStatus(err, http.StatusUnauthorized) {
		return fmt.Errorf("vbr logout: %w", err)
	}
	return nil
}
