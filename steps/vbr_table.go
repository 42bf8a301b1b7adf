package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file builds VBR resource kinds from a table: one vbrCollection row
// per vendor collection (credentials, jobs, ...) and one vbrSettings row per
// settings object read and replaced whole (generalOptions, ...). What the
// vendor documents say (request and answer models, whether a call answers
// with a session, which operations exist, which spec fields the model never
// echoes) is read from the full model of each revision
// (openapi.FullOperation, openapi.FullJSONSchema); the row adds only what
// the documents cannot say: the field that names an object, the fields
// that refer to other objects by id, and the prose.

// vbrCollection is one row of the table of VBR collection kinds.
type vbrCollection struct {
	meta Meta   // name, summary, doc and example; API and schemas are filled in
	path string // collection path, e.g. /api/v1/credentials
	// identity is the dotted field of the vendor model that holds the
	// resource name ("name", "username", "inventoryObject.name").
	identity string
	// specIdentity is where the resource name goes in the create spec; ""
	// when the server derives the name itself (a proxy is named after its
	// host), so the playbook's name must be the one the server derives.
	specIdentity string
	// refs are the fields that name other VBR objects by id; the playbook
	// may write the object's name instead (see vbrRef).
	refs []vbrRef
	// renames maps spec fields to the model fields that hold them when the
	// vendor spells them differently (vmObject is inventoryObject): live
	// objects get the spec spelling too, so they compare.
	renames map[string]string
	// deleteQuery maps options of the resource to query parameters of the
	// vendor DELETE (delete_backups -> deleteBackups), with their defaults.
	deleteQuery map[string]string
	// owner is set for objects with no name of their own that are a role
	// of another object and share its id (a mount server is a managed
	// server's role): the resource name is the owner's name, the live
	// object's id is the owner's id, and create writes that id to the spec
	// field owner.id. identity and specIdentity are then "".
	owner *vbrRef
}

// vbrRef is a field that holds the id of another VBR object. Wherever a
// spec object has the key id (credentialsId), the playbook may write the
// key alias (credentials) with the other object's name instead: vplay
// resolves it to the id before a write (one list of that collection), and
// adds the alias with the name to live objects so plans compare names with
// names. A write waits for the named resource when the playbook declares it.
type vbrRef struct {
	id, alias string
	kind      string // the referenced kind, for ordering
	path      string // its collection
	identity  string // its name field
}

// Vendor paths and name fields of the objects other rows refer to.
var (
	refCredentials    = vbrRef{kind: "vbr.credential", path: "/api/v1/credentials", identity: "username"}
	refManagedServers = vbrRef{kind: "vbr.managed_server", path: pathManagedServers, identity: "name"}
	refRepositories   = vbrRef{kind: "vbr.repository", path: pathRepositories, identity: "name"}
)

// as returns r for the key id, written alias in playbooks.
func (r vbrRef) as(id, alias string) vbrRef { r.id, r.alias = id, alias; return r }

// vbrShape is what one revision's document says about a row.
type vbrShape struct {
	defined  bool
	spec     string // create request model (collections) or the PUT model (settings)
	model    string // model the server answers (GET)
	put      string // model PUT takes ("" without update)
	sessions map[string]bool
	update   bool // PUT exists
	delete   bool // DELETE exists
	// unread are dotted spec fields the model the server answers (GET)
	// does not have: never echoed, so never compared.
	unread []string
	// createOnly are dotted spec fields the update model (PUT) does not
	// take: sent on create only.
	createOnly []string
	// secrets are dotted spec fields holding secrets (passwords, keys).
	secrets []string
	// keys are the top-level fields of the spec (every variant).
	keys []string
}

// shapes memoizes vbrShape per (path, revision).
var shapes sync.Map // string -> func() vbrShape

func shapeOf(path, doc string, singleton bool) vbrShape {
	key := path + "@" + doc
	if sh, ok := generatedShapes()[key]; ok {
		return sh
	}
	f, _ := shapes.LoadOrStore(key, sync.OnceValue(func() vbrShape { return readShape(path, doc, singleton) }))
	return f.(func() vbrShape)()
}

func readShape(path, doc string, singleton bool) vbrShape {
	op := func(method, p string) (openapi.Operation, bool) {
		o, ok, err := openapi.FullOperation(doc, method+" "+p)
		return o, ok && err == nil
	}
	sh := vbrShape{sessions: map[string]bool{}}
	item := path + "/{id}"
	if singleton {
		get, okG := op(http.MethodGet, path)
		put, okP := op(http.MethodPut, path)
		if !okG || !okP {
			return sh
		}
		sh.defined, sh.update = true, true
		sh.spec, sh.model = put.Request, get.Response
		sh.sessions[http.MethodPut] = put.Response == "SessionModel"
	} else {
		post, okC := op(http.MethodPost, path)
		get, okG := op(http.MethodGet, item)
		if _, okL := op(http.MethodGet, path); !okL || !okC || !okG {
			return sh
		}
		sh.defined = true
		sh.spec, sh.model = post.Request, get.Response
		sh.sessions[http.MethodPost] = post.Response == "SessionModel"
		if put, ok := op(http.MethodPut, item); ok {
			sh.update, sh.put = true, put.Request
			sh.sessions[http.MethodPut] = put.Response == "SessionModel"
		}
		if del, ok := op(http.MethodDelete, item); ok {
			sh.delete = true
			sh.sessions[http.MethodDelete] = del.Response == "SessionModel"
		}
	}
	spec, err := openapi.FullJSONSchema(doc, sh.spec)
	if err != nil {
		return vbrShape{}
	}
	specPaths := schemaPaths(spec)
	paths := func(name string) map[string]bool {
		if m, err := openapi.FullJSONSchema(doc, name); err == nil && name != "" {
			return schemaPaths(m)
		}
		return nil
	}
	modelPaths, putPaths := paths(sh.model), paths(sh.put)
	if !singleton && putPaths == nil {
		putPaths = modelPaths
	}
	for _, p := range sortedKeysOf(specPaths) {
		if !strings.Contains(p, ".") {
			sh.keys = append(sh.keys, p)
		}
		if secretField(p) {
			sh.secrets = append(sh.secrets, p)
		}
		if modelPaths != nil && !modelPaths[p] && !jsondoc.Covered(sh.unread, p) {
			sh.unread = append(sh.unread, p)
		}
		if putPaths != nil && !putPaths[p] && !jsondoc.Covered(sh.createOnly, p) {
			sh.createOnly = append(sh.createOnly, p)
		}
	}
	return sh
}

func sortedKeysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// secretNames are the last segments of fields that hold secrets.
var secretNames = []string{"password", "rootpassword", "passphrase", "privatekey", "secretkey", "sharedkey",
	"clientsecret", "secret", "apikey", "token"}

func secretField(p string) bool {
	last := strings.ToLower(p[strings.LastIndex(p, ".")+1:])
	return slices.Contains(secretNames, last)
}

// maxPathDepth bounds how deep schemaPaths descends into objects.
const maxPathDepth = 4

// schemaPaths lists the dotted property paths a JSON Schema (as
// openapi.JSONSchema returns it) declares, through $ref, allOf, oneOf and
// anyOf, down to maxPathDepth levels; lists are not descended into (they
// compare as wholes).
func schemaPaths(root map[string]any) map[string]bool {
	out := map[string]bool{}
	var walk func(s map[string]any, prefix string, depth int, seen map[string]bool)
	walk = func(s map[string]any, prefix string, depth int, seen map[string]bool) {
		if s == nil || depth > maxPathDepth {
			return
		}
		if ref, ok := s["$ref"].(string); ok {
			if seen[ref] {
				return
			}
			seen[ref] = true
			walk(resolveLocalRef(root, ref), prefix, depth, seen)
			delete(seen, ref)
		}
		for _, k := range []string{"allOf", "oneOf", "anyOf"} {
			for _, b := range asList(s[k]) {
				bm, _ := asMap(b)
				walk(bm, prefix, depth, seen)
			}
		}
		props, _ := asMap(s["properties"])
		for name, p := range props {
			full := name
			if prefix != "" {
				full = prefix + "." + name
			}
			out[full] = true
			pm, _ := asMap(p)
			walk(pm, full, depth+1, seen)
		}
	}
	walk(root, "", 0, map[string]bool{})
	return out
}

// newestShape is the shape at the newest revision defining the row: what
// the kind can do (update, delete) does not change between the revisions
// that define it.
func newestShape(path string, singleton bool) (vbrShape, string) {
	for i := len(openapi.Revisions) - 1; i >= 0; i-- {
		if sh := shapeOf(path, openapi.Revisions[i], singleton); sh.defined {
			return sh, openapi.Revisions[i]
		}
	}
	return vbrShape{}, ""
}

// tableOperations lists the vendor operations of every table row, for
// Defined: a table kind exists in the revisions that define them.
func tableOperations(entry string) []string {
	k, ok := tableKinds()[entry]
	if !ok {
		return nil
	}
	switch ops := k.Ops.(type) {
	case *collectionOps:
		return []string{"GET " + ops.row.path, "POST " + ops.row.path, "GET " + ops.row.path + "/{id}"}
	case *settingsOps:
		return []string{"GET " + ops.row.path, "PUT " + ops.row.path}
	}
	return nil
}

// tableKinds are the built-in kinds, by name, for tableOperations.
var tableKinds = sync.OnceValue(func() map[string]*Kind { return Builtin().kinds })

// collectionKind builds the kind of a table row.
func collectionKind(row vbrCollection) *Kind {
	sh, _ := newestShape(row.path, false)
	m := row.meta
	m.API = veeam.VBR
	at := func(doc string) map[string]any { return collectionSchemaAt(row, doc) }
	m.SchemaAt = at
	m.ValuesPerRevision = true
	m.Schema = anyRevisionObject(row.meta.Name, row.path, false, topField(row.nameField()), row.refs)
	m.docFn = sync.OnceValue(func() map[string]any {
		_, rev := newestShape(row.path, false)
		return at(rev)
	})
	ops := &collectionOps{row: row}
	return &Kind{
		Meta:       m,
		ReadOnly:   []string{"id"},
		Sensitive:  sh.secrets,
		Await:      awaitModel(sh, http.MethodPost),
		DeleteRisk: RiskDestructive,
		NoDelete:   !sh.delete, // the newest revision documents no DELETE
		Normalize:  ops.normalize,
		Ops:        ops,
	}
}

// anyRevisionObject is the schema of a table kind's spec when the target's
// revision is not known yet: an object whose top-level keys are those some
// revision's spec declares (plus the name aliases), any values. The vendor
// schemas of five revisions of every table kind would make the playbook
// schema several megabytes and seconds to compile; the spec is checked
// against its revision's schema as soon as the revision is known
// (api_version when loading, the negotiated one when planning), and editors
// get the exact schema from the per-revision playbook schema files.
func anyRevisionObject(entry, path string, singleton bool, drop string, refs []vbrRef) map[string]any {
	props := map[string]any{}
	for _, rev := range openapi.Revisions {
		for _, k := range shapeOf(path, rev, singleton).keys {
			props[k] = map[string]any{}
		}
	}
	for _, r := range refs {
		if _, ok := props[r.id]; ok {
			props[r.alias] = map[string]any{"type": "string"}
		}
	}
	delete(props, drop)
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false,
		"description": "The vendor spec of " + entry + " at the target's VBR API revision: its keys are checked here, " +
			"its values against that revision's schema once the revision is known."}
}

// topField returns a single-segment field name, "" for a dotted path.
func topField(f string) string {
	if strings.Contains(f, ".") {
		return ""
	}
	return f
}

// awaitModel is the async model of a call: a session or none.
func awaitModel(sh vbrShape, method string) veeam.AsyncKind {
	if sh.sessions[method] {
		return veeam.KindSession
	}
	return ""
}

// undefinedSchema is the schema of an entry at a revision that does not
// define it: any object, as Defined reports the entry itself (one error
// naming the revision that has it, not a second one about its spec).
func undefinedSchema(entry, doc string) map[string]any {
	return map[string]any{"type": "object", "description": entry + " is not defined by VBR REST API " + doc}
}

// collectionSchemaAt is the create spec of a row at a revision: the vendor
// request model without the identity field (the resource name supplies it),
// with description optional, the name aliases of its references added, and
// closed (unknown keys rejected).
func collectionSchemaAt(row vbrCollection, doc string) map[string]any {
	sh := shapeOf(row.path, doc, false)
	if !sh.defined {
		return withID(row.meta.Name, undefinedSchema(row.meta.Name, doc))
	}
	s, err := openapi.FullJSONSchema(doc, sh.spec)
	if err != nil {
		return withID(row.meta.Name, undefinedSchema(row.meta.Name, doc))
	}
	s = jsonSchema(s)
	drop := []string{"description"}
	name := topField(row.nameField())
	if name != "" {
		drop = append(drop, name)
	}
	forBaseNodes(s, func(n map[string]any) {
		props, _ := asMap(n["properties"])
		if name != "" {
			delete(props, name)
		}
		dropRequired(n, drop...)
	})
	addAliases(s, row.refs)
	return withID(row.meta.Name, closeSchema(s))
}

// forBaseNodes calls f on the root of a vendor schema and on every
// definition applied to the root in place (allOf, oneOf and anyOf members,
// transitively): the nodes that declare the object's own top-level fields,
// in every variant of a polymorphic model.
func forBaseNodes(root map[string]any, f func(n map[string]any)) {
	seen := map[string]bool{}
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n == nil {
			return
		}
		f(n)
		for _, k := range []string{"allOf", "oneOf", "anyOf"} {
			for _, b := range asList(n[k]) {
				bm, _ := asMap(b)
				if name, ok := refName(bm); ok {
					if seen[name] {
						continue
					}
					seen[name] = true
					defs, _ := asMap(root["$defs"])
					d, _ := asMap(defs[name])
					walk(d)
					continue
				}
				walk(bm)
			}
		}
	}
	walk(root)
}

func dropRequired(n map[string]any, keys ...string) {
	req := asList(n["required"])
	if req == nil {
		return
	}
	var keep []any
	for _, r := range req {
		if rs, _ := r.(string); !slices.Contains(keys, rs) {
			keep = append(keep, r)
		}
	}
	if len(keep) == 0 {
		delete(n, "required")
	} else {
		n["required"] = keep
	}
}

// addAliases declares, next to every property named like a reference's id
// key, the alias that takes the object's name (unless the vendor already
// uses that key), and makes the id optional there.
func addAliases(root map[string]any, refs []vbrRef) {
	if len(refs) == 0 {
		return
	}
	var visit func(v any)
	visit = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if props, ok := asMap(t["properties"]); ok {
				for _, r := range refs {
					if _, has := props[r.id]; !has {
						continue
					}
					if _, taken := props[r.alias]; taken {
						continue
					}
					props[r.alias] = map[string]any{"type": "string", "minLength": 1,
						"description": fmt.Sprintf("Name of the %s (%s), resolved to %s.", strings.TrimPrefix(r.kind, "vbr."), r.kind, r.id)}
					dropRequired(t, r.id)
				}
			}
			for _, e := range t {
				visit(e)
			}
		case []any:
			for _, e := range t {
				visit(e)
			}
		}
	}
	visit(root)
}

// nameField is the spec field the resource name fills on create: the
// name itself (specIdentity), or the owner's id.
func (row vbrCollection) nameField() string {
	if row.owner != nil {
		return row.owner.id
	}
	return row.specIdentity
}

// collectionOps is the reconcile contract of a table row.
type collectionOps struct{ row vbrCollection }

func (o *collectionOps) shape(cl *vbr.Client) vbrShape {
	doc, err := vbr.DocumentOf(cl.APIVersion())
	if err != nil {
		sh, _ := newestShape(o.row.path, false)
		return sh
	}
	return shapeOf(o.row.path, doc, false)
}

// normalize leaves out of the comparison the fields the server never
// echoes (write-only secrets, create-only settings): compared against a
// model that lacks them, they would always differ. Enums compare ignoring
// case (the vendor changed the spelling of many between revisions).
func (o *collectionOps) normalize(path string, v any) any {
	sh, _ := newestShape(o.row.path, false)
	top, _, _ := strings.Cut(path, ".")
	if _, renamed := o.row.renames[top]; !renamed && jsondoc.Covered(sh.unread, path) || jsondoc.Covered(sh.secrets, path) {
		return nil
	}
	if s, ok := v.(string); ok && path == "type" {
		return strings.ToLower(s)
	}
	return v
}

// Replaces reports why a declared spec cannot be applied to live in place:
// the vendor cannot change an object's type (a different model), and some
// collections have no update at all. The planner marks such an update a
// replace (delete + create, destructive).
func (o *collectionOps) Replaces(spec, live Doc) string {
	if t, ok := spec["type"].(string); ok {
		if lt := str(live, "type"); lt != "" && !strings.EqualFold(t, lt) {
			return fmt.Sprintf("replace: type changes from %s to %s, which the vendor cannot change in place (delete + create)", lt, t)
		}
	}
	if sh, _ := newestShape(o.row.path, false); !sh.update {
		return "replace: the vendor has no update for " + o.row.meta.Name + " (delete + create)"
	}
	return ""
}

// References returns the objects spec names through reference aliases, as
// (kind, name) pairs, so the planner orders writes after theirs.
func (o *collectionOps) References(spec Doc) []Reference {
	var out []Reference
	for _, r := range o.row.refs {
		for _, n := range aliasValues(spec, r.alias) {
			out = append(out, Reference{Kind: r.kind, Name: n})
		}
	}
	return out
}

// Owner returns the object a resource called name is a role of (a mount
// server's managed server), so the planner writes that object first; ok is
// false for rows whose objects have names of their own.
func (o *collectionOps) Owner(name string) (Reference, bool) {
	if o.row.owner == nil {
		return Reference{}, false
	}
	return Reference{Kind: o.row.owner.kind, Name: name}, true
}

// aliasValues returns every string value of key anywhere in v.
func aliasValues(v any, key string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && k == key {
				out = append(out, s)
				continue
			}
			out = append(out, aliasValues(e, key)...)
		}
	case []any:
		for _, e := range t {
			out = append(out, aliasValues(e, key)...)
		}
	}
	return out
}

// refIndexes lists each referenced collection once per run (run memo) and
// indexes it by name and id.
func (o *collectionOps) refIndexes(ctx context.Context, cl *vbr.Client) (map[string]nameIndex, error) {
	out := map[string]nameIndex{}
	refs := o.row.refs
	if o.row.owner != nil {
		refs = append(slices.Clone(refs), *o.row.owner)
	}
	for _, r := range refs {
		if _, done := out[r.path]; done {
			continue
		}
		// Keyed by client too: a run's memo is shared by every target, and
		// two VBR targets (two servers, or two revisions of one) list
		// different objects.
		ix, err := memoize(ctx, fmt.Sprintf("vbr-ref-index:%p:%s", cl, r.path), func(ctx context.Context) (nameIndex, error) {
			items, err := cl.List(ctx, r.path, nil)
			if err != nil {
				return nameIndex{}, fmt.Errorf("list %s: %w", r.path, err)
			}
			ix := nameIndex{byName: map[string]string{}, byID: map[string]string{}}
			for _, d := range items {
				id, name := scalarString(d["id"]), scalarString(getPath(d, r.identity))
				ix.byName[name] = id
				ix.byID[strings.ToLower(id)] = name
			}
			return ix, nil
		})
		if err != nil {
			return nil, err
		}
		out[r.path] = ix
	}
	return out, nil
}

// toVendor resolves the reference aliases of a declared spec to ids.
func (o *collectionOps) toVendor(ctx context.Context, cl *vbr.Client, spec Doc) (Doc, error) {
	out := jsondoc.CopyMap(spec)
	if out == nil {
		out = Doc{}
	}
	if len(o.row.refs) == 0 {
		return out, nil
	}
	// Fresh lists: the named objects may have been created by this run.
	ix, err := o.refIndexes(ctx, cl)
	if err != nil {
		return nil, err
	}
	var firstErr error
	var visit func(v any)
	visit = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, r := range o.row.refs {
				name, ok := t[r.alias].(string)
				if !ok {
					continue
				}
				ids, err := ix[r.path].ids(strings.TrimPrefix(r.kind, "vbr."), []string{name})
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", r.alias, err)
				}
				if err == nil {
					t[r.id] = ids[0]
				}
				delete(t, r.alias)
			}
			for _, e := range t {
				visit(e)
			}
		case []any:
			for _, e := range t {
				visit(e)
			}
		}
	}
	visit(out)
	return out, firstErr
}

// toPlaybook adds the reference aliases (names) next to the ids of a live
// document.
func (o *collectionOps) toPlaybook(d Doc, ix map[string]nameIndex) Doc {
	if len(o.row.refs) == 0 && len(o.row.renames) == 0 {
		return d
	}
	out := jsondoc.CopyMap(d)
	for spec, model := range o.row.renames {
		if v, ok := out[model]; ok {
			out[spec] = jsondoc.Copy(v)
		}
	}
	var visit func(v any)
	visit = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, r := range o.row.refs {
				id, ok := t[r.id].(string)
				if !ok || id == "" {
					continue
				}
				if _, taken := t[r.alias]; taken {
					continue
				}
				if n, ok := ix[r.path].byID[strings.ToLower(id)]; ok {
					t[r.alias] = n
				}
			}
			for _, e := range t {
				visit(e)
			}
		case []any:
			for _, e := range t {
				visit(e)
			}
		}
	}
	visit(out)
	return out
}

// getPath reads a dotted path of maps.
func getPath(d Doc, path string) any {
	var cur any = d
	for _, seg := range strings.Split(path, ".") {
		m, ok := asMap(cur)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

// setPath writes a dotted path of maps, creating the maps it needs.
func setPath(d Doc, path string, v any) {
	segs := strings.Split(path, ".")
	cur := d
	for _, seg := range segs[:len(segs)-1] {
		next, ok := asMap(cur[seg])
		if !ok {
			next = map[string]any{}
			cur[seg] = next
		}
		cur = next
	}
	cur[segs[len(segs)-1]] = v
}

func (o *collectionOps) object(d Doc, ix map[string]nameIndex) Object {
	return Object{ID: scalarString(d["id"]), Name: o.name(d, ix), Doc: o.toPlaybook(d, ix)}
}

// name is the resource name of a live document: its identity field, or its
// owner's name ("" when the owner is not listed).
func (o *collectionOps) name(d Doc, ix map[string]nameIndex) string {
	if r := o.row.owner; r != nil {
		return ix[r.path].byID[strings.ToLower(scalarString(d["id"]))]
	}
	return scalarString(getPath(d, o.row.identity))
}

func (o *collectionOps) what() string {
	return strings.ReplaceAll(strings.TrimPrefix(o.row.meta.Name, "vbr."), "_", " ")
}

func (o *collectionOps) List(ctx context.Context, c *Conn) ([]Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return nil, err
	}
	var items []Doc
	if names, ok := declaredNames(ctx); ok && o.row.identity == "name" {
		items, err = cl.ListNamed(ctx, o.row.path, names)
	} else {
		items, err = cl.List(ctx, o.row.path, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", o.row.path, err)
	}
	ix, err := o.refIndexes(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := make([]Object, 0, len(items))
	for _, d := range items {
		out = append(out, o.object(d, ix))
	}
	return out, nil
}

// find reads the live object called name, listing the collection.
func (o *collectionOps) find(ctx context.Context, cl *vbr.Client, name string) (Doc, error) {
	var items []Doc
	var err error
	if o.row.identity == "name" {
		items, err = vbrListByName(ctx, cl, o.row.path, name)
	} else {
		items, err = cl.List(ctx, o.row.path, nil)
	}
	if err != nil {
		return nil, err
	}
	var ix map[string]nameIndex
	if o.row.owner != nil {
		if ix, err = o.refIndexes(ctx, cl); err != nil {
			return nil, err
		}
	}
	var named []Doc
	for _, d := range items {
		if o.name(d, ix) == name {
			named = append(named, d)
		}
	}
	return oneNamed(o.what(), name, named)
}

func (o *collectionOps) Create(ctx context.Context, c *Conn, env Env, name string, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	sh := o.shape(cl)
	body, err := o.toVendor(ctx, cl, spec)
	if err != nil {
		return Object{}, fmt.Errorf("create %s %q: %w", o.what(), name, err)
	}
	if o.row.specIdentity != "" {
		setPath(body, o.row.specIdentity, name)
	}
	if r := o.row.owner; r != nil {
		ix, err := o.refIndexes(ctx, cl)
		if err != nil {
			return Object{}, fmt.Errorf("create %s %q: %w", o.what(), name, err)
		}
		ids, err := ix[r.path].ids(strings.TrimPrefix(r.kind, "vbr."), []string{name})
		if err != nil {
			return Object{}, fmt.Errorf("create %s %q: %w", o.what(), name, err)
		}
		body[r.id] = ids[0]
	}
	if _, ok := body["description"]; !ok && o.row.specIdentity != "" {
		body["description"] = ""
	}
	since := time.Now()
	var created Doc
	if sh.sessions[http.MethodPost] {
		_, err = runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPost, o.row.path, nil, body))
	} else {
		var resp *veeam.Response
		resp, err = cl.Post(ctx, o.row.path, nil, body)
		if resp != nil {
			created = resp.Doc
		}
	}
	if errors.Is(err, veeam.ErrUncertain) {
		// The create-pending rule: never POST again; settle what the
		// server may have started, then look the object up by name.
		if sh.sessions[http.MethodPost] {
			if _, serr := settleUncertain(ctx, c, env, "Infrastructure", since); serr != nil {
				return Object{}, fmt.Errorf("create %s %q: %w", o.what(), name, serr)
			}
		}
		d, ferr := o.find(ctx, cl, name)
		if ferr != nil {
			return Object{}, fmt.Errorf("create %s %q: not found after re-reading live state, not retried: %w", o.what(), name, err)
		}
		return o.readable(ctx, cl, d)
	}
	if err != nil {
		return Object{}, fmt.Errorf("create %s %q: %w", o.what(), name, err)
	}
	if created == nil || scalarString(created["id"]) == "" || o.row.owner != nil || scalarString(getPath(created, o.row.identity)) != name {
		// A session does not say what it created: the name does.
		if created, err = o.find(ctx, cl, name); err != nil {
			return Object{}, fmt.Errorf("create %s %q: read back: %w", o.what(), name, err)
		}
	}
	return o.readable(ctx, cl, created)
}

// readable turns a live document into the object plans compare with.
func (o *collectionOps) readable(ctx context.Context, cl *vbr.Client, d Doc) (Object, error) {
	ix, err := o.refIndexes(ctx, cl)
	if err != nil {
		return Object{}, err
	}
	return o.object(d, ix), nil
}

func (o *collectionOps) Update(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error) {
	cl, err := vbrOf(c)
	if err != nil {
		return Object{}, err
	}
	if why := o.Replaces(spec, live.Doc); why != "" {
		return o.replace(ctx, c, env, live, spec)
	}
	sh := o.shape(cl)
	p := o.row.path + "/" + url.PathEscape(live.ID)
	full, err := cl.Get(ctx, p, nil)
	if err != nil {
		return Object{}, fmt.Errorf("update %s %q: read: %w", o.what(), live.Name, err)
	}
	declared, err := o.toVendor(ctx, cl, spec)
	if err != nil {
		return Object{}, fmt.Errorf("update %s %q: %w", o.what(), live.Name, err)
	}
	// The model takes no create-only fields: write-only secrets are sent
	// on create only (rotating one is an explicit action).
	for _, f := range append(slices.Clone(sh.createOnly), sh.secrets...) {
		deletePath(declared, f)
	}
	body := jsondoc.Merge(full, declared)
	body["id"] = full["id"]
	var answer Doc
	if sh.sessions[http.MethodPut] {
		_, err = runAsync(ctx, c, env, vbrSessionCall(cl, http.MethodPut, p, nil, body))
	} else {
		var resp *veeam.Response
		resp, err = cl.Put(ctx, p, body)
		if resp != nil {
			answer = resp.Doc
		}
	}
	if err != nil {
		return Object{}, fmt.Errorf("update %s %q: %w", o.what(), live.Name, err)
	}
	if scalarString(answer["id"]) == "" {
		if answer, err = cl.Get(ctx, p, nil); err != nil {
			return Object{}, fmt.Errorf("update %s %q: read back: %w", o.what(), live.Name, err)
		}
	}
	return o.readable(ctx, cl, answer)
}

// replace deletes live and creates it again from spec: the vendor cannot
// change it in place (see Replaces).
func (o *collectionOps) replace(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error) {
	if err := o.Delete(ctx, c, env, live, nil); err != nil {
		return Object{}, fmt.Errorf("replace: %w", err)
	}
	obj, err := o.Create(ctx, c, env, live.Name, spec)
	if err != nil {
		return Object{}, fmt.Errorf("replace: the old object was deleted: %w", err)
	}
	return obj, nil
}

// deletePath removes a dotted path of maps.
func deletePath(d Doc, path string) {
	segs := strings.Split(path, ".")
	cur := d
	for _, seg := range segs[:len(segs)-1] {
		next, ok := asMap(cur[seg])
		if !ok {
			return
		}
		cur = next
	}
	delete(cur, segs[len(segs)-1])
}

func (o *collectionOps) Delete(ctx context.Context, c *Conn, env Env, live Object, opts Doc) error {
	cl, err := vbrOf(c)
	if err != nil {
		return err
	}
	sh := o.shape(cl)
	if !sh.delete {
		return fmt.Errorf("delete %s %q: %w: the vendor API has no DELETE %s/{id} (remove it in the console)", o.what(), live.Name, ErrUnsupported, o.row.path)
	}
	q := url.Values{}
	for opt, param := range o.row.deleteQuery {
		q.Set(param, fmt.Sprint(boolOf(opts, opt)))
	}
	p := o.row.path + "/" + url.PathEscape(live.ID)
	_, err = runAsync(ctx, c, env, func(ctx context.Context) (asyncRef, Doc, error) {
		resp, err := cl.Delete(ctx, p, q)
		if isNotFound(err) {
			return asyncRef{}, nil, nil // already gone, which is what was asked
		}
		if err != nil {
			return asyncRef{}, nil, err
		}
		if r, err := sessionRef(resp); err == nil {
			return r, nil, nil
		}
		return asyncRef{}, nil, nil
	})
	if err != nil {
		return fmt.Errorf("delete %s %q: %w", o.what(), live.Name, err)
	}
	return nil
}

// ErrUnsupported is returned for an operation the vendor API does not
// offer on a kind (deleting a mount server, creating a settings object).
var ErrUnsupported = errors.New("steps: not supported by the vendor api")

// Table is what a table-driven VBR kind is built from, for code that reads
// or writes its objects outside plan and apply (vplay import).
type Table struct {
	// Path is the vendor collection (or settings document) path.
	Path string
	// Singleton is set for settings: one document per server, read and
	// replaced whole.
	Singleton bool
	// Identity is the dotted field of the live model that holds the
	// resource name; SpecIdentity where the name goes in a create spec
	// ("" when the server derives it).
	Identity, SpecIdentity string
	// Refs are the fields that name other objects by id, and the alias a
	// playbook may write the name under.
	Refs []TableRef
	// Owner is set for objects with no name of their own that are a role of
	// another object, whose id they share (a mount server is a managed
	// server's): the resource name is the owner's name (an object of
	// Owner.Kind), and create writes the owner's id to Owner.IDField.
	// Identity and SpecIdentity are "" then.
	Owner *TableRef
}

// TableRef is one reference field of a Table.
type TableRef struct {
	IDField, Alias string // credentialsId, credentials
	Kind           string // the referenced kind
}

// TableOf returns the table a kind is built from; false for hand-written
// kinds.
func TableOf(k *Kind) (Table, bool) {
	switch ops := k.Ops.(type) {
	case *collectionOps:
		t := Table{Path: ops.row.path, Identity: ops.row.identity, SpecIdentity: ops.row.specIdentity}
		for _, r := range ops.row.refs {
			t.Refs = append(t.Refs, TableRef{IDField: r.id, Alias: r.alias, Kind: r.kind})
		}
		if r := ops.row.owner; r != nil {
			t.Owner = &TableRef{IDField: r.id, Kind: r.kind}
		}
		return t, true
	case *settingsOps:
		return Table{Path: ops.row.path, Singleton: true}, true
	}
	return Table{}, false
}

// WriteOnly returns the dotted spec fields of the table at VBR document
// revision doc that the server never returns (create-only settings and
// write-only secrets): a plan never compares them, and an import cannot
// read them (secrets become secret() references).
func (t Table) WriteOnly(doc string) []string {
	sh := shapeOf(t.Path, doc, t.Singleton)
	out := slices.Clone(sh.unread)
	for _, s := range sh.secrets {
		if !jsondoc.Covered(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Secrets returns the dotted spec fields at revision doc that hold secrets
// (masked everywhere).
func (t Table) Secrets(doc string) []string {
	return slices.Clone(shapeOf(t.Path, doc, t.Singleton).secrets)
}
