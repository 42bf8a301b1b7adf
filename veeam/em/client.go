package em

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

const (
	logonPath     = "/api/sessionMngr/"
	sessionHeader = "X-RestSvcSessionId"
)

// Client talks to one Enterprise Manager server through one logon
// session. It is safe for concurrent use; all calls share the session.
type Client struct {
	t        *veeam.Transport
	username string
	password string
	sem      chan struct{}

	mu      sync.Mutex
	session string // X-RestSvcSessionId value
	logonID string // id in /api/logonSessions/{id}
	gen     int    // bumped on every logon
	tasks   map[string]int

	pollFloor time.Duration
	pollOnce  sync.Once
	poller    *veeam.Poller
}

// New checks cfg and returns a client; it logs on at the first call.
func New(cfg veeam.Config) (*Client, error) {
	t, err := veeam.NewTransport(veeam.EM, cfg, veeam.Hooks{ParseError: parseError})
	if err != nil {
		return nil, err
	}
	return &Client{t: t, username: cfg.Username, password: cfg.Password, sem: make(chan struct{}, 1), tasks: map[string]int{}, pollFloor: cfg.PollFloor}, nil
}

// parseError reads EM's Error: XML <Error Message StatusCode Status/> or
// its JSON form {"Message","StatusCode","Status"} (the JSON shape is
// inferred from the XML one).
func parseError(_ int, h http.Header, body []byte) (string, string) {
	d, err := decodeBody(h, body)
	if err != nil || d == nil {
		return "", ""
	}
	if e, ok := d["Error"].(map[string]any); ok {
		d = e
	}
	return veeam.String(d, "Status"), veeam.String(d, "Message")
}

func decodeBody(h http.Header, body []byte) (veeam.Doc, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if strings.Contains(strings.ToLower(h.Get("Content-Type")), "xml") || trimmed[0] == '<' {
		return decodeXML(trimmed)
	}
	return veeam.DecodeDoc(trimmed)
}

func (c *Client) current() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session, c.gen
}

// logon returns the session to use, logging on when there is none or when
// the session of generation stale was rejected. Logons are serialised.
func (c *Client) logon(ctx context.Context, stale int) (string, int, error) {
	if s, g := c.current(); s != "" && g != stale {
		return s, g, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
	defer func() { <-c.sem }()
	if s, g := c.current(); s != "" && g != stale {
		return s, g, nil
	}
	basic := base64.StdEncoding.EncodeToString([]byte(c.username + ":" + c.password))
	resp, err := c.t.Send(ctx, &veeam.Request{
		Method: http.MethodPost,
		Path:   logonPath,
		Query:  url.Values{"v": {"latest"}},
		Header: http.Header{"Authorization": {"Basic " + basic}, "Accept": {"application/json"}},
		Safe:   true, // a logon creates nothing the caller depends on
	})
	if err != nil {
		return "", 0, fmt.Errorf("log on as %q: %w", c.username, err)
	}
	s := resp.Header.Get(sessionHeader)
	if s == "" {
		return "", 0, fmt.Errorf("log on as %q: no %s header in the answer", c.username, sessionHeader)
	}
	d, _ := decodeBody(resp.Header, resp.Body)
	id := veeam.String(d, "SessionId")
	if href := veeam.String(d, "Href"); href != "" {
		if u, err := url.Parse(href); err == nil && path.Base(u.Path) != "" && path.Base(u.Path) != "/" {
			id = path.Base(u.Path)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.session, c.logonID = s, id
	c.gen++
	return c.session, c.gen, nil
}

// call sends one request with the session header; on 401 it logs on again
// and repeats the request once (401 means the server did nothing). It also
// reports the generation of the session that answered.
func (c *Client) call(ctx context.Context, req *veeam.Request) (*veeam.Response, int, error) {
	s, g, err := c.logon(ctx, -1)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.t.Send(ctx, withSession(req, s))
	if !veeam.IsStatus(err, http.StatusUnauthorized) {
		return resp, g, err
	}
	s, g, err = c.logon(ctx, g)
	if err != nil {
		return nil, 0, fmt.Errorf("after 401 on %s %s: %w", req.Method, req.Path, err)
	}
	resp, err = c.t.Send(ctx, withSession(req, s))
	return resp, g, err
}

func withSession(req *veeam.Request, s string) *veeam.Request {
	r := *req
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set(sessionHeader, s)
	r.Header.Set("Accept", "application/json")
	return &r
}

// Do sends one request in the logon session. A body that is []byte or a
// string starting with "<" is sent as application/xml (EM's request
// format); anything else as JSON. The answer (JSON, or XML when the server
// insists) is decoded into Response.Doc.
func (c *Client) Do(ctx context.Context, method, p string, q url.Values, body any) (*veeam.Response, error) {
	resp, _, err := c.do(ctx, method, p, q, body)
	return resp, err
}

func (c *Client) do(ctx context.Context, method, p string, q url.Values, body any) (*veeam.Response, int, error) {
	b, err := veeam.EncodeJSON(body)
	if err != nil {
		return nil, 0, err
	}
	req := &veeam.Request{Method: method, Path: p, Query: q, Body: b}
	if b != nil {
		req.ContentType = "application/json"
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '<' {
			req.ContentType = "application/xml"
		}
	}
	resp, gen, err := c.call(ctx, req)
	if err != nil {
		return nil, gen, err
	}
	if resp.Doc, err = decodeBody(resp.Header, resp.Body); err != nil {
		return nil, gen, fmt.Errorf("em %s %s: %w", method, p, err)
	}
	return resp, gen, nil
}

// Get returns the object at path.
func (c *Client) Get(ctx context.Context, p string, q url.Values) (veeam.Doc, error) {
	resp, err := c.Do(ctx, http.MethodGet, p, q, nil)
	if err != nil {
		return nil, err
	}
	return resp.Doc, nil
}

// List returns the items of a collection. It asks for format=Entity unless
// q says otherwise and accepts EntityReferences (Refs), QueryResult
// (Refs, Entities or Resources) and entity lists. EM collections are not
// paged unless pageSize is given, so one request returns everything.
func (c *Client) List(ctx context.Context, p string, q url.Values) ([]veeam.Doc, error) {
	return veeam.CachedList(ctx, c, veeam.EM, p, q, func() ([]veeam.Doc, error) { return c.list(ctx, p, q) })
}

// list walks every page of a collection.
func (c *Client) list(ctx context.Context, p string, q url.Values) ([]veeam.Doc, error) {
	pq := url.Values{}
	for k, v := range q {
		pq[k] = slices.Clone(v)
	}
	if pq.Get("format") == "" {
		pq.Set("format", "Entity")
	}
	d, err := c.Get(ctx, p, pq)
	if err == nil && d == nil {
		err = fmt.Errorf("%w: empty answer, or not a document", veeam.ErrMalformedList)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", p, err)
	}
	return collectionItems(d), nil
}

// collectionItems finds the objects of a collection answer.
func collectionItems(d veeam.Doc) []veeam.Doc {
	for _, k := range []string{"Refs", "Ref", "Entities", "Resources"} {
		if v, ok := d[k]; ok {
			return flatten(v, 0)
		}
	}
	out := []veeam.Doc{}
	for _, k := range sortedKeys(d) {
		if k == "Links" || k == "PagingInfo" {
			continue
		}
		if arr, ok := d[k].([]any); ok {
			out = append(out, flatten(arr, 0)...)
		}
	}
	return out
}

// flatten returns the entities inside v: array elements, or the objects
// nested in wrapper objects such as {"AgentBackupJobs":{"AgentBackupJob":[...]}}.
func flatten(v any, depth int) []veeam.Doc {
	out := []veeam.Doc{}
	if depth > 4 {
		return out
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		if isEntity(t) {
			return append(out, t)
		}
		for _, k := range sortedKeys(t) {
			if k == "Links" {
				continue
			}
			out = append(out, flatten(t[k], depth+1)...)
		}
	}
	return out
}

func isEntity(m map[string]any) bool {
	for _, k := range []string{"UID", "Href", "Id", "TaskId"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// StartAction posts path?action=action (retry, start, stop, ...) and
// returns the Task document the server answers 202 with. The task is
// remembered with the logon session that started it.
func (c *Client) StartAction(ctx context.Context, p, action string) (veeam.Doc, error) {
	resp, gen, err := c.do(ctx, http.MethodPost, p, url.Values{"action": {action}}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, p, err)
	}
	if id := veeam.String(resp.Doc, "TaskId"); id != "" {
		c.mu.Lock()
		c.tasks[id] = gen
		c.mu.Unlock()
	}
	return resp.Doc, nil
}

// TaskID returns the task id of a Task document (TaskId, or the last
// segment of Href).
func TaskID(task veeam.Doc) string {
	if id := veeam.String(task, "TaskId"); id != "" {
		return id
	}
	if href := veeam.String(task, "Href"); href != "" {
		if u, err := url.Parse(href); err == nil {
			return path.Base(u.Path)
		}
	}
	return ""
}

// UnknownOutcomeError is a task that can no longer be observed: EM shows a
// task only to the logon session that started it, and that session
// expired (15 minutes idle) before the task was seen to finish. The task
// may or may not have succeeded; re-read the state it was meant to change.
type UnknownOutcomeError struct {
	TaskID string
}

// Error explains why the outcome is unknown.
func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("em task %s: outcome unknown: the logon session that started it expired and a new session cannot see it; re-read state", e.TaskID)
}

// Unwrap makes errors.Is(err, veeam.ErrUncertain) true.
func (e *UnknownOutcomeError) Unwrap() error { return veeam.ErrUncertain }

// AwaitTask polls GET /api/tasks/{id} in the same logon session until the
// task's State is Finished and returns the final Task. OperationFinished
// is not the end: the backup server is done but Enterprise Manager has not
// collected the result yet, so a Result seen then may be incomplete (API
// reference 2.4); waiting for Finished costs a few more polls at most.
// Result Success="false" returns *veeam.AsyncError with the server's
// message. Polling keeps the session alive; if it still
// expires, the client logs on again, and a 404 from the new session means
// the task is lost to it: *UnknownOutcomeError (wrapping
// veeam.ErrUncertain).
func (c *Client) AwaitTask(ctx context.Context, taskID string, o veeam.AwaitOptions) (veeam.Doc, error) {
	c.mu.Lock()
	startGen, known := c.tasks[taskID]
	if !known {
		startGen = c.gen
	}
	c.mu.Unlock()
	var final veeam.Doc
	err := veeam.Await(ctx, c.t.Clock(), o, func(ctx context.Context) (veeam.Progress, bool, error) {
		resp, gen, err := c.do(ctx, http.MethodGet, "/api/tasks/"+url.PathEscape(taskID), nil, nil)
		if err != nil {
			if veeam.IsStatus(err, http.StatusNotFound) && gen != startGen && startGen != 0 {
				return veeam.Progress{}, false, &UnknownOutcomeError{TaskID: taskID}
			}
			return veeam.Progress{}, false, fmt.Errorf("await task %s: %w", taskID, err)
		}
		p, done := taskProgress(taskID, resp.Doc)
		if done {
			final = resp.Doc
		}
		return p, done, nil
	})
	c.mu.Lock()
	delete(c.tasks, taskID)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return taskOutcome(taskID, final)
}

// taskOutcome turns a finished task into the await result: the task, or
// an *veeam.AsyncError when it did not succeed.
func taskOutcome(taskID string, final veeam.Doc) (veeam.Doc, error) {
	if ok, _ := veeam.Bool(final, "Result", "Success"); ok {
		return final, nil
	}
	return final, &veeam.AsyncError{
		Kind:    veeam.KindTask,
		ID:      taskID,
		Name:    veeam.String(final, "Operation"),
		Result:  `Success="false"`,
		Message: veeam.String(final, "Result", "Message"),
	}
}

// RunningJobSession returns the backup session of agent job jobID that has
// not stopped yet, or nil when the job is not running. Unlike the task
// that started it, a job's backup sessions are visible to every logon
// session: this is how a new logon (after a restart) re-attaches to work
// an earlier one started.
func (c *Client) RunningJobSession(ctx context.Context, jobID string) (veeam.Doc, error) {
	items, err := c.list(ctx, "/api/agents/jobs/"+url.PathEscape(jobID)+"/backupSessions", url.Values{"format": {"Entity"}})
	if err != nil {
		return nil, err
	}
	for _, s := range items {
		if st := veeam.String(s, "State"); st != "" && !strings.EqualFold(st, "Stopped") {
			return s, nil
		}
	}
	return nil, nil
}

// SessionID returns the bare id of a BackupJobSession document (the last
// segment of its UID, else of its Href).
func SessionID(s veeam.Doc) string {
	if uid := veeam.String(s, "UID"); uid != "" {
		return uid[strings.LastIndex(uid, ":")+1:]
	}
	if href := veeam.String(s, "Href"); href != "" {
		if u, err := url.Parse(href); err == nil {
			return path.Base(u.Path)
		}
	}
	return veeam.String(s, "Id")
}

// AwaitJobSession polls GET /api/backupSessions/{id}?format=Entity until
// the backup session's State is Stopped and returns it. A Result other
// than Success or Warning returns *veeam.AsyncError.
func (c *Client) AwaitJobSession(ctx context.Context, id string, o veeam.AwaitOptions) (veeam.Doc, error) {
	var final veeam.Doc
	err := veeam.Await(ctx, c.t.Clock(), o, func(ctx context.Context) (veeam.Progress, bool, error) {
		d, err := c.Get(ctx, "/api/backupSessions/"+url.PathEscape(id), url.Values{"format": {"Entity"}})
		if err != nil {
			return veeam.Progress{}, false, fmt.Errorf("await backup session %s: %w", id, err)
		}
		state := veeam.String(d, "State")
		done := strings.EqualFold(state, "Stopped")
		if done {
			final = d
		}
		pct := -1
		if n, ok := veeam.Int(d, "Progress"); ok && n >= 0 && n <= 100 {
			pct = int(n)
		}
		return veeam.Progress{Kind: veeam.KindTask, ID: id, Name: veeam.String(d, "JobName"), State: state, Percent: pct}, done, nil
	})
	if err != nil {
		return nil, err
	}
	switch r := veeam.String(final, "Result"); {
	case strings.EqualFold(r, "Success"), strings.EqualFold(r, "Warning"):
		return final, nil
	default:
		return final, &veeam.AsyncError{Kind: veeam.KindTask, ID: id, Name: veeam.String(final, "JobName"), Result: r,
			Message: "the backup session of the job ended " + r}
	}
}

// Close logs off (DELETE /api/logonSessions/{id}). It does nothing when the
// client never logged on, and may be called twice.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	s, id := c.session, c.logonID
	c.session, c.logonID = "", ""
	c.mu.Unlock()
	if s == "" || id == "" {
		return nil
	}
	_, err := c.t.Send(ctx, withSession(&veeam.Request{Method: http.MethodDelete, Path: "/api/logonSessions/" + url.PathEscape(id)}, s))
	if err != nil && !veeam.IsStatus(err, http.StatusUnauthorized) && !veeam.IsStatus(err, http.StatusNotFound) {
		return fmt.Errorf("em logoff: %w", err)
	}
	return nil
}
