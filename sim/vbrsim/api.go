package vbrsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/sim/simapi"
)

// rev2 is the newest document revision; a few hand-written answers differ
// there (recovery-token create answers 201, mountServer is optional).
const rev2 = "1.3-rev2"

// Roles: admin is Backup Administrator, operator Backup Operator, viewer
// Backup Viewer (the "Available to" lists of each operation).
var (
	rolesAll       = []string{simapi.RoleAdmin, simapi.RoleOperator, simapi.RoleViewer}
	rolesAdmin     = []string{simapi.RoleAdmin}
	rolesAdminOper = []string{simapi.RoleAdmin, simapi.RoleOperator}
)

// API is the simulated VBR REST API. One mutex guards all state, so
// concurrent requests see consistent objects.
type API struct {
	env    simapi.Env
	routes []route

	mu        sync.Mutex
	seq       uint64
	usn       int64
	kinds     map[string]*kind
	sessions  []*session          // every session, oldest first
	sess      map[string]*session // every session by id
	running   map[string]*session // sessions not yet settled
	tokens    tokenStore
	genStores map[string]*genStore // generic state per document revision
}

// Collection names, as in the seed, snapshots and /_sim/mutate.
const (
	kManagedServers   = "managedServers"
	kRepositories     = "repositories"
	kScaleOut         = "scaleOutRepositories"
	kRecoveryTokens   = "recoveryTokens"
	kProtectionGroups = "protectionGroups"
	kDiscovered       = "discoveredEntities"
	kBackups          = "backups"
)

var collections = []string{kManagedServers, kRepositories, kScaleOut, kRecoveryTokens, kProtectionGroups, kDiscovered, kBackups, kMountServers}

// New builds the VBR API from the JSON form of its seed section (nil or
// empty: no objects; package sim passes DefaultSeed when the seed file has
// no vbr section).
func New(env simapi.Env, seed json.RawMessage) (simapi.API, error) {
	if env.Clock == nil || env.Duration == nil || env.SessionFault == nil || env.Changed == nil {
		return nil, fmt.Errorf("vbrsim: incomplete env")
	}
	if env.TokenTTL <= 0 {
		env.TokenTTL = 900 * time.Second
	}
	if env.BaseURL == nil {
		env.BaseURL = func() string { return "" }
	}
	a := &API{env: env}
	a.routes = a.table()
	a.reset()
	if len(bytes.TrimSpace(seed)) > 0 {
		if err := a.restore(seed); err != nil {
			return nil, fmt.Errorf("vbrsim: seed: %w", err)
		}
	}
	return a, nil
}

func (a *API) reset() {
	a.genStores = nil
	a.kinds = map[string]*kind{}
	for _, c := range collections {
		a.kinds[c] = newKind(c)
	}
	a.sessions = nil
	a.running = map[string]*session{}
	a.sess = map[string]*session{}
	a.tokens = tokenStore{access: map[string]*accessToken{}, refresh: map[string]*refreshToken{}}
}

// Handler serves /api/oauth2/... and /api/v1/....
func (a *API) Handler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

// Template names the route template of a request for the request log.
func (a *API) Template(r *http.Request) string {
	if rev, ok := DocRevision(r.Header.Get("x-api-version")); ok {
		if m, err := modelOf(rev); err == nil {
			if pi, _ := m.find(r.URL.Path); pi != nil {
				return pi.tmpl
			}
		}
	}
	if rt, _, _ := a.match(r.Method, r.URL.Path); rt != nil {
		return rt.tmpl
	}
	return ""
}

// Snapshot returns the whole state as JSON.
func (a *API) Snapshot() (json.RawMessage, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.settle(a.env.Clock.Now())
	out := map[string]any{"seq": a.seq, "usn": a.usn}
	for _, c := range collections {
		out[c] = a.kinds[c].docs()
	}
	out["sessions"] = a.sessions
	if len(a.genStores) > 0 {
		out["generic"] = a.genSnapshot()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("vbrsim: snapshot: %w", err)
	}
	return b, nil
}

// Restore replaces the state with a snapshot (or seed).
func (a *API) Restore(raw json.RawMessage) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.restore(raw); err != nil {
		return fmt.Errorf("vbrsim: restore: %w", err)
	}
	return nil
}

func (a *API) restore(raw json.RawMessage) error {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return err
	}
	a.reset()
	if _, listed := top[kMountServers]; !listed {
		defer a.seedMountServers()
	}
	for key, v := range top {
		switch key {
		case "seq":
			if err := json.Unmarshal(v, &a.seq); err != nil {
				return fmt.Errorf("seq: %w", err)
			}
		case "usn":
			if err := json.Unmarshal(v, &a.usn); err != nil {
				return fmt.Errorf("usn: %w", err)
			}
		case "generic":
			if err := a.restoreGeneric(v); err != nil {
				return fmt.Errorf("generic: %w", err)
			}
		case "sessions":
			var ss []*session
			if err := json.Unmarshal(v, &ss); err != nil {
				return fmt.Errorf("sessions: %w", err)
			}
			for _, s := range ss {
				a.addSession(s)
			}
		default:
			k, ok := a.kinds[key]
			if !ok {
				return fmt.Errorf("unknown collection %q", key)
			}
			var docs []doc
			d := json.NewDecoder(bytes.NewReader(v))
			d.UseNumber()
			if err := d.Decode(&docs); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			for i, o := range docs {
				if str(o, "id") == "" || str(o, "name") == "" && key != kRecoveryTokens && key != kMountServers {
					return fmt.Errorf("%s[%d]: id and name are required", key, i)
				}
				k.put(normalize(o).(map[string]any))
			}
		}
	}
	return nil
}

// Mutate changes one object without a session (drift tests): a JSON merge
// patch on the object named name, or its removal.
func (a *API) Mutate(collection, name string, merge map[string]any, del bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if hand, ok := handCollections[collection]; ok {
		collection = hand
	}
	k, ok := a.kinds[collection]
	if !ok && strings.HasPrefix(collection, "/api/") {
		return a.mutateGeneric(collection, name, merge, del)
	}
	if !ok {
		return fmt.Errorf("unknown collection %q (want one of %s, or a vendor path)", collection, strings.Join(collections, ", "))
	}
	o := k.byName(name)
	if o == nil && collection == kMountServers {
		// A mount server is known by its managed server's name.
		if h := a.kinds[kManagedServers].byName(name); h != nil {
			o = k.get(h.id)
		}
	}
	if o == nil {
		o = k.get(name)
	}
	if o == nil {
		return fmt.Errorf("no %s named %q", collection, name)
	}
	if del {
		k.remove(o.id)
		return nil
	}
	patched, _ := jsondoc.MergePatch(o.doc, merge).(map[string]any)
	patched["id"] = o.id
	o.doc = patched
	k.changed(o)
	return nil
}

// newID returns the next generated id: a UUID derived from the seed and a
// persisted counter, so runs are reproducible and restarts never reuse ids.
func (a *API) newID() string {
	a.seq++
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.env.Seed))
	binary.BigEndian.PutUint64(b[8:], a.seq)
	sum := sha256.Sum256(b[:])
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// nextUsn is the update sequence number of a new session.
func (a *API) nextUsn() int64 {
	a.usn++
	return 330000 + a.usn
}

// call is one request being served under the lock.
type call struct {
	r       *http.Request
	rev     string    // document revision the request is served from
	model   *revModel // that revision's document
	rev0    bool      // enums in lower case (1.1-rev0, 1.2-rev1, 1.3-rev0)
	user    string
	vars    map[string]string
	body    []byte
	now     time.Time
	changed bool
}

// reply is a response computed under the lock and written after it.
type reply struct {
	status int
	body   []byte
}

func (a *API) jsonReply(c *call, status int, v any) *reply {
	if d, ok := v.(doc); ok {
		v = render(d, c.spelling())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return vbrError(http.StatusInternalServerError, "UnknownError", "Cannot encode the response.", "")
	}
	return &reply{status: status, body: b}
}

// vbrError is the vendor Error body.
func vbrError(status int, code, msg, resourceID string) *reply {
	e := map[string]any{"errorCode": code, "message": msg}
	if resourceID != "" {
		e["resourceId"] = resourceID
	}
	b, _ := json.Marshal(e)
	return &reply{status: status, body: b}
}

func badRequest(msg string) *reply {
	return vbrError(http.StatusBadRequest, "UnexpectedContent", msg, "")
}

func notFound(what, id string) *reply {
	return vbrError(http.StatusNotFound, "NotFound", fmt.Sprintf("%s with ID %s was not found.", what, id), id)
}

func writeReply(w http.ResponseWriter, rp *reply) {
	h := w.Header()
	h.Set("Cache-Control", "private")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Strict-Transport-Security", "max-age=31536000")
	if rp.status == http.StatusNoContent {
		w.WriteHeader(rp.status)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
}

// serveHTTP checks the version header, finds the documented path (404
// otherwise), checks the token before anything else (401), then the method
// (405) and the role (403), and runs the hand-written handler, or the
// generic engine, under the lock after settling finished sessions.
func (a *API) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		writeReply(w, vbrError(http.StatusNotFound, "NotFound", "The requested resource was not found.", ""))
		return
	}
	// The header is required on every operation, /api/oauth2/token
	// included. A missing header is answered like an unsupported one
	// (inferred: the vendor documents only the unsupported case).
	rev, ok := DocRevision(r.Header.Get("x-api-version"))
	if !ok {
		writeReply(w, vbrError(http.StatusBadRequest, "NotImplemented", "The specified API version is not supported.", ""))
		return
	}
	model, err := modelOf(rev)
	if err != nil {
		writeReply(w, vbrError(http.StatusInternalServerError, "UnknownError", err.Error(), ""))
		return
	}
	pi, docVars := model.find(r.URL.Path)
	if pi == nil {
		writeReply(w, vbrError(http.StatusNotFound, "NotFound", "The requested resource was not found.", ""))
		return
	}
	op := pi.ops[r.Method]
	rt, vars, _ := a.match(r.Method, r.URL.Path)
	if rt != nil && rt.tmpl != pi.tmpl {
		rt = nil // the document routes this path elsewhere (literal segment)
	}
	if rt == nil {
		vars = docVars
	}
	public := op != nil && op.public || rt != nil && rt.public
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeReply(w, badRequest("Cannot read the request body."))
		return
	}
	c := &call{r: r, rev: rev, model: model, rev0: lowerEnums(rev), vars: vars, body: body}
	a.mu.Lock()
	c.now = a.env.Clock.Now().Truncate(100 * time.Nanosecond)
	if !public {
		user, rp := a.authenticate(r, c.now)
		if rp != nil {
			a.mu.Unlock()
			writeReply(w, rp)
			return
		}
		c.user = user
	}
	if op == nil {
		a.mu.Unlock()
		writeReply(w, vbrError(http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("The method %s is not allowed for this resource.", r.Method), ""))
		return
	}
	roles := op.roles
	if rt != nil {
		roles = rt.roles
	}
	if !public && !contains(roles, c.user) {
		a.mu.Unlock()
		writeReply(w, vbrError(http.StatusForbidden, "AccessDenied", "Forbidden", ""))
		return
	}
	settled := a.settle(c.now)
	var rp *reply
	if rt != nil {
		rp = a.conform(c, op, rt.fn(c))
	} else {
		rp = a.serveGeneric(c, pi, op)
	}
	a.mu.Unlock()
	if settled || c.changed {
		a.env.Changed()
	}
	writeReply(w, rp)
}

// conform fits a hand-written answer to the models of revisions the
// hand-written code does not spell natively (1.1-rev0, 1.2-rev1, 1.3-rev1):
// fields the revision does not define are dropped, required fields it adds
// are filled. 1.3-rev0 and 1.3-rev2 answers are written to their documents
// directly.
func (a *API) conform(c *call, op *operation, rp *reply) *reply {
	if c.rev == "1.3-rev0" || c.rev == rev2 || rp.status != op.success || op.schema == nil || len(rp.body) == 0 {
		return rp
	}
	dec := json.NewDecoder(bytes.NewReader(rp.body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return rp
	}
	g := a.gen(c)
	g.sparse = true
	b, err := json.Marshal(g.value(op.schema, "", v, 0))
	if err != nil {
		return rp
	}
	return &reply{status: rp.status, body: b}
}

// lowerEnums reports whether a document revision spells the day and
// mount-server enums in lower case.
func lowerEnums(rev string) bool { return rev != "1.3-rev1" && rev != rev2 }

// flatMountServer reports whether a document revision has only the flat
// MountServerSettingsModel (1.1 and 1.2).
func flatMountServer(rev string) bool {
	return strings.HasPrefix(rev, "1.1-") || strings.HasPrefix(rev, "1.2-")
}

// spelling is the rendering variant of the call's revision.
func (c *call) spelling() spelling {
	switch {
	case flatMountServer(c.rev):
		return spellFlat
	case c.rev0:
		return spellLower
	}
	return spellCanonical
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// route is one vendor operation.
type route struct {
	method string
	tmpl   string
	segs   []string
	roles  []string
	public bool // no bearer token (the token endpoint)
	fn     func(*call) *reply
}

func op(method, tmpl string, roles []string, fn func(*call) *reply) route {
	return route{method: method, tmpl: tmpl, segs: strings.Split(strings.Trim(tmpl, "/"), "/"), roles: roles, fn: fn}
}

// match finds the route of a request; methodOK reports that the path
// exists with another method.
func (a *API) match(method, path string) (*route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	pathOK := false
	for i := range a.routes {
		rt := &a.routes[i]
		vars, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		if rt.method != method {
			pathOK = true
			continue
		}
		return rt, vars, false
	}
	return nil, nil, pathOK
}

func matchSegs(tmpl, segs []string) (map[string]string, bool) {
	if len(tmpl) != len(segs) {
		return nil, false
	}
	var vars map[string]string
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if vars == nil {
				vars = map[string]string{}
			}
			vars[strings.Trim(t, "{}")] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, false
		}
	}
	return vars, true
}

// table lists every simulated operation. Literal segments are listed before
// templated ones where they overlap (repositories/states before {id}).
func (a *API) table() []route {
	const (
		repos = "/api/v1/backupInfrastructure/repositories"
		sobrs = "/api/v1/backupInfrastructure/scaleOutRepositories"
		ms    = "/api/v1/backupInfrastructure/managedServers"
		rt    = "/api/v1/agents/recoveryTokens"
		pg    = "/api/v1/agents/protectionGroups"
		de    = pg + "/{id}/discoveredEntities"
	)
	token := op(http.MethodPost, "/api/oauth2/token", nil, a.token)
	token.public = true
	return []route{
		token,
		op(http.MethodPost, "/api/oauth2/logout", rolesAll, a.logout),

		op(http.MethodGet, ms, rolesAll, a.listManagedServers),
		op(http.MethodPost, ms, rolesAdmin, a.createObject(kManagedServers, "Managed server", ms+"/{id}")),
		op(http.MethodGet, ms+"/{id}", rolesAll, a.getManagedServer),
		op(http.MethodPut, ms+"/{id}", rolesAdmin, a.editObject(kManagedServers, "Managed server", ms+"/{id}")),
		op(http.MethodDelete, ms+"/{id}", rolesAdmin, a.deleteObject(kManagedServers, "Managed server", a.managedServerUser)),

		op(http.MethodGet, mountPath, rolesAdmin, a.listMountServers),
		op(http.MethodPost, mountPath, rolesAdmin, a.createMountServer),
		op(http.MethodGet, mountPath+"/default", rolesAdmin, a.defaultMountServers),
		op(http.MethodGet, mountPath+"/{id}", rolesAdmin, a.getMountServer),
		op(http.MethodPut, mountPath+"/{id}", rolesAdmin, a.editMountServer),
		op(http.MethodPost, mountPath+"/{id}/default", rolesAdmin, a.setDefaultMountServer),

		op(http.MethodGet, repos, rolesAll, a.listRepositories),
		op(http.MethodPost, repos, rolesAdmin, a.createRepository),
		op(http.MethodGet, repos+"/states", rolesAll, a.listRepositoryStates),
		op(http.MethodPost, repos+"/rescan", rolesAdmin, a.rescanRepositories),
		op(http.MethodGet, repos+"/{id}", rolesAll, a.getRepository),
		op(http.MethodPut, repos+"/{id}", rolesAdmin, a.editRepository),
		op(http.MethodDelete, repos+"/{id}", rolesAdmin, a.deleteRepository),

		op(http.MethodGet, sobrs, rolesAll, a.listScaleOut),
		op(http.MethodPost, sobrs, rolesAdmin, a.createScaleOut),
		op(http.MethodGet, sobrs+"/{id}", rolesAll, a.getScaleOut),
		op(http.MethodPut, sobrs+"/{id}", rolesAdmin, a.editScaleOut),
		op(http.MethodDelete, sobrs+"/{id}", rolesAdmin, a.deleteScaleOut),
		op(http.MethodPost, sobrs+"/{id}/enableSealedMode", rolesAdmin, a.extentMode("Sealed", true)),
		op(http.MethodPost, sobrs+"/{id}/disableSealedMode", rolesAdmin, a.extentMode("Sealed", false)),
		op(http.MethodPost, sobrs+"/{id}/enableMaintenanceMode", rolesAdmin, a.extentMode("Maintenance", true)),
		op(http.MethodPost, sobrs+"/{id}/disableMaintenanceMode", rolesAdmin, a.extentMode("Maintenance", false)),

		op(http.MethodGet, "/api/v1/backups", rolesAll, a.listBackups),
		op(http.MethodGet, "/api/v1/backups/{id}", rolesAll, a.getBackup),

		op(http.MethodGet, rt, rolesAdmin, a.listRecoveryTokens),
		op(http.MethodPost, rt, rolesAdmin, a.createRecoveryToken),
		op(http.MethodGet, rt+"/{id}", rolesAdmin, a.getRecoveryToken),
		op(http.MethodPut, rt+"/{id}", rolesAdmin, a.editRecoveryToken),
		op(http.MethodDelete, rt+"/{id}", rolesAdmin, a.deleteRecoveryToken),

		op(http.MethodGet, "/api/v1/agents/protectedComputers", rolesAdmin, a.listProtectedComputers),
		op(http.MethodGet, pg, rolesAdmin, a.listProtectionGroups),
		op(http.MethodPost, pg, rolesAdmin, a.createObject(kProtectionGroups, "Protection group", pg+"/{id}")),
		op(http.MethodGet, pg+"/{id}", rolesAdmin, a.getProtectionGroup),
		op(http.MethodPut, pg+"/{id}", rolesAdmin, a.editObject(kProtectionGroups, "Protection group", pg+"/{id}")),
		op(http.MethodDelete, pg+"/{id}", rolesAdmin, a.deleteObject(kProtectionGroups, "Protection group", nil)),
		op(http.MethodGet, de, rolesAdmin, a.listDiscovered),
		op(http.MethodPost, de+"/rescan", rolesAdmin, a.entityAction("rescan")),
		op(http.MethodPost, de+"/installAgent", rolesAdmin, a.entityAction("installAgent")),
		op(http.MethodPost, de+"/uninstallAgent", rolesAdmin, a.entityAction("uninstallAgent")),
		op(http.MethodPost, de+"/uninstallAllComponents", rolesAdmin, a.entityAction("uninstallAllComponents")),
		op(http.MethodGet, de+"/{entityId}", rolesAdmin, a.getDiscovered),
		op(http.MethodDelete, de+"/{entityId}", rolesAdmin, a.deleteDiscovered),

		// Routine operations (jobs.go).
		op(http.MethodGet, jobsPath+"/states", rolesAll, a.listJobStates),
		op(http.MethodPost, jobsPath+"/{id}/start", rolesAdminOper, a.startJob(false)),
		op(http.MethodPost, jobsPath+"/{id}/retry", rolesAdminOper, a.startJob(true)),
		op(http.MethodPost, jobsPath+"/{id}/stop", rolesAdminOper, a.stopJob),
		op(http.MethodPost, jobsPath+"/{id}/enable", rolesAdmin, a.toggleJob(false)),
		op(http.MethodPost, jobsPath+"/{id}/disable", rolesAdmin, a.toggleJob(true)),
		op(http.MethodPost, ms+"/{id}/rescan", rolesAdmin, a.rescanManagedServer),
		op(http.MethodPost, pg+"/{id}/rescan", rolesAdmin, a.rescanProtectionGroup),
		op(http.MethodPost, pg+"/{id}/enable", rolesAdmin, a.toggleProtectionGroup(false)),
		op(http.MethodPost, pg+"/{id}/disable", rolesAdmin, a.toggleProtectionGroup(true)),
		op(http.MethodPost, "/api/v1/configBackup/backup", rolesAdmin, a.serverSession("ConfigurationBackup", "Backup Configuration Job")),
		op(http.MethodPost, "/api/v1/securityAnalyzer/start", rolesAdmin, a.serverSession("SecurityComplianceAnalyzer", "Security & Compliance Analyzer")),

		op(http.MethodGet, "/api/v1/sessions", rolesAll, a.listSessions),
		op(http.MethodGet, "/api/v1/sessions/{id}", rolesAll, a.getSession),
		op(http.MethodGet, "/api/v1/sessions/{id}/logs", rolesAll, a.sessionLogs),
		op(http.MethodPost, "/api/v1/sessions/{id}/stop", rolesAdminOper, a.stopSession),
	}
}

// decodeBody decodes a JSON request body keeping numbers exact.
func decodeBody(c *call) (any, *reply) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil, badRequest("The request body is empty.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("The request body is not valid JSON.")
	}
	return v, nil
}

// decodeObject decodes a JSON request body that must be an object.
func decodeObject(c *call) (map[string]any, *reply) {
	v, bad := decodeBody(c)
	if bad != nil {
		return nil, bad
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("Unexpected content: the body must be an object.")
	}
	return m, nil
}
