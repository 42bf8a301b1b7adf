package vbrsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/jsondoc"
)

// The generic engine serves every vendor operation the simulator has no
// hand-written behaviour for, from the revision's document alone:
//
//   - a collection is a path whose GET answers a page ({data: [...]}) and
//     that has an item path below it (…/{id}); it lists with the
//     documented filters and paging, creates, reads, updates and deletes;
//   - any other GET path is a singleton (settings, server info): it
//     answers a stable generated object, and PUT replaces it;
//   - any other POST is an action: it answers what the vendor documents
//     (a SessionModel starts a session);
//   - a new collection starts with seedItems objects generated from the
//     vendor examples and the schema, so every list has content.
//
// Stores are per document revision (a revision's models differ from the
// next one's), kept in memory for the life of the process.

// seedItems is the number of objects a generic collection starts with.
const seedItems = 3

// genStore is the generic state of one document revision.
type genStore struct {
	colls   map[string]*genColl // by collection path (parameters substituted)
	singles map[string]any      // by path
}

// genColl is one generic collection.
type genColl struct {
	items []map[string]any
}

func (a *API) store(rev string) *genStore {
	if a.genStores == nil {
		a.genStores = map[string]*genStore{}
	}
	st := a.genStores[rev]
	if st == nil {
		st = &genStore{colls: map[string]*genColl{}, singles: map[string]any{}}
		a.genStores[rev] = st
	}
	return st
}

func (a *API) gen(c *call) *generator {
	return &generator{m: c.model, now: c.now, newID: a.newID}
}

// itemSchema returns the schema of the objects a page schema lists, or nil
// when s is not a page.
func (m *revModel) itemSchema(s any) any {
	sm := m.deref(s)
	props, _ := sm["properties"].(map[string]any)
	data := m.deref(props["data"])
	if data == nil || data["type"] != "array" {
		return nil
	}
	return data["items"]
}

// collectionOf returns the collection template a path template lists (the
// template itself when it is a collection) or, for an item path, its
// collection; item reports which.
func (m *revModel) collectionOf(pi *pathItem) (coll *pathItem, item bool) {
	if op := pi.ops["GET"]; op != nil && m.itemSchema(op.schema) != nil {
		return pi, false
	}
	if len(pi.segs) < 2 || !isParam(pi.segs[len(pi.segs)-1]) {
		return nil, false
	}
	parent := "/" + strings.Join(pi.segs[:len(pi.segs)-1], "/")
	for _, p := range m.paths {
		if p.tmpl == parent {
			if op := p.ops["GET"]; op != nil && m.itemSchema(op.schema) != nil {
				return p, true
			}
		}
	}
	return nil, false
}

// collection returns the generic collection at the request path (for an
// item request, its parent), seeding it on first use.
func (a *API) collection(c *call, coll *pathItem, path string) *genColl {
	st := a.store(c.model.rev)
	gc := st.colls[path]
	if gc != nil {
		return gc
	}
	gc = &genColl{}
	st.colls[path] = gc
	op := coll.ops["GET"]
	item := c.model.itemSchema(op.schema)
	var examples []any
	if ex, ok := op.example.(map[string]any); ok {
		examples = asList(ex["data"])
	}
	g := a.gen(c)
	for i := range seedItems {
		var hint any
		if len(examples) > 0 {
			hint = examples[i%len(examples)]
		}
		v, ok := g.value(item, "", hint, 1).(map[string]any)
		if !ok {
			continue
		}
		if !seedPlausible(path, v, gc.items, i) {
			continue
		}
		if _, has := v["id"]; has {
			v["id"] = a.newID()
			if ids := seedIDs[path]; i < len(ids) {
				v["id"] = ids[i]
			}
		}
		if name, ok := v["name"].(string); ok {
			v["name"] = fmt.Sprintf("%s %d", strings.TrimRight(name, " 0123456789"), i+1)
		}
		a.relink(c, v)
		gc.items = append(gc.items, v)
	}
	return gc
}

func (gc *genColl) find(id string) int {
	for i, it := range gc.items {
		if s, _ := it["id"].(string); strings.EqualFold(s, id) {
			return i
		}
	}
	return -1
}

// serveGeneric serves one documented operation without hand-written behaviour.
func (a *API) serveGeneric(c *call, pi *pathItem, op *operation) *reply {
	m := c.model
	coll, isItem := m.collectionOf(pi)
	if coll != nil {
		if r := a.ownerMissing(c, coll); r != nil {
			return r
		}
		base := c.r.URL.Path
		if isItem {
			base = base[:strings.LastIndex(strings.TrimRight(base, "/"), "/")]
		}
		gc := a.collection(c, coll, strings.TrimRight(base, "/"))
		item := m.itemSchema(coll.ops["GET"].schema)
		switch {
		case !isItem && op.method == http.MethodGet:
			return a.genList(c, op, gc)
		case !isItem && op.method == http.MethodPost:
			return a.genCreate(c, op, gc, item)
		case isItem:
			return a.genItem(c, op, gc, item, c.vars[strings.Trim(pi.segs[len(pi.segs)-1], "{}")])
		}
	}
	if r := a.ownerMissing(c, pi); r != nil {
		return r
	}
	st := a.store(m.rev)
	switch op.method {
	case http.MethodGet:
		v, ok := st.singles[c.r.URL.Path]
		if !ok {
			v = a.gen(c).value(op.schema, "", op.example, 0)
			a.relink(c, v)
			st.singles[c.r.URL.Path] = v
		}
		return a.genReply(c, op, v)
	case http.MethodPut, http.MethodPatch:
		body, bad := genBody(c, op)
		if bad != nil {
			return bad
		}
		schema := op.schema
		if schema == nil {
			schema = op.request
		}
		v := a.gen(c).value(schema, "", jsondoc.MergePatch(st.singles[c.r.URL.Path], body), 0)
		if get := pi.ops["GET"]; get != nil {
			st.singles[c.r.URL.Path] = a.gen(c).value(get.schema, "", v, 0)
		}
		c.changed = true
		return a.genAnswer(c, op, v, "Edit")
	}
	body, bad := genBody(c, op)
	if bad != nil {
		return bad
	}
	c.changed = true
	if owner := a.ownerName(c, pi); owner != "" {
		// An action on an object (/jobs/{id}/start): the real server
		// names the session after the object (a job session carries the
		// job's name), not after the action.
		return a.genAnswer(c, op, map[string]any{"name": owner}, "")
	}
	return a.genAnswer(c, op, body, pi.segs[len(pi.segs)-1])
}

// ownerName returns the name of the generic object an action path acts on
// (the {id} before the last segment), or "".
func (a *API) ownerName(c *call, pi *pathItem) string {
	n := len(pi.segs)
	if n < 3 || !isParam(pi.segs[n-2]) {
		return ""
	}
	segs := splitPath(c.r.URL.Path)
	parent := "/" + strings.Join(pi.segs[:n-2], "/")
	for _, p := range c.model.paths {
		if p.tmpl != parent {
			continue
		}
		if get := p.ops["GET"]; get == nil || c.model.itemSchema(get.schema) == nil {
			return ""
		}
		gc := a.collection(c, p, "/"+strings.Join(segs[:n-2], "/"))
		if i := gc.find(segs[n-2]); i >= 0 {
			name, _ := gc.items[i]["name"].(string)
			return name
		}
	}
	return ""
}

// ownerMissing answers 404 when a path names an object of a generic
// collection ("/api/v1/jobs/{id}/start") that does not exist.
func (a *API) ownerMissing(c *call, pi *pathItem) *reply {
	segs := splitPath(c.r.URL.Path)
	for i := len(pi.segs) - 1; i >= 1; i-- {
		if !isParam(pi.segs[i]) || i == len(pi.segs)-1 && pi.ops["GET"] != nil && c.model.itemSchema(pi.ops["GET"].schema) != nil {
			continue
		}
		parent := "/" + strings.Join(pi.segs[:i], "/")
		for _, p := range c.model.paths {
			if p.tmpl != parent {
				continue
			}
			if get := p.ops["GET"]; get == nil || c.model.itemSchema(get.schema) == nil {
				break
			}
			if i == len(pi.segs)-1 {
				break // the item itself: its handler answers 404
			}
			gc := a.collection(c, p, "/"+strings.Join(segs[:i], "/"))
			if gc.find(segs[i]) < 0 {
				return notFound("Object", segs[i])
			}
		}
	}
	return nil
}

// genBody decodes a generic request body (nil when empty or not JSON) and
// checks it against the operation's request schema.
func genBody(c *call, op *operation) (any, *reply) {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return nil, nil
	}
	mt := c.r.Header.Get("Content-Type")
	if mt != "" && !strings.Contains(mt, "json") {
		return nil, nil
	}
	v, bad := decodeBody(c)
	if bad != nil {
		return nil, bad
	}
	if op.request != nil {
		if msg := c.model.checkBody(op.request, v, "", 0); msg != "" {
			return nil, badRequest("The request does not match the API contract: " + msg)
		}
	}
	return v, nil
}

// genList serves GET on a collection: filters, order and paging.
func (a *API) genList(c *call, op *operation, gc *genColl) *reply {
	q := c.r.URL.Query()
	skip, limit := 0, 200
	for name, dst := range map[string]*int{"skip": &skip, "limit": &limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return badRequest(fmt.Sprintf("The %s parameter must be a non-negative integer, got %q.", name, v))
			}
			*dst = n
		}
	}
	var out []any
	for _, it := range gc.items {
		if genKeep(it, op.query, q) {
			out = append(out, it)
		}
	}
	if col := q.Get("orderColumn"); col != "" {
		asc := q.Get("orderAsc") != "false"
		field := strings.ToLower(col[:1]) + col[1:]
		sortItems(out, field, asc)
	}
	total := len(out)
	lo := min(skip, total)
	hi := min(lo+limit, total)
	page := out[lo:hi]
	if page == nil {
		page = []any{}
	}
	v, _ := a.gen(c).value(op.schema, "", nil, maxGenDepth).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	v["data"] = page
	if _, ok := v["pagination"]; ok || hasProperty(c.model, op.schema, "pagination") {
		v["pagination"] = map[string]any{"total": total, "count": len(page), "skip": skip, "limit": limit}
	}
	return a.jsonReply(c, op.success, v)
}

func hasProperty(m *revModel, s any, name string) bool {
	props, _ := m.deref(s)["properties"].(map[string]any)
	_, ok := props[name]
	return ok
}

// genKeep applies the documented "...Filter" query parameters: nameFilter
// as a pattern, the others as a case-insensitive match of the field of the
// same name (any of several comma-separated values); filters naming no
// field of the object are ignored.
func genKeep(it map[string]any, documented []string, q map[string][]string) bool {
	for _, p := range documented {
		vals := q[p]
		field, ok := strings.CutSuffix(p, "Filter")
		if len(vals) == 0 || !ok {
			continue
		}
		if field == "name" {
			if !nameKeep(it, vals[0]) {
				return false
			}
			continue
		}
		got, ok := it[field]
		if !ok {
			continue
		}
		s := fmt.Sprint(got)
		match := false
		for _, v := range vals {
			for _, part := range strings.Split(v, ",") {
				if strings.EqualFold(strings.TrimSpace(part), s) {
					match = true
				}
			}
		}
		if !match {
			return false
		}
	}
	return true
}

// nameKeep applies nameFilter: to the name, or, for objects without one
// (credentials: "the pattern can match any credentials parameter", the
// vendor says), to any of their top-level strings.
func nameKeep(it map[string]any, pattern string) bool {
	if name, ok := it["name"].(string); ok {
		return nameMatch(pattern, name)
	}
	for _, v := range it {
		if s, ok := v.(string); ok && nameMatch(pattern, s) {
			return true
		}
	}
	return false
}

func sortItems(items []any, field string, asc bool) {
	less := func(x, y any) int {
		xs, ys := fmt.Sprint(x.(map[string]any)[field]), fmt.Sprint(y.(map[string]any)[field])
		r := strings.Compare(strings.ToLower(xs), strings.ToLower(ys))
		if !asc {
			r = -r
		}
		return r
	}
	for i := 1; i < len(items); i++ { // insertion sort: stable, small lists
		for j := i; j > 0 && less(items[j-1], items[j]) > 0; j-- {
			items[j-1], items[j] = items[j], items[j-1]
		}
	}
}

// genCreate serves POST on a collection: the object is built from the item
// model with the request body as hint (unknown fields dropped, defaults
// filled), stored, and answered as the vendor documents (the object, or a
// session).
func (a *API) genCreate(c *call, op *operation, gc *genColl, item any) *reply {
	body, bad := genBody(c, op)
	if bad != nil {
		return bad
	}
	v, ok := a.gen(c).value(item, "", body, 1).(map[string]any)
	if !ok {
		return badRequest("Unexpected content: the body must be an object.")
	}
	a.derive(c.r.URL.Path, body, v)
	if name, ok := v["name"].(string); ok {
		for _, it := range gc.items {
			if other, _ := it["name"].(string); strings.EqualFold(other, name) {
				return badRequest(fmt.Sprintf("An object named %q already exists.", name))
			}
		}
	}
	v["id"] = a.newID()
	gc.items = append(gc.items, v)
	c.changed = true
	return a.genAnswer(c, op, v, "Create")
}

// genItem serves an item path: GET, PUT/PATCH (merge), DELETE, or an
// undocumented-by-shape action.
func (a *API) genItem(c *call, op *operation, gc *genColl, item any, id string) *reply {
	i := gc.find(id)
	if i < 0 {
		return notFound("Object", id)
	}
	switch op.method {
	case http.MethodGet:
		return a.genReply(c, op, gc.items[i])
	case http.MethodPut, http.MethodPatch:
		body, bad := genBody(c, op)
		if bad != nil {
			return bad
		}
		if _, isPatchList := body.([]any); isPatchList {
			body = nil // JSON Patch operations are accepted but not applied
		}
		v, ok := a.gen(c).value(item, "", jsondoc.MergePatch(gc.items[i], body), 1).(map[string]any)
		if !ok {
			return badRequest("Unexpected content: the body must be an object.")
		}
		v["id"] = gc.items[i]["id"]
		gc.items[i] = v
		c.changed = true
		return a.genAnswer(c, op, v, "Edit")
	case http.MethodDelete:
		v := gc.items[i]
		gc.items = append(gc.items[:i], gc.items[i+1:]...)
		c.changed = true
		return a.genAnswer(c, op, v, "Delete")
	}
	return a.genAnswer(c, op, gc.items[i], "Action")
}

// genAnswer writes what the operation documents: nothing, a session it
// starts, or its model built from v.
func (a *API) genAnswer(c *call, op *operation, v any, action string) *reply {
	if op.schema == nil {
		if op.success == http.StatusNoContent {
			return &reply{status: op.success}
		}
		return &reply{status: op.success, body: []byte("{}")}
	}
	if isSession(op.schema) {
		name := action
		if m, ok := v.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				name = strings.TrimSpace(action + " " + n)
			}
		}
		s := a.start(c, "Infrastructure", name, "generic", nil)
		return a.sessionReply(c, op.success, s)
	}
	return a.genReply(c, op, v)
}

// genReply answers the operation's schema built from v.
func (a *API) genReply(c *call, op *operation, v any) *reply {
	g := a.gen(c)
	g.sparse = true
	out := g.value(op.schema, "", v, 0)
	b, err := json.Marshal(out)
	if err != nil {
		return vbrError(http.StatusInternalServerError, "UnknownError", "Cannot encode the response.", "")
	}
	return &reply{status: op.success, body: b}
}

func isSession(s any) bool {
	m, _ := s.(map[string]any)
	ref, _ := m["$ref"].(string)
	return strings.HasSuffix(ref, "/SessionModel")
}

// genState is the snapshot form of one revision's generic state.
type genState struct {
	Collections map[string][]map[string]any `json:"collections,omitempty"`
	Singletons  map[string]any              `json:"singletons,omitempty"`
}

// genSnapshot returns the generic state of every revision, for --state
// files.
func (a *API) genSnapshot() map[string]genState {
	out := map[string]genState{}
	for rev, st := range a.genStores {
		gs := genState{Collections: map[string][]map[string]any{}, Singletons: st.singles}
		for path, gc := range st.colls {
			gs.Collections[path] = gc.items
		}
		out[rev] = gs
	}
	return out
}

// restoreGeneric replaces the generic state with a snapshot's.
func (a *API) restoreGeneric(raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var snap map[string]genState
	if err := dec.Decode(&snap); err != nil {
		return err
	}
	for rev, gs := range snap {
		if _, err := modelOf(rev); err != nil {
			return err
		}
		st := a.store(rev)
		for path, items := range gs.Collections {
			st.colls[path] = &genColl{items: items}
		}
		for path, v := range gs.Singletons {
			st.singles[path] = v
		}
	}
	return nil
}

// handCollections maps the vendor paths of the hand-written collections to
// their names, so Mutate takes either.
var handCollections = map[string]string{
	"/api/v1/backupInfrastructure/managedServers":       kManagedServers,
	"/api/v1/backupInfrastructure/repositories":         kRepositories,
	"/api/v1/backupInfrastructure/scaleOutRepositories": kScaleOut,
	"/api/v1/agents/recoveryTokens":                     kRecoveryTokens,
	"/api/v1/agents/protectionGroups":                   kProtectionGroups,
	mountPath:                                           kMountServers,
	"/api/v1/backups":                                   kBackups,
}

// selects reports whether a generic object is the one name selects: by
// its name, or, written FIELD=VALUE, by another (dotted) field such as
// username=svc-linux for credentials, which have no name.
func selects(it map[string]any, name string) bool {
	if name == "" {
		return false
	}
	field, value, ok := strings.Cut(name, "=")
	if !ok {
		field, value = "name", name
	}
	var cur any = it
	for _, seg := range strings.Split(field, ".") {
		m, _ := cur.(map[string]any)
		cur = m[seg]
	}
	s, isString := cur.(string)
	return isString && s == value
}

// mutateGeneric is Mutate for a generic collection (its vendor path; the
// object by id, name or FIELD=VALUE) or settings document (its path; name ignored), in
// every revision's state that has it.
func (a *API) mutateGeneric(path, name string, merge map[string]any, del bool) error {
	found := false
	for _, st := range a.genStores {
		if gc, ok := st.colls[path]; ok {
			i := gc.find(name)
			if i < 0 {
				for j, it := range gc.items {
					if selects(it, name) {
						i = j
					}
				}
			}
			if i < 0 {
				continue
			}
			found = true
			if del {
				gc.items = append(gc.items[:i], gc.items[i+1:]...)
				continue
			}
			patched, _ := jsondoc.MergePatch(gc.items[i], merge).(map[string]any)
			patched["id"] = gc.items[i]["id"]
			gc.items[i] = patched
			continue
		}
		if v, ok := st.singles[path]; ok && !del {
			found = true
			st.singles[path] = jsondoc.MergePatch(v, merge)
		}
	}
	if !found {
		return fmt.Errorf("no object %q at %s (read it first: generic state is created on first use)", name, path)
	}
	return nil
}
