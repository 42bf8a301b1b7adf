package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/vplay-dev/vplay/steps"
)

//go:embed playbook.schema.json
var embedded []byte

// JSON returns the embedded playbook schema (generated from steps.Builtin).
func JSON() []byte { return slices.Clone(embedded) }

// Violation is one way an instance does not match the schema.
type Violation struct {
	// Path is the instance location as tokens: object keys and list
	// indexes ("resources", "0", "spec").
	Path []string
	// Keyword is the JSON Schema keyword that failed: type, required,
	// additionalProperties, enum, const, pattern, ... For required and
	// additionalProperties, Path ends with the missing or unknown key.
	Keyword string
	// Message says what is wrong, without the path.
	Message string
	// Expected lists the accepted values (enum, const) or the known keys
	// (additionalProperties), for hints; nil when there is nothing to offer.
	Expected []string
}

// Validator validates instances against one compiled playbook schema. It is
// safe for concurrent use.
type Validator struct {
	sch       *jsonschema.Schema
	resources map[string]any // schema resources by absolute URL without fragment
	// lists are the top-level list properties whose items are validated
	// one by one (see Validate), with the schema of their items.
	lists map[string]*jsonschema.Schema
	// shapes holds, per list, the shape keys of its items (see shape.go).
	shapes map[string]*shapes
}

var embeddedValidator = sync.OnceValues(func() (*Validator, error) { return NewValidator(embedded) })

// Validate checks v (a plain value: map[string]any, []any, string, bool,
// int, float64, nil) against the embedded schema.
func Validate(v any) []Violation {
	val, err := embeddedValidator()
	if err != nil {
		return []Violation{{Keyword: "schema", Message: err.Error()}}
	}
	return val.Validate(v)
}

var perCatalog sync.Map // *steps.Catalog or useKey -> *catalogValidator

type catalogValidator struct {
	once sync.Once
	v    *Validator
	err  error
}

// ForCatalog returns the validator of the schema generated from cat,
// compiling it once per catalogue.
func ForCatalog(cat *steps.Catalog) (*Validator, error) {
	e, _ := perCatalog.LoadOrStore(cat, &catalogValidator{})
	cv := e.(*catalogValidator)
	cv.once.Do(func() {
		b, err := Generate(cat)
		if err != nil {
			cv.err = err
			return
		}
		cv.v, cv.err = NewValidator(b)
	})
	return cv.v, cv.err
}

// Use names the catalogue entries a playbook uses: the kinds of its
// resources, the actions of its steps and the queries of its data.
type Use struct {
	Kinds, Actions, Queries []string
}

// key is use as a map key: its names, sorted.
func (u Use) key() string {
	var b strings.Builder
	for _, l := range [][]string{u.Kinds, u.Actions, u.Queries} {
		for _, n := range slices.Compact(slices.Sorted(slices.Values(l))) {
			b.WriteString(n)
			b.WriteByte(',')
		}
		b.WriteByte(';')
	}
	return b.String()
}

// schemaOf returns the schema of the entry name of group (kind, action or
// query): its own, from of, when u is nil or uses it, else one accepting
// anything, which spares building and compiling it.
func (u *Use) schemaOf(group, name string, of func() map[string]any) map[string]any {
	if u == nil {
		return of()
	}
	used := u.Queries
	switch group {
	case "kind":
		used = u.Kinds
	case "action":
		used = u.Actions
	}
	if !slices.Contains(used, name) {
		return map[string]any{}
	}
	return of()
}

type useKey struct {
	cat *steps.Catalog
	use string
}

// ForUse returns the validator of the schema generated from cat in which
// only the entries of use have their own schemas and the others accept
// anything. An entry's schema applies only to the items that name it, so
// for a playbook that uses no other entry it reports what ForCatalog's
// validator reports, and it compiles a fraction of the schema. It compiles
// once per catalogue and use.
func ForUse(cat *steps.Catalog, use Use) (*Validator, error) {
	e, _ := perCatalog.LoadOrStore(useKey{cat, use.key()}, &catalogValidator{})
	cv := e.(*catalogValidator)
	cv.once.Do(func() {
		b, err := generate(cat, &use)
		if err != nil {
			cv.err = err
			return
		}
		cv.v, cv.err = NewValidator(b)
	})
	return cv.v, cv.err
}

// NewValidator compiles a playbook schema document.
func NewValidator(doc []byte) (*Validator, error) {
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("parse playbook schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(ID, root); err != nil {
		return nil, fmt.Errorf("add playbook schema: %w", err)
	}
	sch, err := c.Compile(ID)
	if err != nil {
		return nil, fmt.Errorf("compile playbook schema: %w", err)
	}
	var plain any
	if err := json.Unmarshal(doc, &plain); err != nil {
		return nil, fmt.Errorf("parse playbook schema: %w", err)
	}
	v := &Validator{sch: sch, resources: map[string]any{}, lists: splittable(sch), shapes: map[string]*shapes{}}
	for name, items := range v.lists {
		v.shapes[name] = newShapes(items)
	}
	v.index(ID, plain)
	return v, nil
}

// splittable returns the top-level properties of root that are lists whose
// only constraint is a schema for every item: validating each item on its
// own against that schema finds exactly what validating the whole document
// finds. None when root has keywords that look at the document as a whole.
func splittable(root *jsonschema.Schema) map[string]*jsonschema.Schema {
	if root.Ref != nil || root.AllOf != nil || root.AnyOf != nil || root.OneOf != nil || root.If != nil ||
		root.Not != nil || root.DependentSchemas != nil || root.Dependencies != nil || root.UnevaluatedProperties != nil ||
		root.DynamicRef != nil || root.RecursiveRef != nil || len(root.Extensions) > 0 {
		return nil
	}
	out := map[string]*jsonschema.Schema{}
	for name, p := range root.Properties {
		if p.Items2020 == nil || p.Ref != nil || p.AllOf != nil || p.AnyOf != nil || p.OneOf != nil || p.If != nil ||
			p.Not != nil || p.Enum != nil || p.Const != nil || p.MinItems != nil || p.MaxItems != nil || p.UniqueItems ||
			p.Contains != nil || p.PrefixItems != nil || p.UnevaluatedItems != nil || p.DynamicRef != nil ||
			p.RecursiveRef != nil || len(p.Extensions) > 0 {
			continue
		}
		out[name] = p.Items2020
	}
	return out
}

// index records every schema resource ($id) by absolute URL.
func (v *Validator) index(base string, node any) {
	switch n := node.(type) {
	case map[string]any:
		if id, ok := n["$id"].(string); ok {
			if u, err := url.Parse(base); err == nil {
				if r, err := u.Parse(id); err == nil {
					r.Fragment = ""
					base = r.String()
					v.resources[base] = n
				}
			}
		}
		for _, e := range n {
			v.index(base, e)
		}
	case []any:
		for _, e := range n {
			v.index(base, e)
		}
	}
}

// lookup returns the schema node at an absolute schema URL with a JSON
// pointer fragment.
func (v *Validator) lookup(loc string) (map[string]any, bool) {
	doc, frag, _ := strings.Cut(loc, "#")
	node, ok := v.resources[doc]
	if !ok {
		return nil, false
	}
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			if t, err := url.PathUnescape(tok); err == nil {
				tok = t
			}
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			switch n := node.(type) {
			case map[string]any:
				node = n[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(n) {
					return nil, false
				}
				node = n[i]
			default:
				return nil, false
			}
		}
	}
	m, ok := node.(map[string]any)
	return m, ok
}

// minPerWorker is the least number of list items worth a goroutine.
const minPerWorker = 64

// item is one element of a split list, validated on its own.
type item struct {
	list  string
	index int
	value any
}

// Validate checks v and returns its violations, sorted by path.
//
// The items of the top-level lists (resources, steps) are validated one by
// one against their item schema, on up to GOMAXPROCS goroutines, and the
// rest of the document with those lists left empty; the violations are the
// same as validating the whole document at once.
func (v *Validator) Validate(inst any) []Violation {
	doc, items := v.split(inst)
	out := v.violations(v.sch, doc, nil)
	if len(items) > 0 {
		out = append(out, v.validateItems(items)...)
	}
	return sortViolations(out)
}

// sortViolations sorts violations by path and message and drops those
// repeating an earlier one's path and message.
func sortViolations(out []Violation) []Violation {
	sort.SliceStable(out, func(i, j int) bool {
		a, b := strings.Join(out[i].Path, "\x00"), strings.Join(out[j].Path, "\x00")
		if a != b {
			return a < b
		}
		return out[i].Message < out[j].Message
	})
	return slices.CompactFunc(out, func(a, b Violation) bool {
		return slices.Equal(a.Path, b.Path) && a.Message == b.Message
	})
}

// split returns inst with its splittable lists emptied, and their items.
func (v *Validator) split(inst any) (any, []item) {
	m, ok := inst.(map[string]any)
	if !ok || len(v.lists) == 0 {
		return inst, nil
	}
	var items []item
	var doc map[string]any
	for _, name := range sortedMapKeys(m) {
		list, ok := m[name].([]any)
		if _, split := v.lists[name]; !ok || !split || len(list) == 0 {
			continue
		}
		if doc == nil {
			doc = maps.Clone(m)
		}
		doc[name] = []any{}
		for i, e := range list {
			items = append(items, item{list: name, index: i, value: e})
		}
	}
	if doc == nil {
		return inst, nil
	}
	return doc, items
}

// validateItems validates items against their list's item schema and
// returns the violations in item order. Items of the same shape (equal
// but for strings checked by type alone, see shape.go) are validated once:
// the others get the first one's violations under their own paths. The
// distinct shapes are validated in contiguous ranges on a bounded number of
// goroutines.
func (v *Validator) validateItems(items []item) []Violation {
	rep := make([]int, len(items)) // index in reps of each item's shape
	var reps []item
	byKey := map[string]int{}
	for i, it := range items {
		k := it.list + "\x00" + v.shapes[it.list].key(it.value)
		r, ok := byKey[k]
		if !ok {
			r = len(reps)
			byKey[k] = r
			reps = append(reps, it)
		}
		rep[i] = r
	}
	found := make([][]Violation, len(reps))
	check := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			found[r] = v.violations(v.lists[reps[r].list], reps[r].value, nil)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(reps)/minPerWorker)
	if workers <= 1 {
		check(0, len(reps))
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { check(w*len(reps)/workers, (w+1)*len(reps)/workers) })
		}
		wg.Wait()
	}
	var out []Violation
	for i, it := range items {
		for _, f := range found[rep[i]] {
			f.Path = append([]string{it.list, strconv.Itoa(it.index)}, f.Path...)
			out = append(out, f)
		}
	}
	return out
}

// violations validates inst against sch; prefix is inst's location in the
// document, prepended to every violation path.
func (v *Validator) violations(sch *jsonschema.Schema, inst any, prefix []string) []Violation {
	err := sch.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Violation{{Path: prefix, Keyword: "schema", Message: err.Error()}}
	}
	f := flattener{v: v, inst: inst, p: message.NewPrinter(language.English)}
	out := f.flatten(ve)
	if len(prefix) > 0 {
		for i := range out {
			out[i].Path = append(slices.Clone(prefix), out[i].Path...)
		}
	}
	return out
}

type flattener struct {
	v    *Validator
	inst any
	p    *message.Printer
}

func (f *flattener) flatten(e *jsonschema.ValidationError) []Violation {
	loc := e.InstanceLocation
	at := func(extra ...string) []string { return append(slices.Clone(loc), extra...) }
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference, *kind.Not:
		if len(e.Causes) == 0 {
			return []Violation{{Path: at(), Keyword: "schema", Message: k.LocalizedString(f.p)}}
		}
		var out []Violation
		for _, c := range e.Causes {
			out = append(out, f.flatten(c)...)
		}
		return out
	case *kind.OneOf:
		if len(k.Subschemas) > 1 {
			return []Violation{{Path: at(), Keyword: "oneOf", Message: "matches more than one alternative"}}
		}
		return f.branches(e)
	case *kind.AnyOf:
		return f.branches(e)
	case *kind.Required:
		var out []Violation
		for _, m := range k.Missing {
			out = append(out, Violation{Path: at(m), Keyword: "required", Message: fmt.Sprintf("missing required key %q", m)})
		}
		return out
	case *kind.AdditionalProperties:
		known := f.knownKeys(e.SchemaURL)
		var out []Violation
		for _, p := range k.Properties {
			out = append(out, Violation{Path: at(p), Keyword: "additionalProperties", Message: fmt.Sprintf("unknown key %q", p), Expected: known})
		}
		return out
	case *kind.PropertyNames:
		loc = f.holder(loc, k.Property)
		return []Violation{{Path: append(slices.Clone(loc), k.Property), Keyword: "propertyNames",
			Message: fmt.Sprintf("%q is not a valid name: use letters, digits and _, not starting with a digit", k.Property)}}
	case *kind.Type:
		want := k.Want
		if f.templated(e.SchemaURL, "/type") {
			want = slices.DeleteFunc(slices.Clone(want), func(t string) bool { return t == "string" })
		}
		return []Violation{{Path: at(), Keyword: "type", Message: fmt.Sprintf("expected %s, got %s", strings.Join(want, " or "), describe(f.value(loc)))}}
	case *kind.Enum:
		want := stringsOf(k.Want)
		return []Violation{{Path: at(), Keyword: "enum", Message: fmt.Sprintf("%s is not an accepted value", show(k.Got)), Expected: want}}
	case *kind.Const:
		return []Violation{{Path: at(), Keyword: "const", Message: fmt.Sprintf("expected %s, got %s", show(k.Want), show(k.Got)), Expected: stringsOf([]any{k.Want})}}
	case *kind.FalseSchema:
		if len(loc) > 0 {
			return []Violation{{Path: at(), Keyword: "additionalProperties", Message: fmt.Sprintf("unknown key %q", loc[len(loc)-1])}}
		}
	case *kind.Pattern:
		if k.Want == TemplatePattern {
			return f.notTemplate(e, at())
		}
		return []Violation{{Path: at(), Keyword: "pattern", Message: fmt.Sprintf("%s does not match the expected format %s", show(k.Got), k.Want)}}
	}
	keyword := "schema"
	if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
		keyword = kp[0]
	}
	return []Violation{{Path: at(), Keyword: keyword, Message: e.ErrorKind.LocalizedString(f.p)}}
}

// branches picks the most relevant alternative of a failed oneOf/anyOf: a
// branch whose discriminator (a const or enum on a direct child, or the
// type of the value itself) does not match is set aside; of the remaining
// ones the one with the fewest violations is reported. When every branch is
// set aside, the discriminator's accepted values are reported together.
func (f *flattener) branches(e *jsonschema.ValidationError) []Violation {
	loc := e.InstanceLocation
	var kept, rejected [][]Violation
	var templates []Violation
	for _, c := range e.Causes {
		vs := f.flatten(c)
		if len(vs) == 1 && vs[0].Keyword == keywordTemplate {
			templates = vs // the ${{ }} alternative: only reported alone
			continue
		}
		if discriminatorMiss(vs, len(loc)) {
			rejected = append(rejected, vs)
		} else {
			kept = append(kept, vs)
		}
	}
	if len(kept) > 0 {
		best := kept[0]
		for _, vs := range kept[1:] {
			if len(vs) < len(best) {
				best = vs
			}
		}
		// A branch missed only on a field with several accepted values
		// (mountServerSettingsType: linuks) is closer than a kept branch
		// with more errors: report its enum error, as editors do.
		for _, vs := range rejected {
			if len(vs) < len(best) && enumMiss(vs, len(loc)) {
				best = vs
			}
		}
		return best
	}
	if len(rejected) == 0 {
		return templates
	}
	// Every branch failed on its discriminator: merge what they accept.
	var want []string
	var types []string
	var path []string
	for _, vs := range rejected {
		for _, x := range vs {
			switch {
			case x.Keyword == "type" && len(x.Path) == len(loc):
				t, _, _ := strings.Cut(strings.TrimPrefix(x.Message, "expected "), ", got")
				types = append(types, strings.Split(t, " or ")...)
			case (x.Keyword == "const" || x.Keyword == "enum") && len(x.Path) <= len(loc)+1:
				want = append(want, x.Expected...)
				path = x.Path
			}
		}
	}
	if len(want) > 0 {
		want = dedupe(want)
		return []Violation{{Path: path, Keyword: "enum", Message: fmt.Sprintf("%s is not an accepted value", show(f.value(path))), Expected: want}}
	}
	types = dedupe(types)
	return []Violation{{Path: slices.Clone(loc), Keyword: "type", Message: fmt.Sprintf("expected %s, got %s", strings.Join(types, " or "), describe(f.value(loc)))}}
}

// enumMiss reports whether the branch failed its discriminator on an enum
// of several values (a mistyped value, not another branch's type or const).
// keywordTemplate marks the violation of the template alternative that
// acceptTemplates adds; branches drops it when another branch explains
// the problem.
const keywordTemplate = "template"

// templated reports whether the schema owning the failed keyword (its URL
// ends in suffix) is a typed value widened by acceptTemplates.
func (f *flattener) templated(schemaURL, suffix string) bool {
	s, ok := f.v.lookup(strings.TrimSuffix(schemaURL, suffix))
	return ok && s["pattern"] == TemplatePattern
}

// notTemplate reports a string that is not a template where acceptTemplates
// allowed one: for a widened typed value, as the type error it was before
// ("expected integer, got string "four""); for the template alternative of
// an anyOf, as a violation branches drops.
func (f *flattener) notTemplate(e *jsonschema.ValidationError, path []string) []Violation {
	s, _ := f.v.lookup(strings.TrimSuffix(e.SchemaURL, "/pattern"))
	var want []string
	for _, t := range typeList(s["type"]) {
		if t, ok := t.(string); ok && t != "string" {
			want = append(want, t)
		}
	}
	if len(want) == 0 {
		return []Violation{{Path: path, Keyword: keywordTemplate, Message: fmt.Sprintf("%s is not a ${{ }} template", describe(f.value(path)))}}
	}
	return []Violation{{Path: path, Keyword: "type", Message: fmt.Sprintf("expected %s, got %s", strings.Join(want, " or "), describe(f.value(path)))}}
}

func enumMiss(vs []Violation, depth int) bool {
	for _, x := range vs {
		if x.Keyword == "enum" && len(x.Path) == depth+1 && len(x.Expected) > 1 {
			return true
		}
	}
	return false
}

func discriminatorMiss(vs []Violation, depth int) bool {
	for _, x := range vs {
		if x.Keyword == "type" && len(x.Path) == depth {
			return true
		}
		if (x.Keyword == "const" || x.Keyword == "enum") && len(x.Path) == depth+1 {
			return true
		}
	}
	return false
}

// knownKeys returns the property names of the object schema that owns the
// failed additionalProperties keyword.
func (f *flattener) knownKeys(schemaURL string) []string {
	owner := strings.TrimSuffix(schemaURL, "/additionalProperties")
	s, ok := f.v.lookup(owner)
	if !ok {
		return nil
	}
	props, _ := s["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// holder returns the location of the mapping that has the key a
// propertyNames error is about. jsonschema/v6 reports such an error with a
// location slice it keeps appending to, so a sibling validated later may have
// overwritten it: when loc does not hold the key, the mapping at the same
// depth that does is searched for.
func (f *flattener) holder(loc []string, key string) []string {
	if m, ok := f.value(loc).(map[string]any); ok {
		if _, ok := m[key]; ok {
			return loc
		}
	}
	var found []string
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		if found != nil {
			return
		}
		if len(path) == len(loc) {
			if m, ok := v.(map[string]any); ok {
				if _, ok := m[key]; ok {
					found = slices.Clone(path)
				}
			}
			return
		}
		switch c := v.(type) {
		case map[string]any:
			for _, k := range sortedMapKeys(c) {
				walk(c[k], append(path, k))
			}
		case []any:
			for i, e := range c {
				walk(e, append(path, strconv.Itoa(i)))
			}
		}
	}
	walk(f.inst, make([]string, 0, len(loc)))
	if found == nil {
		return loc
	}
	return found
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// value returns the instance value at loc.
func (f *flattener) value(loc []string) any {
	cur := f.inst
	for _, tok := range loc {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func stringsOf(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if s, ok := v.(string); ok {
			out[i] = s
		} else {
			out[i] = show(v)
		}
	}
	return out
}

// show renders a scalar for a message: strings quoted, others as JSON.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// describe names a value's JSON type, with scalars shown.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + strconv.Quote(v)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case int, int64, uint64, float64, json.Number:
		if _, ok := v.(float64); ok {
			return "number " + show(v)
		}
		return "integer " + show(v)
	case map[string]any:
		return "mapping"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}
