package vspcsim

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/sim/simapi"
)

// DefaultSeed is the VSPC section of the default simulator seed (YAML): one
// organization and eight backup agents, two of them unhealthy.
//
//go:embed seed.yaml
var DefaultSeed []byte

// Lifetimes the vendor documents.
const (
	DefaultTokenTTL  = time.Hour           // access token, when Env.TokenTTL is zero
	RefreshTTL       = 14 * 24 * time.Hour // refresh token (inferred: as VBR)
	IdempotencyTTL   = 5 * time.Minute     // X-Request-id replay window
	SucceedRetention = 5 * time.Minute     // async action result kept after success
	FailedRetention  = time.Hour           // ... after failure or cancel
)

// users are the simulated accounts: fixed uids and VSPC roles.
var users = map[string]struct{ uid, role string }{
	simapi.RoleAdmin:    {"c0a80101-0000-4000-8000-000000000001", "PortalAdministrator"},
	simapi.RoleOperator: {"c0a80101-0000-4000-8000-000000000002", "PortalOperator"},
	simapi.RoleViewer:   {"c0a80101-0000-4000-8000-000000000003", "ReadOnlyUser"},
}

// restartRoles may restart agents: of the vendor's list (Portal
// Administrator, SP Global Administrator, SP Administrator, Company Owner,
// Company Administrator) only the administrator is simulated.
var restartRoles = []string{simapi.RoleAdmin}

// api is the simulated VSPC REST API v3.
type api struct {
	env simapi.Env
	mux *http.ServeMux

	mu sync.Mutex
	st *state
}

// New returns a simulated VSPC seeded from seed (the VSPC section of the
// seed file as JSON; nil or empty means DefaultSeed). Zero fields of env get
// working defaults.
func New(env simapi.Env, seed json.RawMessage) (simapi.API, error) {
	st, err := parseSeed(seed)
	if err != nil {
		return nil, err
	}
	a := &api{env: env.WithDefaults(), st: st, mux: http.NewServeMux()}
	a.routes()
	return a, nil
}

func (a *api) tokenTTL() time.Duration {
	if a.env.TokenTTL > 0 {
		return a.env.TokenTTL
	}
	return DefaultTokenTTL
}

// Handler serves the VSPC paths under /api/v3/.
func (a *api) Handler() http.Handler { return handler{a} }

// handler is the http.Handler of the API; it also names route templates and
// writes injected faults in the VSPC shape.
type handler struct{ a *api }

// ServeHTTP dispatches to the vendor routes.
func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.a.mux.ServeHTTP(w, r) }

// Template names the route of r for the request log.
func (h handler) Template(r *http.Request) string {
	_, pattern := h.a.mux.Handler(r)
	if pattern == "" || pattern == "/" {
		return r.URL.Path
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	return pattern
}

// WriteError writes an error in the VSPC shape; server errors (>= 500)
// become HTTP 520 with the original status as the code, as VSPC does. The
// core uses it for injected faults.
func (h handler) WriteError(w http.ResponseWriter, _ *http.Request, status int, message string) {
	writeReply(w, errReply(status, "unspecified", message))
}

// Snapshot returns the whole state (agents, pending restarts, async
// actions, tokens) as JSON.
func (a *api) Snapshot() (json.RawMessage, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, err := json.Marshal(a.st)
	if err != nil {
		return nil, fmt.Errorf("snapshot vspc state: %w", err)
	}
	return b, nil
}

// Restore replaces the state with a snapshot.
func (a *api) Restore(b json.RawMessage) error {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("restore vspc state: %w", err)
	}
	if err := st.init(); err != nil {
		return fmt.Errorf("restore vspc state: %w", err)
	}
	a.mu.Lock()
	a.st = &st
	a.mu.Unlock()
	return nil
}

// Mutate changes one backup agent (collection "backup_agents", found by
// name or instanceUid) with a JSON merge patch in vendor field names, or
// removes it.
func (a *api) Mutate(collection, name string, merge map[string]any, del bool) error {
	if collection != "backup_agents" {
		return fmt.Errorf("mutate vspc collection %q: unknown collection", collection)
	}
	a.mu.Lock()
	err := a.mutateAgent(name, merge, del)
	a.mu.Unlock()
	if err != nil {
		return fmt.Errorf("mutate vspc backup agent %q: %w", name, err)
	}
	a.env.Changed()
	return nil
}

func (a *api) mutateAgent(name string, merge map[string]any, del bool) error {
	idx := -1
	for i, ag := range a.st.Agents {
		if strings.EqualFold(ag.Name, name) || strings.EqualFold(ag.InstanceUID, name) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return errors.New("not found")
	}
	old := a.st.Agents[idx]
	if del {
		a.st.Agents = append(a.st.Agents[:idx], a.st.Agents[idx+1:]...)
		// A pending restart of the removed agent still finishes its actions.
		return a.st.reindex()
	}
	b, err := json.Marshal(old)
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
	var ag agent
	if err := json.Unmarshal(b, &ag); err != nil {
		return err
	}
	if err := ag.normalize(a.st.Organizations[0].InstanceUID); err != nil {
		return err
	}
	a.st.Agents[idx] = &ag
	if err := a.st.reindex(); err != nil {
		a.st.Agents[idx] = old
		a.st.reindex() //nolint:errcheck // the old index was valid
		return err
	}
	return nil
}

// envelope is the body of every VSPC answer except the token endpoint.
type envelope struct {
	Data   any         `json:"data"`
	Meta   *meta       `json:"meta"`
	Errors []respError `json:"errors"`
}

type meta struct {
	PagingInfo *pagingInfo `json:"pagingInfo"`
}

type pagingInfo struct {
	Total  int `json:"total"`
	Count  int `json:"count"`
	Offset int `json:"offset"`
}

// respError is a ResponseError.
type respError struct {
	Message       string `json:"message"`
	Type          string `json:"type"`
	Code          int    `json:"code"`
	ParameterName string `json:"parameterName,omitempty"`
	// FailedJSONPatch names the JSON Patch operation a PATCH could not
	// apply.
	FailedJSONPatch *failedPatch `json:"failedJsonPatch,omitempty"`
}

// failedPatch is the vendor's failedJsonPatch {op, path, value}.
type failedPatch struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// reply is what a route answers; it is written after the lock is released.
type reply struct {
	status int
	body   any
	header http.Header
}

func data(status int, v any) reply { return reply{status: status, body: envelope{Data: v}} }

// emptyResponse is the vendor EmptyResponse.
func emptyResponse() reply { return reply{status: http.StatusOK, body: envelope{Data: struct{}{}}} }

func list(items any, total, count, offset int) reply {
	return reply{status: http.StatusOK, body: envelope{Data: items, Meta: &meta{PagingInfo: &pagingInfo{total, count, offset}}}}
}

// errReply is an ErrorResponse. Every status from 500 up is sent as 520
// with the original status as the code, as VSPC does for server and
// custom-coded errors.
func errReply(status int, typ, msg string) reply {
	code := status
	if status >= 500 {
		status = 520
	}
	return reply{status: status, body: envelope{Errors: []respError{{Message: msg, Type: typ, Code: code}}}}
}

func paramReply(e *paramError) reply {
	r := errReply(http.StatusBadRequest, "logical", "Invalid value of the "+e.param+" parameter: "+e.msg+".")
	r.body.(envelope).Errors[0].ParameterName = e.param
	return r
}

func writeReply(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	b, err := json.Marshal(rep.body)
	if err != nil {
		rep.status = 520
		b = []byte(`{"data":null,"meta":null,"errors":[{"message":"cannot render response","type":"unspecified","code":500}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rep.status)
	w.Write(b) //nolint:errcheck // the client went away; nothing to do
}

// call is one request being served.
type call struct {
	r      *http.Request
	q      map[string]string
	body   []byte
	now    time.Time
	base   string
	user   string  // simulated user name (= role)
	action *action // the async action tracking this request, if any
	// keepRunning is set by a route that finishes the tracked action later
	// (restart); otherwise its answer is the action's result at once.
	keepRunning bool
	changed     bool
}

// routeOpts says how a route is served.
type routeOpts struct {
	public bool
	roles  []string // nil = any authenticated user
	// trackable routes honour X-Request-id: async tracking and 5-minute
	// idempotency under that id.
	trackable  bool
	actionName string
}

func (a *api) route(pattern string, o routeOpts, fn func(c *call) reply) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, o, fn) })
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (a *api) serve(w http.ResponseWriter, r *http.Request, o routeOpts, fn func(c *call) reply) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeReply(w, errReply(http.StatusBadRequest, "transport", "Cannot read the request body."))
		return
	}
	c := &call{r: r, body: body, base: a.base(r), q: map[string]string{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			c.q[k] = v[0]
		}
	}
	a.mu.Lock()
	c.now = a.env.Clock.Now()
	c.changed = a.settle(c.now)
	rep := a.dispatch(c, o, fn)
	changed := c.changed
	a.mu.Unlock()
	writeReply(w, rep)
	if changed {
		a.env.Changed()
	}
}

func (a *api) dispatch(c *call, o routeOpts, fn func(c *call) reply) reply {
	if !o.public {
		if rep, ok := a.authenticate(c); !ok {
			return rep
		}
		if o.roles != nil && !contains(o.roles, c.user) {
			return errReply(http.StatusForbidden, "security", "Access denied. The user has no rights to perform this operation.")
		}
	}
	reqID := c.r.Header.Get("X-Request-id")
	if !o.trackable || reqID == "" {
		return fn(c)
	}
	if !uuidRe.MatchString(reqID) {
		r := errReply(http.StatusBadRequest, "logical", "The X-Request-id header must be a UUID.")
		r.body.(envelope).Errors[0].ParameterName = "X-Request-id"
		return r
	}
	if act, ok := a.st.Actions[strings.ToLower(reqID)]; ok && c.now.Sub(act.Created) < IdempotencyTTL && act.Initiator == users[c.user].uid {
		return a.accepted(act) // replay: the same answer, nothing done again
	}
	act := &action{
		ID: strings.ToLower(reqID), Initiator: users[c.user].uid, Name: o.actionName, Status: "running",
		Query: c.q, Created: c.now, Location: c.base + "/api/v3/asyncActions/" + strings.ToLower(reqID),
	}
	if len(c.body) > 0 {
		s := string(c.body)
		act.Body = &s
	}
	c.action = act
	rep := fn(c)
	if rep.status >= 400 && rep.status != 520 {
		return rep // refused before any work: not tracked
	}
	if !c.keepRunning {
		a.finish(act, rep, c.now)
	}
	a.st.Actions[act.ID] = act
	c.changed = true
	return a.accepted(act)
}

// accepted is the 202 answer of a tracked request.
func (a *api) accepted(act *action) reply {
	return reply{status: http.StatusAccepted, body: envelope{Data: act.info()}, header: http.Header{"Location": {act.Location}}}
}

// asyncActionInfo is the vendor AsyncActionInfo.
type asyncActionInfo struct {
	ID              string            `json:"id"`
	InitiatorUID    string            `json:"initiatorUid"`
	ActionName      string            `json:"actionName"`
	Status          string            `json:"status"`
	QueryParameters map[string]string `json:"queryParameters"`
	RequestBody     *string           `json:"requestBody"`
}

func (act *action) info() asyncActionInfo {
	q := act.Query
	if q == nil {
		q = map[string]string{}
	}
	return asyncActionInfo{act.ID, act.Initiator, act.Name, act.Status, q, act.Body}
}

// finish stores the operation's answer as the action's result.
func (a *api) finish(act *action, rep reply, at time.Time) {
	b, err := json.Marshal(rep.body)
	if err != nil {
		b = []byte(`{"data":null,"meta":null,"errors":[{"message":"cannot render result","type":"unspecified","code":500}]}`)
	}
	act.Result, act.ResultCode = b, rep.status
	act.Status = "succeed"
	if rep.status >= 400 {
		act.Status = "failed"
	}
	end := at
	act.Finished = &end
}

// base is the URL the client addressed: the listener's scheme and the
// request's Host header (Location of async actions); the listener's own
// address when the request names no host.
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

// authenticate checks the Bearer token.
func (a *api) authenticate(c *call) (reply, bool) {
	h := c.r.Header.Get("Authorization")
	tok, found := strings.CutPrefix(h, "Bearer ")
	if !found {
		tok, found = strings.CutPrefix(h, "bearer ")
	}
	if t, ok := a.st.Access[strings.TrimSpace(tok)]; found && ok && c.now.Before(t.Expires) {
		c.user = t.User
		return reply{}, true
	}
	rep := errReply(http.StatusUnauthorized, "security", "Authorization has been denied for this request. The access token is missing, invalid or expired.")
	rep.header = http.Header{"Www-Authenticate": {"Bearer"}}
	return rep, false
}

// settle brings tokens, restarts and async actions up to now.
func (a *api) settle(now time.Time) bool {
	changed := false
	for k, t := range a.st.Access {
		if !now.Before(t.Expires) {
			delete(a.st.Access, k)
			changed = true
		}
	}
	for k, t := range a.st.Refresh {
		if !now.Before(t.Expires) {
			delete(a.st.Refresh, k)
			changed = true
		}
	}
	for k, op := range a.st.Restarts {
		if now.Before(op.done()) {
			continue
		}
		a.completeRestart(op)
		delete(a.st.Restarts, k)
		changed = true
	}
	for k, act := range a.st.Actions {
		if act.Finished == nil {
			continue
		}
		keep := SucceedRetention
		if act.Status != "succeed" {
			keep = FailedRetention
		}
		if now.Sub(*act.Finished) >= keep {
			delete(a.st.Actions, k)
			changed = true
		}
	}
	return changed
}

// completeRestart ends a restart: the agent is back Healthy and Active, or
// with a fault it stays unhealthy (its previous unhealthy status, or Error
// when it was healthy). Waiting async actions get the result: 200
// EmptyResponse, or 520 with the fault message.
func (a *api) completeRestart(op *restartOp) {
	ag := a.st.agent(op.Agent)
	if ag != nil {
		switch {
		case !op.Fail:
			ag.Status, ag.ManagementAgentStatus = "Active", "Healthy"
		case op.PrevMgmt == "Healthy" || op.PrevMgmt == "Restarting":
			ag.Status, ag.ManagementAgentStatus = "NotRunning", "Error"
		default:
			ag.Status, ag.ManagementAgentStatus = op.PrevStatus, op.PrevMgmt
		}
	}
	rep := emptyResponse()
	if op.Fail {
		// A custom-coded failure: HTTP 520, retryable (inferred code).
		rep = errReply(520, "retryableLogical", op.Message)
		rep.body.(envelope).Errors[0].Code = 1001
	}
	for _, id := range op.Actions {
		if act, ok := a.st.Actions[id]; ok && act.Status == "running" {
			a.finish(act, rep, op.done())
		}
	}
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
