package vbrsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/sim/simapi"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// docRevisions maps every x-api-version the simulator accepts to the vendor
// document it is served from. 1.1-rev1, 1.1-rev2 and 1.2-rev0 existed on
// real servers but their documents are not published: they are served from
// the nearest older document.
var docRevisions = map[string]string{
	"1.1-rev0": "1.1-rev0",
	"1.1-rev1": "1.1-rev0",
	"1.1-rev2": "1.1-rev0",
	"1.2-rev0": "1.1-rev0",
	"1.2-rev1": "1.2-rev1",
	"1.3-rev0": "1.3-rev0",
	"1.3-rev1": "1.3-rev1",
	"1.3-rev2": "1.3-rev2",
}

// DocRevision returns the document revision (one of openapi.Revisions) a
// request's x-api-version is served from; ok is false for a version the
// vendor never had, which the simulator refuses with 400 NotImplemented.
func DocRevision(apiVersion string) (rev string, ok bool) {
	rev, ok = docRevisions[apiVersion]
	return rev, ok
}

// revModel is one revision's vendor document as the simulator reads it: the
// path table, and the raw components the generator walks.
type revModel struct {
	rev        string
	schemas    map[string]any
	examples   map[string]any
	responses  map[string]any
	parameters map[string]any
	paths      []*pathItem // literal segments before parameters
}

// pathItem is one documented path template and its operations.
type pathItem struct {
	tmpl string
	segs []string
	ops  map[string]*operation // by HTTP method
}

// operation is one documented operation.
type operation struct {
	method, tmpl string
	roles        []string // simulated users allowed
	public       bool     // security: [] (no token needed)
	success      int      // lowest documented 2xx status
	schema       any      // response schema of success (nil: no body)
	example      any      // vendor example of that response, if any
	examples     []any    // every vendor example of that response
	request      any      // request body schema, if any
	query        []string // documented query parameter names
	// responses maps each documented status to its JSON body schema (nil
	// when it documents no JSON body).
	responses map[int]any
}

// models holds one lazily built model per document revision; they are
// immutable and shared by every API in the process.
var models = func() map[string]func() (*revModel, error) {
	m := map[string]func() (*revModel, error){}
	for _, rev := range openapi.Revisions {
		m[rev] = sync.OnceValues(func() (*revModel, error) { return loadModel(rev) })
	}
	return m
}()

func modelOf(rev string) (*revModel, error) {
	f, ok := models[rev]
	if !ok {
		return nil, fmt.Errorf("vbrsim: no document for revision %q", rev)
	}
	return f()
}

// rawDoc is the part of a full model the simulator decodes.
type rawDoc struct {
	Paths      map[string]map[string]any `json:"paths"`
	Components struct {
		Schemas    map[string]any `json:"schemas"`
		Examples   map[string]any `json:"examples"`
		Responses  map[string]any `json:"responses"`
		Parameters map[string]any `json:"parameters"`
	} `json:"components"`
}

func decodeFull(rev string) (*rawDoc, error) {
	b, err := openapi.RawFull(rev)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var d rawDoc
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("decode full model %s: %w", rev, err)
	}
	return &d, nil
}

func loadModel(rev string) (*revModel, error) {
	d, err := decodeFull(rev)
	if err != nil {
		return nil, err
	}
	m := &revModel{rev: rev, schemas: d.Components.Schemas, examples: d.Components.Examples,
		responses: d.Components.Responses, parameters: d.Components.Parameters}
	// 1.1-rev0 descriptions carry no "Available to" line, so its operations
	// have no roles: they take the roles of the same operation in the
	// nearest newer revision that lists them.
	var newer []*rawDoc
	for _, r := range openapi.Revisions[slices.Index(openapi.Revisions, rev)+1:] {
		nd, err := decodeFull(r)
		if err != nil {
			return nil, err
		}
		newer = append(newer, nd)
		if rev != "1.1-rev0" {
			break // only 1.1-rev0 lacks roles; later revisions never need this
		}
	}
	for tmpl, item := range d.Paths {
		pi := &pathItem{tmpl: tmpl, segs: splitPath(tmpl), ops: map[string]*operation{}}
		for method, raw := range item {
			opm, ok := raw.(map[string]any)
			if !ok || !isMethod(method) {
				continue
			}
			op := m.operation(strings.ToUpper(method), tmpl, opm, item)
			roles := rolesOf(opm)
			for i := 0; len(roles) == 0 && i < len(newer) && rev == "1.1-rev0"; i++ {
				if nop, ok := newer[i].Paths[tmpl][method].(map[string]any); ok {
					roles = rolesOf(nop)
				}
			}
			op.roles = users(roles, op.method)
			pi.ops[op.method] = op
		}
		m.paths = append(m.paths, pi)
	}
	// Literal segments win over parameters, position by position (as the
	// vendor routes repositories/states before repositories/{id}).
	slices.SortFunc(m.paths, func(a, b *pathItem) int {
		for i := 0; i < min(len(a.segs), len(b.segs)); i++ {
			pa, pb := isParam(a.segs[i]), isParam(b.segs[i])
			if pa != pb {
				if pa {
					return 1
				}
				return -1
			}
		}
		return strings.Compare(a.tmpl, b.tmpl)
	})
	return m, nil
}

func isMethod(m string) bool {
	switch m {
	case "get", "put", "post", "delete", "patch":
		return true
	}
	return false
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") }

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func rolesOf(op map[string]any) []string {
	var out []string
	for _, r := range asList(op[openapi.RolesExtension]) {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// users maps the vendor roles of an operation to the simulated users: admin
// is Backup Administrator, operator Backup Operator, viewer Backup Viewer.
// An operation only for roles the simulator has no user for (Security
// Administrator, Restore Operator, ...) is open to admin, which stands in
// for them; one without any role list is open to everyone for GET and to
// admin otherwise.
func users(roles []string, method string) []string {
	if len(roles) == 0 {
		if method == "GET" {
			return rolesAll
		}
		return rolesAdmin
	}
	var out []string
	for _, r := range roles {
		switch r {
		case "*":
			return rolesAll
		case "Backup Administrator":
			out = append(out, simapi.RoleAdmin)
		case "Backup Operator":
			out = append(out, simapi.RoleOperator)
		case "Backup Viewer":
			out = append(out, simapi.RoleViewer)
		}
	}
	if !slices.Contains(out, simapi.RoleAdmin) {
		out = append(out, simapi.RoleAdmin)
	}
	return out
}

func (m *revModel) operation(method, tmpl string, op, item map[string]any) *operation {
	o := &operation{method: method, tmpl: tmpl}
	if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
		o.public = true
	}
	resps, _ := op["responses"].(map[string]any)
	o.responses = map[int]any{}
	for code, r := range resps {
		n, err := strconv.Atoi(code)
		if err != nil {
			continue
		}
		o.responses[n] = nil
		if rm := m.deref(r); rm != nil {
			if mt := jsonContent(rm); mt != nil {
				o.responses[n] = mt["schema"]
			}
		}
		if n < 200 || n > 299 {
			continue
		}
		if o.success == 0 || n < o.success {
			o.success = n
		}
	}
	if o.success == 0 {
		o.success = 200
	}
	if r := m.deref(resps[strconv.Itoa(o.success)]); r != nil {
		if mt := jsonContent(r); mt != nil {
			o.schema = mt["schema"]
			o.example = m.mediaExample(mt)
			o.examples = m.mediaExamples(mt)
		}
	}
	if rb := m.deref(op["requestBody"]); rb != nil {
		if mt := jsonContent(rb); mt != nil {
			o.request = mt["schema"]
		}
	}
	for _, src := range []any{item["parameters"], op["parameters"]} {
		for _, p := range asList(src) {
			if pm := m.deref(p); pm != nil && pm["in"] == "query" {
				if name, ok := pm["name"].(string); ok {
					o.query = append(o.query, name)
				}
			}
		}
	}
	return o
}

// jsonContent returns the JSON media type object of a response or request
// body (application/json, else the first one).
func jsonContent(r map[string]any) map[string]any {
	content, _ := r["content"].(map[string]any)
	if mt, ok := content["application/json"].(map[string]any); ok {
		return mt
	}
	for _, k := range sortedKeys(content) {
		if mt, ok := content[k].(map[string]any); ok {
			return mt
		}
	}
	return nil
}

// mediaExample returns the first example value of a media type object.
func (m *revModel) mediaExample(mt map[string]any) any {
	if v, ok := mt["example"]; ok {
		return v
	}
	exs, _ := mt["examples"].(map[string]any)
	for _, k := range sortedKeys(exs) {
		if ex := m.deref(exs[k]); ex != nil {
			if v, ok := ex["value"]; ok {
				return v
			}
		}
	}
	return nil
}

// mediaExamples returns every example value of a media type object.
func (m *revModel) mediaExamples(mt map[string]any) []any {
	var out []any
	if v, ok := mt["example"]; ok {
		out = append(out, v)
	}
	exs, _ := mt["examples"].(map[string]any)
	for _, k := range sortedKeys(exs) {
		if ex := m.deref(exs[k]); ex != nil {
			if v, ok := ex["value"]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// deref follows "#/components/<group>/<name>" references to an object.
func (m *revModel) deref(v any) map[string]any {
	for range 16 {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		ref, ok := o["$ref"].(string)
		if !ok {
			return o
		}
		group, name, _ := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		switch group {
		case "schemas":
			v = m.schemas[name]
		case "examples":
			v = m.examples[name]
		case "responses":
			v = m.responses[name]
		case "parameters":
			v = m.parameters[name]
		default:
			return nil
		}
	}
	return nil
}

// find returns the documented path item matching path, with its
// parameters.
func (m *revModel) find(path string) (*pathItem, map[string]string) {
	segs := splitPath(path)
	for _, pi := range m.paths {
		if vars, ok := matchSegs(pi.segs, segs); ok {
			return pi, vars
		}
	}
	return nil, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// Operation returns the documented path template of an operation in a
// document revision ("/api/v1/backups/{id}"); ok is false when the
// revision does not document the method on that path.
func Operation(rev, method, path string) (tmpl string, ok bool) {
	m, err := modelOf(rev)
	if err != nil {
		return "", false
	}
	pi, _ := m.find(path)
	if pi == nil || pi.ops[method] == nil {
		return "", false
	}
	return pi.tmpl, true
}

// ErrUndocumentedStatus is returned by CheckResponse for a status the
// operation does not document.
var ErrUndocumentedStatus = errors.New("response status not documented")

// CheckResponse checks a response body against the schema the revision
// documents for the operation and status, with the simulator's own quick
// checker (types, required fields, enums, uuid and date-time formats); an
// empty body passes where no JSON body is documented.
func CheckResponse(rev, method, path string, status int, body []byte) error {
	m, err := modelOf(rev)
	if err != nil {
		return err
	}
	pi, _ := m.find(path)
	if pi == nil || pi.ops[method] == nil {
		return fmt.Errorf("%s %s is not documented in %s", method, path, rev)
	}
	schema, ok := pi.ops[method].responses[status]
	if !ok {
		return fmt.Errorf("%s %s: status %d: %w", method, pi.tmpl, status, ErrUndocumentedStatus)
	}
	if schema == nil || status == 204 && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%s %s: response %d: body is not JSON: %w", method, pi.tmpl, status, err)
	}
	if msg := m.checkBody(schema, v, "", 0); msg != "" {
		return fmt.Errorf("%s %s: response %d: %s", method, pi.tmpl, status, msg)
	}
	return nil
}

// Coverage lists the operations of a document revision ("GET
// /api/v1/jobs"), sorted, split into those with hand-written behaviour and
// those the generic engine serves from the document.
func Coverage(rev string) (handWritten, generic []string, err error) {
	m, err := modelOf(rev)
	if err != nil {
		return nil, nil, err
	}
	hand := map[string]bool{}
	for _, rt := range (&API{}).table() {
		hand[rt.method+" "+rt.tmpl] = true
	}
	for _, pi := range m.paths {
		for method := range pi.ops {
			op := method + " " + pi.tmpl
			if hand[op] {
				handWritten = append(handWritten, op)
			} else {
				generic = append(generic, op)
			}
		}
	}
	sort.Strings(handWritten)
	sort.Strings(generic)
	return handWritten, generic, nil
}
