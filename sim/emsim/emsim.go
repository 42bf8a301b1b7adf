package emsim

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/sim/simapi"
)

// DefaultSeed is the Enterprise Manager section of the default simulator
// seed (YAML): one backup server and six agent jobs, three of them failed.
//
//go:embed seed.yaml
var DefaultSeed []byte

// IdleTimeout is how long a logon session lives without requests. The
// vendor documents 15 minutes and no way to refresh a session.
const IdleTimeout = 15 * time.Minute

// api is the simulated Enterprise Manager.
type api struct {
	env simapi.Env
	mux *http.ServeMux

	mu sync.Mutex
	st *state
}

// New returns a simulated Enterprise Manager seeded from seed (the EM
// section of the seed file as JSON; nil or empty means DefaultSeed). Zero
// fields of env get working defaults (real clock, 2s operations, no faults).
func New(env simapi.Env, seed json.RawMessage) (simapi.API, error) {
	st, err := parseSeed(seed)
	if err != nil {
		return nil, err
	}
	a := &api{env: env.WithDefaults(), st: st, mux: http.NewServeMux()}
	a.routes()
	return a, nil
}

// Handler serves the Enterprise Manager paths under /api/.
func (a *api) Handler() http.Handler { return handler{a} }

// handler is the http.Handler of the API; it also names route templates and
// writes injected faults in the vendor's Error shape.
type handler struct{ a *api }

// ServeHTTP dispatches to the vendor routes.
func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.a.mux.ServeHTTP(w, r) }

// Template names the route of r ("/api/agents/jobs/{id}") for the request log.
func (h handler) Template(r *http.Request) string {
	_, pattern := h.a.mux.Handler(r)
	if pattern == "" || pattern == "/" {
		return r.URL.Path
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	return strings.TrimSuffix(pattern, "{$}")
}

// WriteError writes an error in the Enterprise Manager shape (XML Error, or
// JSON when the request asks for it); the core uses it for injected faults.
func (h handler) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	h.a.write(w, &call{r: r, json: wantsJSON(r)}, errReply(status, message))
}

// Snapshot returns the whole state, pending tasks and logon sessions
// included, as JSON.
func (a *api) Snapshot() (json.RawMessage, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, err := json.Marshal(a.st)
	if err != nil {
		return nil, fmt.Errorf("snapshot em state: %w", err)
	}
	return b, nil
}

// Restore replaces the state with a snapshot.
func (a *api) Restore(b json.RawMessage) error {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("restore em state: %w", err)
	}
	if err := st.check(); err != nil {
		return fmt.Errorf("restore em state: %w", err)
	}
	if st.NextTask == 0 {
		st.NextTask = 1
	}
	a.mu.Lock()
	a.st = &st
	a.mu.Unlock()
	return nil
}

// Mutate changes one agent job (collection "agent_jobs", found by Name or
// Id) with a JSON merge patch in the snapshot's field names, or removes it.
func (a *api) Mutate(collection, name string, merge map[string]any, del bool) error {
	if collection != "agent_jobs" {
		return fmt.Errorf("mutate em collection %q: unknown collection", collection)
	}
	a.mu.Lock()
	err := a.mutateJob(name, merge, del)
	a.mu.Unlock()
	if err != nil {
		return fmt.Errorf("mutate em agent job %q: %w", name, err)
	}
	a.env.Changed()
	return nil
}

func (a *api) mutateJob(name string, merge map[string]any, del bool) error {
	idx := -1
	for i, j := range a.st.Jobs {
		if strings.EqualFold(j.Name, name) || strings.EqualFold(j.ID, name) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return errors.New("not found")
	}
	if del {
		a.st.Jobs = append(a.st.Jobs[:idx], a.st.Jobs[idx+1:]...)
		return nil
	}
	b, err := json.Marshal(a.st.Jobs[idx])
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	b, err = json.Marshal(jsondoc.MergePatch(doc, merge))
	if err != nil {
		return err
	}
	var j agentJob
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	old := a.st.Jobs[idx]
	a.st.Jobs[idx] = &j
	if err := a.st.check(); err != nil {
		a.st.Jobs[idx] = old
		return err
	}
	return nil
}

// call is one request being served.
type call struct {
	r       *http.Request
	q       url.Values // query parameters, ";" kept inside values
	now     time.Time
	base    string
	json    bool
	logon   *logonSession
	changed bool
}

// reply is what a route answers; it is written after the lock is released.
type reply struct {
	status int
	body   *node
	header http.Header
}

// parseQuery splits a raw query on "&" only: the query service's filter
// uses ";" for AND, which net/url refuses as a separator.
func parseQuery(raw string) url.Values {
	v := url.Values{}
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			continue
		}
		v.Add(uk, uv)
	}
	return v
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Accept")), "application/json")
}

var statusNames = map[int]string{
	400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
	405: "MethodNotAllowed", 409: "Conflict", 500: "InternalServerError", 501: "NotImplemented",
	503: "ServiceUnavailable",
}

// errReply is the vendor Error: <Error Message StatusCode Status/>.
func errReply(status int, msg string) reply {
	name := statusNames[status]
	if name == "" {
		name = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	rep := reply{status: status, body: elem("Error", "Message", msg, "StatusCode", status, "Status", name)}
	if status == http.StatusUnauthorized {
		rep.header = http.Header{"Www-Authenticate": {"Basic Realm=RestSvc"}}
	}
	return rep
}

func ok(status int, body *node) reply { return reply{status: status, body: body} }

// route registers a handler; public routes need no logon session, others
// need one whose role is in roles (nil = any role).
func (a *api) route(pattern string, public bool, roles []string, fn func(c *call) reply) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		a.serve(w, r, public, roles, fn)
	})
}

func (a *api) serve(w http.ResponseWriter, r *http.Request, public bool, roles []string, fn func(c *call) reply) {
	c := &call{r: r, json: wantsJSON(r), base: a.base(r), q: parseQuery(r.URL.RawQuery)}
	a.mu.Lock()
	c.now = a.env.Clock.Now()
	c.changed = a.settle(c.now)
	rep, authed := reply{}, true
	if !public {
		rep, authed = a.authenticate(c, roles)
	}
	if authed {
		rep = fn(c)
	}
	changed := c.changed
	a.mu.Unlock()
	a.write(w, c, rep)
	if changed {
		a.env.Changed()
	}
}

// base is the URL the client addressed: the listener's scheme and the
// request's Host header, so Href and Location work through port forwarding
// and DNS names; the listener's own address when the request names no
// host.
func (a *api) base(r *http.Request) string {
	listener := ""
	if a.env.BaseURL != nil {
		listener = strings.TrimSuffix(a.env.BaseURL(), "/")
	}
	scheme, _, ok := strings.Cut(listener, "://")
	if !ok {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	if r.Host == "" && listener != "" {
		return listener
	}
	return scheme + "://" + r.Host
}

func (a *api) write(w http.ResponseWriter, c *call, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	var b []byte
	if c.json {
		var err error
		if b, err = renderJSON(rep.body); err != nil {
			rep.status = http.StatusInternalServerError
			b = []byte(`{"Message":"cannot render response","StatusCode":500,"Status":"InternalServerError"}`)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		b = renderXML(rep.body)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rep.status)
	w.Write(b) //nolint:errcheck // the client went away; nothing to do
}

// authenticate finds the logon session of the request: the cookie wins over
// the header, as the vendor documents. Using a session refreshes its idle
// time (not persisted on its own: it is not a change worth a state write).
func (a *api) authenticate(c *call, roles []string) (reply, bool) {
	token := c.r.Header.Get("X-RestSvcSessionId")
	if ck, err := c.r.Cookie("X-RestSvcSessionId"); err == nil && ck.Value != "" {
		token = ck.Value
	}
	if token == "" {
		return errReply(http.StatusUnauthorized, "Authentication required. Log on with POST /api/sessionMngr/?v=latest"), false
	}
	for _, l := range a.st.Logons {
		if l.Token == token {
			l.LastSeen = c.now
			c.logon = l
			if roles != nil && !contains(roles, l.Role) {
				return errReply(http.StatusForbidden, "Access denied"), false
			}
			return reply{}, true
		}
	}
	// Unknown, logged off and idle-expired sessions look the same.
	return errReply(http.StatusUnauthorized, "The logon session does not exist or has expired. Log on again"), false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// settle brings logon sessions and tasks up to now; it reports whether
// anything changed.
func (a *api) settle(now time.Time) bool {
	changed := false
	live := a.st.Logons[:0]
	for _, l := range a.st.Logons {
		if now.Sub(l.LastSeen) >= IdleTimeout {
			changed = true
			continue
		}
		live = append(live, l)
	}
	for i := len(live); i < len(a.st.Logons); i++ {
		a.st.Logons[i] = nil
	}
	a.st.Logons = live
	// Apply finished operations in the order they finished, so a stop
	// issued during a run wins over the run's own end.
	var due []*task
	for _, t := range a.st.Tasks {
		if !t.Applied && !now.Before(t.applyAt()) {
			due = append(due, t)
		}
	}
	sort.SliceStable(due, func(i, j int) bool { return due[i].applyAt().Before(due[j].applyAt()) })
	for _, t := range due {
		if !t.Applied {
			a.apply(t, t.applyAt())
			changed = true
		}
	}
	for _, t := range a.st.Tasks {
		if a.advance(t, now) {
			changed = true
		}
	}
	return changed
}

// applyAt is when the backup server finishes the task's operation: after
// 80% of its duration (the rest is Enterprise Manager collecting the result).
func (t *task) applyAt() time.Time { return t.Started.Add(time.Duration(t.Duration) * 4 / 5) }

// advance moves a task's state along: Running until its operation is
// applied (its backup session Working with progress), OperationFinished
// (the job's result and session are final, Result is present), then
// Finished at the end of its duration.
func (a *api) advance(t *task, now time.Time) bool {
	if t.State == "Finished" {
		return false
	}
	d := time.Duration(t.Duration)
	elapsed := now.Sub(t.Started)
	if elapsed >= d && t.Applied {
		t.State = "Finished"
		return true
	}
	if t.Applied {
		if t.State != "OperationFinished" {
			t.State = "OperationFinished"
			return true
		}
		return false
	}
	if d > 0 {
		if s := a.st.session(t.SessionID); s != nil && t.Operation != opStop {
			s.State = "Working"
			s.Progress = min(99, int(elapsed*100/d))
		}
	}
	return false
}

// apply makes the change of a task's operation visible.
func (a *api) apply(t *task, at time.Time) {
	t.Applied = true
	t.Success = !t.Fail
	job := a.st.job(t.JobID)
	s := a.st.session(t.SessionID)
	switch t.Operation {
	case opRetry, opStart:
		result := "Success"
		if t.Fail {
			result = "Failed"
		}
		if s != nil {
			end := at
			s.State, s.Result, s.Progress, s.Ended = "Stopped", result, 100, &end
		}
		if job != nil {
			run := at
			job.LastResult, job.LastRunUTC = result, &run
		}
	case opStop:
		if t.Fail {
			return
		}
		if s != nil && s.State != "Stopped" {
			end := at
			// A job stopped by a user ends Failed (inferred from VBR).
			s.State, s.Result, s.Ended = "Stopped", "Failed", &end
			if job != nil {
				run := at
				job.LastResult, job.LastRunUTC = "Failed", &run
			}
			for _, o := range a.st.Tasks {
				if o.SessionID == s.ID && o != t && !o.Applied {
					o.Applied, o.Fail, o.Success, o.Message = true, true, false, "Job was stopped by user"
				}
			}
		}
	case opToggle:
		if job != nil && !t.Fail {
			job.ScheduleEnabled = !job.ScheduleEnabled
		}
	}
}

// newToken returns a random session token like the vendor's
// "O9Msj3rq7EGUhtSMBQx+mw==".
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b)
}

// newGUID returns a random version 4 guid.
func newGUID() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
