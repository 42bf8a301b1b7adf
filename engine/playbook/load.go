package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// Load reads the playbook name from fsys (at most MaxFileSize bytes) and
// loads it with Parse.
func Load(fsys fs.FS, name string, cat *steps.Catalog, opts Options) (*Playbook, diag.Diagnostics) {
	text, err := readFS(fsys, name)
	if err != nil {
		return nil, diag.Diagnostics{diag.Errorf(diag.Pos{File: name}, "read", "read playbook: %v", err)}
	}
	return Parse(name, text, cat, opts)
}

// Parse loads a playbook from its text: YAML syntax, the JSON Schema of
// cat, every expression and the semantic checks. It returns every
// diagnostic found, sorted by position; the playbook is nil when any of
// them is an error.
func Parse(name string, text []byte, cat *steps.Catalog, opts Options) (*Playbook, diag.Diagnostics) {
	src := newSource(name, text)
	root, ds := parseYAML(src)
	if root == nil || ds.HasErrors() {
		return nil, finish(ds)
	}
	sum := sha256.Sum256(text)
	l := &loader{
		src: src, cat: cat, opts: opts, root: root, diags: ds,
		pb:      &Playbook{File: name, Source: text, Hash: hex.EncodeToString(sum[:])},
		dynamic: map[string]bool{},
		targets: map[string]*Target{},
		dataOne: map[string]bool{},
		kinds:   map[string]bool{},
	}
	if root.Kind != eval.MappingNode {
		return nil, finish(diag.Diagnostics{diag.Errorf(root.Pos, "not-mapping",
			"a playbook is a mapping with vplay:, targets:, resources:, ...; got %s", kindName(root))})
	}
	l.load()
	out := l.withHints(finish(l.diags))
	if out.HasErrors() {
		return nil, out
	}
	return l.pb, out
}

// maxReported is how many diagnostics a file reports; the others are
// counted in one last diagnostic. Past that many, more lines help nobody,
// and rendering them (each with its source line) would only cost time.
const maxReported = 100

// finish sorts diagnostics, drops exact duplicates and keeps the first
// maxReported, followed by one that says how many more there are.
func finish(ds diag.Diagnostics) diag.Diagnostics {
	ds.Sort()
	ds = slices.CompactFunc(ds, func(a, b diag.Diagnostic) bool { return a.Pos == b.Pos && a.Summary == b.Summary })
	if len(ds) <= maxReported {
		return ds
	}
	more := ds[maxReported:]
	sev := diag.SevWarning
	if more.HasErrors() {
		sev = diag.SevError
	}
	what := "problems"
	if len(more) == 1 {
		what = "problem"
	}
	return append(ds[:maxReported:maxReported], diag.Diagnostic{Severity: sev, Pos: diag.Pos{File: ds[0].Pos.File},
		Code: "too-many-diagnostics", Summary: fmt.Sprintf("%d more %s not shown; fix the ones above first", len(more), what)})
}

type loader struct {
	src   *source
	cat   *steps.Catalog
	opts  Options
	root  *eval.Node
	diags diag.Diagnostics
	pb    *Playbook

	inst    map[string]any  // the validation instance
	dynamic map[string]bool // instance paths only known at run time

	vars     map[string]any
	targets  map[string]*Target
	dataOne  map[string]bool
	kinds    map[string]bool
	resDecl  *eval.Decl
	resNodes []*eval.Node
	index    map[*eval.Node]map[string]int // see keyIndex
	hints    map[hintKey]func() string     // see later
}

func (l *loader) errorf(p diag.Pos, code, hint, format string, args ...any) {
	d := diag.Errorf(p, code, format, args...)
	d.Hint = hint
	l.diags = append(l.diags, d)
}

func (l *loader) add(ds diag.Diagnostics) { l.diags = append(l.diags, ds...) }

func (l *loader) load() {
	defer l.prefetch()()
	l.inst, _ = l.root.Plain().(map[string]any)
	if v := get(l.root, "vplay"); v != nil {
		l.pb.Version, _ = v.Value.(int)
	}
	l.pb.Name = str(get(l.root, "name"))
	l.pb.Description = str(get(l.root, "description"))
	l.loadVars()
	l.loadTargets()
	l.loadData()
	l.loadResources()
	l.loadSteps()
	l.loadPrune()
	l.checkCycles()
	l.validate()
}

// get returns the value of key in a mapping node, or nil.
func get(n *eval.Node, key string) *eval.Node {
	if n == nil || n.Kind != eval.MappingNode {
		return nil
	}
	for i, k := range n.Keys {
		if k == key {
			return n.Items[i]
		}
	}
	return nil
}

// keyPos returns the position of key in a mapping node, or the node's.
func keyPos(n *eval.Node, key string) diag.Pos {
	for i, k := range n.Keys {
		if k == key {
			return n.KeyPos[i]
		}
	}
	return n.Pos
}

func str(n *eval.Node) string {
	if n == nil {
		return ""
	}
	s, _ := n.Value.(string)
	return s
}

func intOf(n *eval.Node) int {
	if n == nil {
		return 0
	}
	i, _ := n.Value.(int)
	return i
}

func boolean(n *eval.Node) bool {
	if n == nil {
		return false
	}
	b, _ := n.Value.(bool)
	return b
}

func kindName(n *eval.Node) string {
	switch n.Kind {
	case eval.MappingNode:
		return "a mapping"
	case eval.SequenceNode:
		return "a list"
	}
	if n.Value == nil {
		return "null"
	}
	return fmt.Sprintf("%T %v", n.Value, n.Value)
}

func pathKey(path ...string) string { return strings.Join(path, "\x00") }

// --- vars ---

func (l *loader) loadVars() {
	l.vars = map[string]any{}
	vn := get(l.root, "vars")
	if vn != nil && vn.Kind == eval.MappingNode {
		for i, k := range vn.Keys {
			if p, ok := findTemplate(vn.Items[i]); ok {
				l.errorf(p, "template-in-vars", "compute it where it is used, or pass it with --var", "variables are literal values; ${{ }} is not evaluated in vars")
			}
			l.vars[k] = vn.Items[i].Plain()
		}
	}
	file := diag.Pos{File: l.src.file}
	for _, k := range sortedKeys(l.opts.Vars) {
		v := l.opts.Vars[k]
		old, ok := l.vars[k]
		if !ok {
			hint := eval.Hint(k, sortedKeys(l.vars))
			if len(l.vars) == 0 {
				hint = "declare it under `vars:` first"
			}
			l.errorf(file, "unknown-var", hint, "--var %s: the playbook declares no variable %q", k, k)
			continue
		}
		if !sameType(old, v) {
			l.errorf(file, "var-type", "", "--var %s: expected %s like the declared value, got %s", k, typeName(old), typeName(v))
			continue
		}
		l.vars[k] = v
		if l.pb.Overrides == nil {
			l.pb.Overrides = map[string]any{}
		}
		l.pb.Overrides[k] = v
	}
	l.pb.Vars = l.vars
	if l.inst != nil && len(l.vars) > 0 {
		l.inst["vars"] = l.vars
	}
}

func findTemplate(n *eval.Node) (diag.Pos, bool) {
	switch n.Kind {
	case eval.ScalarNode:
		if s, ok := n.Value.(string); ok && eval.HasTemplate(s) {
			return n.Pos, true
		}
	default:
		for _, it := range n.Items {
			if p, ok := findTemplate(it); ok {
				return p, true
			}
		}
	}
	return diag.Pos{}, false
}

func sameType(a, b any) bool {
	if a == nil || b == nil {
		return true
	}
	ta, tb := typeName(a), typeName(b)
	return ta == tb || (ta == "number" && tb == "integer")
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int:
		return "integer"
	case float64:
		return "number"
	case map[string]any:
		return "mapping"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// --- targets ---

var fingerprintRE = regexp.MustCompile(`^sha256:([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$`)

func (l *loader) loadTargets() {
	tn := get(l.root, "targets")
	if tn == nil || tn.Kind != eval.MappingNode {
		return
	}
	decl := &eval.Decl{Context: "targets", Vars: l.vars}
	for i, name := range tn.Keys {
		n := tn.Items[i]
		t := &Target{Name: name, Pos: tn.KeyPos[i]}
		l.targets[name] = t
		l.pb.Targets = append(l.pb.Targets, t)
		if n.Kind != eval.MappingNode {
			continue
		}
		switch api := veeam.API(str(get(n, "type"))); api {
		case veeam.VBR, veeam.EM, veeam.VSPC:
			t.API = api
		}
		t.URL = l.value(get(n, "url"), decl)
		t.InsecureHTTP = boolean(get(n, "insecure_http"))
		l.checkPlainHTTP(t, get(n, "url"))
		t.Username = l.value(get(n, "username"), decl)
		t.Password = l.value(get(n, "password"), decl)
		if p := get(n, "password"); p != nil && !t.Password.IsTemplate() && str(p) != "" {
			d := diag.Diagnostic{Severity: diag.SevWarning, Pos: p.Pos, Code: "clear-password",
				Summary: fmt.Sprintf("targets.%s.password: the password is written in clear text", name),
				Hint:    "use \"${{ secret('NAME') }}\" and pass NAME in the environment"}
			l.diags = append(l.diags, d)
		}
		l.loadAPIVersion(t, n, decl)
		t.PageSize = intOf(get(n, "page_size"))
		t.PageConcurrency = intOf(get(n, "page_concurrency"))
		t.PollFloor = l.duration(get(n, "poll_floor"))
		t.Timeout = l.duration(get(n, "timeout"))
		l.instSet(decl, nil, n, "targets", name)
		tls := get(n, "tls")
		if tls == nil || tls.Kind != eval.MappingNode {
			continue
		}
		t.TLS.CAFile = str(get(tls, "ca_file"))
		t.TLS.Insecure = boolean(get(tls, "insecure"))
		set := 0
		for _, k := range []string{"ca_file", "fingerprint", "insecure"} {
			if get(tls, k) != nil && !(k == "insecure" && !t.TLS.Insecure) {
				set++
			}
		}
		if set != 1 {
			l.errorf(keyPos(n, "tls"), "tls-one", "", "targets.%s.tls: set exactly one of ca_file, fingerprint, insecure: true", name)
		}
		if fp := get(tls, "fingerprint"); fp != nil {
			t.TLS.Fingerprint = l.value(fp, decl)
			if lit, ok := t.TLS.Fingerprint.Literal(); ok {
				if s, _ := lit.(string); !fingerprintRE.MatchString(s) {
					l.errorf(fp.Pos, "bad-fingerprint", "write sha256: followed by the 64 hex digits of the certificate's SHA-256", "targets.%s.tls.fingerprint: %q is not a sha256 fingerprint", name, s)
				}
			}
		}
	}
}

// checkPlainHTTP refuses a literal http:// URL unless the target says
// insecure_http: true, and warns when it does: the password grant would go
// out in clear text. A URL known only at run time is checked when the
// engine connects.
func (l *loader) checkPlainHTTP(t *Target, n *eval.Node) {
	lit, ok := t.URL.Literal()
	s, _ := lit.(string)
	if !ok || n == nil || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "http://") {
		return
	}
	if !t.InsecureHTTP {
		l.errorf(n.Pos, "plain-http", "use https://, or set insecure_http: true on the target if the server really only speaks HTTP (such as `vplay sim --http`)",
			"targets.%s.url: %q is plain HTTP: the password and tokens would travel unencrypted", t.Name, s)
		return
	}
	l.diags = append(l.diags, diag.Diagnostic{Severity: diag.SevWarning, Pos: n.Pos, Code: "plain-http",
		Summary: fmt.Sprintf("targets.%s.url: %q is plain HTTP (insecure_http: true): the password and tokens travel unencrypted", t.Name, s)})
}

// value compiles a node, collecting diagnostics.
func (l *loader) value(n *eval.Node, d *eval.Decl) *eval.Value {
	if n == nil {
		return nil
	}
	v, ds := eval.CompileValue(n, d)
	l.add(ds)
	return v
}

// valueAt is value for the node at path, whose plain value the validation
// instance holds: a literal shares it (specs are most of a large playbook).
// The instance is never modified below the items of its lists.
func (l *loader) valueAt(n *eval.Node, d *eval.Decl, path ...string) *eval.Value {
	plain, ok := l.instAt(path)
	if n == nil || !ok {
		return l.value(n, d)
	}
	v, ds := eval.CompileValueFrom(n, plain, d)
	l.add(ds)
	return v
}

func (l *loader) cond(n *eval.Node, d *eval.Decl) *eval.Cond {
	if n == nil {
		return nil
	}
	c, ds := eval.CompileCond(n, d)
	l.add(ds)
	return c
}

// resolveTarget checks an item's target against the API of its kind,
// action or query; an omitted target defaults to the only target of that
// API.
func (l *loader) resolveTarget(item *eval.Node, api veeam.API, what, entry string) string {
	tn := get(item, "target")
	if tn == nil {
		if api == "" {
			return ""
		}
		var match []string
		for _, t := range l.pb.Targets {
			if t.API == api {
				match = append(match, t.Name)
			}
		}
		if len(match) == 1 {
			return match[0]
		}
		if len(match) == 0 {
			l.errorf(item.Pos, "no-target", fmt.Sprintf("declare a target with type: %s under targets:", api), "%s %s needs a %s target and none is declared", what, entry, api)
		} else {
			l.errorf(item.Pos, "ambiguous-target", "expected one of: "+strings.Join(match, ", "), "%s %s: several %s targets are declared; say which with target:", what, entry, api)
		}
		return ""
	}
	name := str(tn)
	if name == "" {
		return ""
	}
	t, ok := l.targets[name]
	if !ok {
		l.errorf(tn.Pos, "unknown-target", eval.Hint(name, sortedKeys(l.targets)), "unknown target %q", name)
		return name
	}
	if api != "" && t.API != "" && t.API != api {
		l.errorf(tn.Pos, "target-api", "", "%s %s needs a %s target, but target %q has type %s", what, entry, api, name, t.API)
	}
	return name
}

// --- data ---

func (l *loader) loadData() {
	dn := get(l.root, "data")
	if dn == nil || dn.Kind != eval.MappingNode {
		return
	}
	for i, name := range dn.Keys {
		n := dn.Items[i]
		l.dataOne[name] = boolean(get(n, "one"))
	}
	decl := &eval.Decl{Context: "data", Vars: l.vars}
	for i, name := range dn.Keys {
		n := dn.Items[i]
		q := &DataQuery{Name: name, Pos: dn.KeyPos[i], One: l.dataOne[name]}
		l.pb.Data = append(l.pb.Data, q)
		if n.Kind != eval.MappingNode {
			continue
		}
		q.Query = str(get(n, "query"))
		var api veeam.API
		if qn := get(n, "query"); q.Query != "" {
			if e, ok := l.cat.Query(q.Query); ok {
				api = e.API
			} else {
				l.errorf(qn.Pos, "unknown-query", eval.Hint(q.Query, names(l.cat.Queries())), "unknown query %q", q.Query)
			}
		}
		q.Target = l.resolveTarget(n, api, "query", q.Query)
		q.Params = l.value(get(n, "params"), decl)
		q.Where = l.cond(get(n, "where"), &eval.Decl{Context: "where", Vars: l.vars, Item: true})
		l.instSet(decl, nil, n, "data", name)
	}
}

func names[T interface {
	*steps.Kind | *steps.Action | *steps.Query
}](es []T) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		switch e := any(e).(type) {
		case *steps.Kind:
			out = append(out, e.Name)
		case *steps.Action:
			out = append(out, e.Name)
		case *steps.Query:
			out = append(out, e.Name)
		}
	}
	return out
}

// --- instance for schema validation ---

// instSet rebuilds the validation instance of an item: templates that only
// need vars (and each, when a sample item is given) are evaluated so their
// values are checked against the schema; the others are marked dynamic.
func (l *loader) instSet(d *eval.Decl, scope *eval.Scope, n *eval.Node, path ...string) {
	if l.inst == nil {
		return
	}
	if _, dynamic := findTemplate(n); !dynamic && l.instHas(path) {
		// Without templates the instance is the node's plain value, which
		// the instance of the whole file already holds there.
		return
	}
	if scope == nil {
		scope = &eval.Scope{Vars: l.vars}
	}
	v := l.instance(d, scope, n, path)
	var parent any = l.inst
	for i, tok := range path {
		last := i == len(path)-1
		switch p := parent.(type) {
		case map[string]any:
			if last {
				p[tok] = v
				return
			}
			parent = p[tok]
		case []any:
			idx, err := strconv.Atoi(tok)
			if err != nil || idx < 0 || idx >= len(p) {
				return
			}
			if last {
				p[idx] = v
				return
			}
			parent = p[idx]
		default:
			return
		}
	}
}

// instHas reports whether the validation instance has a value at path.
func (l *loader) instHas(path []string) bool {
	_, ok := l.instAt(path)
	return ok
}

// instAt returns the validation instance's value at path.
func (l *loader) instAt(path []string) (any, bool) {
	if l.inst == nil {
		return nil, false
	}
	var cur any = l.inst
	for _, tok := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func (l *loader) instance(d *eval.Decl, scope *eval.Scope, n *eval.Node, path []string) any {
	switch n.Kind {
	case eval.MappingNode:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			m[k] = l.instance(d, scope, n.Items[i], append(path, k))
		}
		return m
	case eval.SequenceNode:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = l.instance(d, scope, it, append(path, strconv.Itoa(i)))
		}
		return out
	}
	s, ok := n.Value.(string)
	if !ok || !eval.HasTemplate(s) {
		return n.Value
	}
	v, ds := eval.CompileValue(n, d)
	if !ds.HasErrors() && loadTime(v.Refs(), scope.HasEach) {
		out, err := v.Eval(scope)
		if err == nil && !eval.IsSensitive(out) {
			return out
		}
		l.overBudget(n.Pos, err)
	}
	l.dynamic[pathKey(path...)] = true
	return s
}

// loadTime reports whether refs can be evaluated while loading.
func loadTime(refs []eval.Ref, each bool) bool {
	for _, r := range refs {
		switch {
		case r.Root == eval.RootVars:
		case r.Root == eval.RootEach && each:
		default:
			return false
		}
	}
	return true
}

// --- resources ---

type identity struct{ target, kind, name string }

func (l *loader) loadResources() {
	rn := get(l.root, "resources")
	if rn == nil || rn.Kind != eval.SequenceNode {
		return
	}
	for _, n := range rn.Items {
		if k := str(get(n, "kind")); k != "" {
			if _, ok := l.cat.Kind(k); ok {
				l.kinds[k] = true
			}
		}
	}
	l.resDecl = &eval.Decl{Context: "resources", Vars: l.vars, Data: l.dataOne, Kinds: l.kinds}
	seen := map[identity]diag.Pos{}
	for i, n := range rn.Items {
		r := &Resource{Pos: n.Pos, State: StatePresent}
		l.pb.Resources = append(l.pb.Resources, r)
		l.resNodes = append(l.resNodes, n)
		if n.Kind != eval.MappingNode {
			continue
		}
		r.Kind = str(get(n, "kind"))
		var api veeam.API
		if kn := get(n, "kind"); r.Kind != "" {
			if k, ok := l.cat.Kind(r.Kind); ok {
				api = k.API
			} else {
				l.errorf(kn.Pos, "unknown-kind", eval.Hint(r.Kind, names(l.cat.Kinds())), "unknown resource kind %q", r.Kind)
			}
		}
		r.Target = l.resolveTarget(n, api, "kind", r.Kind)
		decl := l.resDecl
		var items []any
		itemsKnown := true
		if fe := get(n, "for_each"); fe != nil {
			r.ForEach = l.value(fe, l.resDecl)
			items, itemsKnown = l.loopItems(r.ForEach, fe)
			decl = &eval.Decl{Context: "resources", Vars: l.vars, Data: l.dataOne, Kinds: l.kinds, Each: true}
			if len(items) > 0 {
				decl.EachSample = items[0]
			}
		}
		r.Name = l.value(get(n, "name"), decl)
		r.Spec = l.valueAt(get(n, "spec"), decl, "resources", strconv.Itoa(i), "spec")
		if pn := get(n, "policy"); pn != nil {
			r.Policy = l.value(pn, decl)
		}
		if sn := get(n, "state"); sn != nil {
			if s := str(sn); eval.HasTemplate(s) {
				// The planner evaluates it per item; a vars-only template
				// was already checked against the enum by the schema.
				r.StateExpr = l.value(sn, decl)
			} else if s != "" {
				r.State = s
				if k, ok := l.cat.Kind(r.Kind); ok && k.NoDelete && s == StateAbsent {
					l.errorf(sn.Pos, "absent-no-delete", "remove the resource from the playbook to stop managing the object; it stays on the server",
						"state: absent: objects of kind %q cannot be deleted (the vendor API has no delete for them)", r.Kind)
				}
			}
		}
		if on := get(n, "options"); on != nil {
			r.Options, _ = on.Plain().(map[string]any)
			r.OptionsValue = l.value(on, decl)
		}
		var scope *eval.Scope
		if r.ForEach != nil && itemsKnown && len(items) > 0 {
			scope = &eval.Scope{Vars: l.vars, Each: items[0], HasEach: true}
		}
		l.instSet(decl, scope, n, "resources", strconv.Itoa(i))
		r.Names = l.resourceNames(r, n, items, itemsKnown)
		for _, name := range r.Names {
			id := identity{r.Target, r.Kind, name}
			if first, dup := seen[id]; dup {
				p := keyPos(n, "name")
				if first == p {
					l.errorf(p, "duplicate-resource", "make the name depend on `each` so every item gets its own", "for_each yields resource %s/%s/%s more than once", r.Target, r.Kind, name)
				} else {
					l.errorf(p, "duplicate-resource", "", "duplicate resource %s/%s/%s (first declared on line %d)", r.Target, r.Kind, name, first.Line)
				}
				continue
			}
			seen[id] = keyPos(n, "name")
		}
	}
}

// loopItems evaluates a for_each known at load time (literal or vars
// only). known is false when the items depend on live state.
func (l *loader) loopItems(v *eval.Value, n *eval.Node) ([]any, bool) {
	if v == nil || !loadTime(v.Refs(), false) {
		if t := v.StaticType(); t != nil && !isCollection(t.Kind().String()) {
			l.errorf(n.Pos, "for-each-type", "", "for_each must be a list or a mapping, got %s", t)
		}
		return nil, false
	}
	out, err := v.Eval(&eval.Scope{Vars: l.vars})
	if err != nil {
		l.overBudget(n.Pos, err)
		return nil, false
	}
	items, err := Items(out)
	if err != nil {
		l.errorf(n.Pos, "for-each-type", "", "for_each: %v", err)
		return nil, false
	}
	return items, true
}

func lenOf(v any) int {
	switch v := v.(type) {
	case []any:
		return len(v)
	case map[string]any:
		return len(v)
	}
	return 0
}

func isCollection(k string) bool { return k == "slice" || k == "array" || k == "map" }

// overBudget reports err when an expression evaluated at load time
// exceeded its budget; other evaluation errors wait for plan, where live
// values are known.
func (l *loader) overBudget(p diag.Pos, err error) {
	var be *eval.BudgetError
	if errors.As(err, &be) {
		l.errorf(p, "expr-budget", "", "%v", be)
	}
}

// MaxLoopItems is how many items one for_each may have.
const MaxLoopItems = 10_000

// ErrTooManyItems is wrapped by Items for a loop over more than
// MaxLoopItems items.
var ErrTooManyItems = errors.New("playbook: too many loop items")

// Items returns the loop items of an evaluated for_each: a list's elements,
// or for a mapping one {key, value} mapping per entry, sorted by key. More
// than MaxLoopItems items are an error wrapping ErrTooManyItems.
func Items(v any) ([]any, error) {
	if n := lenOf(v); n > MaxLoopItems {
		return nil, fmt.Errorf("%w: %d items, at most %d; split the loop or filter the list", ErrTooManyItems, n, MaxLoopItems)
	}
	switch v := v.(type) {
	case []any:
		return v, nil
	case map[string]any:
		out := make([]any, 0, len(v))
		for _, k := range sortedKeys(v) {
			out = append(out, map[string]any{"key": k, "value": v[k]})
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("expected a list or a mapping, got %s", typeName(v))
}

// resourceNames evaluates the names of a resource when they are known at
// load time.
func (l *loader) resourceNames(r *Resource, n *eval.Node, items []any, itemsKnown bool) []string {
	if r.Name == nil || !loadTime(r.Name.Refs(), r.ForEach != nil) || !itemsKnown {
		return nil
	}
	scopes := []*eval.Scope{{Vars: l.vars}}
	if r.ForEach != nil {
		scopes = scopes[:0]
		for _, it := range items {
			scopes = append(scopes, &eval.Scope{Vars: l.vars, Each: it, HasEach: true})
		}
	}
	var out []string
	for _, s := range scopes {
		v, err := r.Name.Eval(s)
		if errors.Is(err, eval.ErrNotCompiled) {
			return nil
		}
		if err != nil {
			l.errorf(get(n, "name").Pos, "bad-name", "", "name: %v", err)
			return nil
		}
		name, ok := v.(string)
		if !ok || name == "" {
			l.errorf(get(n, "name").Pos, "bad-name", "", "name must be a non-empty string, got %s", typeName(v))
			return nil
		}
		out = append(out, name)
	}
	return out
}

// --- steps ---

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (l *loader) loadSteps() {
	sn := get(l.root, "steps")
	if sn == nil || sn.Kind != eval.SequenceNode {
		return
	}
	var ids []string
	for _, n := range sn.Items {
		ids = append(ids, str(get(n, "id")))
	}
	firstID := map[string]diag.Pos{}
	for i, n := range sn.Items {
		s := &Step{Pos: n.Pos, ID: ids[i]}
		l.pb.Steps = append(l.pb.Steps, s)
		if n.Kind != eval.MappingNode {
			continue
		}
		if idn := get(n, "id"); s.ID != "" {
			if first, dup := firstID[s.ID]; dup {
				l.errorf(idn.Pos, "duplicate-step", "", "duplicate step id %q (first used on line %d)", s.ID, first.Line)
			} else {
				firstID[s.ID] = idn.Pos
			}
		}
		s.Name = str(get(n, "name"))
		s.Action = str(get(n, "action"))
		var api veeam.API
		if an := get(n, "action"); s.Action != "" {
			if a, ok := l.cat.Action(s.Action); ok {
				api = a.API
			} else {
				l.errorf(an.Pos, "unknown-action", eval.Hint(s.Action, names(l.cat.Actions())), "unknown action %q", s.Action)
			}
		}
		s.Target = l.resolveTarget(n, api, "action", s.Action)
		earlier := validIDs(ids[:i])
		decl := &eval.Decl{Context: "steps", Vars: l.vars, Data: l.dataOne, Kinds: l.kinds,
			Steps: earlier, Later: ids[i:], StepsOK: true, Changed: true}
		s.When = l.cond(get(n, "when"), decl)
		var items []any
		known := false
		if fe := get(n, "for_each"); fe != nil {
			s.ForEach = l.value(fe, decl)
			items, known = l.loopItems(s.ForEach, fe)
			loop := decl.Clone()
			loop.Each = true
			if len(items) > 0 {
				loop.EachSample = items[0]
			}
			decl = loop
		}
		s.With = l.value(get(n, "with"), decl)
		self := decl.Clone()
		self.Steps = validIDs(ids[:i+1])
		self.Later = ids[i+1:]
		s.Until = l.cond(get(n, "until"), self)
		s.ContinueOnError = boolean(get(n, "continue_on_error"))
		s.Timeout = l.duration(get(n, "timeout"))
		if rn := get(n, "retries"); rn != nil {
			s.Retries.Count = intOf(get(rn, "count"))
			s.Retries.Delay = l.duration(get(rn, "delay"))
		}
		if pn := get(n, "parallel"); pn != nil {
			s.Parallel, _ = pn.Value.(int)
		}
		l.checkChanged(s.When)
		var scope *eval.Scope
		if s.ForEach != nil && known && len(items) > 0 {
			scope = &eval.Scope{Vars: l.vars, Each: items[0], HasEach: true}
		}
		l.instSet(decl, scope, n, "steps", strconv.Itoa(i))
	}
}

func validIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if identRE.MatchString(id) {
			out = append(out, id)
		}
	}
	return out
}

// checkChanged verifies that changed("KIND") names a declared kind.
func (l *loader) checkChanged(c *eval.Cond) {
	for _, r := range c.Refs() {
		if r.Root != eval.RootChanged || r.Key == "" || strings.Contains(r.Key, "/") {
			continue
		}
		if !l.kinds[r.Key] {
			l.errorf(r.Pos, "unknown-resource-kind", eval.Hint(r.Key, sortedKeys(l.kinds)), "changed(%q): no resource of kind %q is declared", r.Key, r.Key)
		}
	}
}

func (l *loader) duration(n *eval.Node) time.Duration {
	s := str(n)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0 // the schema reports the format
	}
	if d < 0 {
		l.errorf(n.Pos, "bad-duration", "", "duration %q is negative", s)
	}
	return d
}
