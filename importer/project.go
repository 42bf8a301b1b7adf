package importer

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// This file projects a live document through a spec schema: what remains is
// what a client may send. The schemas are the JSON Schemas the steps
// catalogue builds from the vendor request schemas (local $refs, allOf,
// oneOf/anyOf and if/then/else on a discriminator).

// maxDepth bounds how deep documents and schemas are followed.
const maxDepth = 64

// projector projects values through one schema document.
type projector struct {
	root map[string]any // the schema document, for local $refs
}

// Project returns the part of v that schema lets a client set: object keys
// the schema does not declare, or declares readOnly, are dropped, and so
// are optional values equal to the documented default; list items are
// projected through the item schema. A schema that declares no properties
// for an object keeps the object as it is.
func Project(schema map[string]any, v any) any {
	p := projector{root: schema}
	return p.value(schema, v, 0)
}

// resolve follows local $refs ("#/$defs/X").
func (p projector) resolve(s map[string]any) map[string]any {
	for range maxDepth {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		t := localRef(p.root, ref)
		if t == nil {
			return s
		}
		s = t
	}
	return s
}

func localRef(root map[string]any, ref string) map[string]any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = root
	for _, seg := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")]
	}
	m, _ := cur.(map[string]any)
	return m
}

// shape is what the schema nodes that apply to one object declare.
type shape struct {
	props    map[string][]map[string]any // property -> every schema given for it
	required map[string]bool
	open     bool // some node leaves the object's keys open
	items    []map[string]any
}

func (p projector) value(s map[string]any, v any, depth int) any {
	if depth > maxDepth || s == nil {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		sh := shape{props: map[string][]map[string]any{}, required: map[string]bool{}}
		p.gather(s, t, &sh, depth)
		return p.object(t, &sh, depth)
	case []any:
		sh := shape{props: map[string][]map[string]any{}, required: map[string]bool{}}
		p.gather(s, nil, &sh, depth)
		if len(sh.items) == 0 {
			return t
		}
		out := make([]any, len(t))
		for i, it := range t {
			out[i] = p.values(sh.items, it, depth+1)
		}
		return out
	}
	return v
}

// values projects v through several schemas that all apply to it: an
// object keeps the keys any of them declares.
func (p projector) values(ss []map[string]any, v any, depth int) any {
	if len(ss) == 1 {
		return p.value(ss[0], v, depth)
	}
	return p.value(map[string]any{"allOf": toAny(ss)}, v, depth)
}

func toAny(ss []map[string]any) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// gather collects what the schema nodes applying to obj declare.
func (p projector) gather(s map[string]any, obj map[string]any, sh *shape, depth int) {
	if depth > maxDepth {
		return
	}
	s = p.resolve(s)
	props, hasProps := s["properties"].(map[string]any)
	for k, ps := range props {
		if m, ok := ps.(map[string]any); ok {
			sh.props[k] = append(sh.props[k], m)
		}
	}
	for _, r := range asList(s["required"]) {
		if k, ok := r.(string); ok {
			sh.required[k] = true
		}
	}
	if it, ok := s["items"].(map[string]any); ok {
		sh.items = append(sh.items, it)
	}
	composed := false
	for _, m := range maps(s["allOf"]) {
		composed = true
		p.gather(m, obj, sh, depth+1)
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		for _, m := range maps(s[key]) {
			composed = true
			if p.admits(m, obj, depth+1) {
				p.gather(m, obj, sh, depth+1)
			}
		}
	}
	if ifs, ok := s["if"].(map[string]any); ok {
		composed = true
		branch := "else"
		if p.admits(ifs, obj, depth+1) {
			branch = "then"
		}
		if m, ok := s[branch].(map[string]any); ok {
			p.gather(m, obj, sh, depth+1)
		}
	}
	if !hasProps && !composed && s["additionalProperties"] != false && (s["type"] == nil || s["type"] == "object") {
		sh.open = true
	}
	if _, ok := s["additionalProperties"].(map[string]any); ok && !hasProps {
		sh.open = true
	}
}

// admits reports whether the discriminating parts of s (required keys,
// const and single-valued enum properties) hold for obj; other constraints
// are not checked.
func (p projector) admits(s map[string]any, obj map[string]any, depth int) bool {
	return p.admitsBy(s, obj, depth, true)
}

// admitsBy is admits, with or without checking the required keys (a
// branch may require the very fields a projected value lacks).
func (p projector) admitsBy(s map[string]any, obj map[string]any, depth int, required bool) bool {
	if depth > maxDepth {
		return true
	}
	s = p.resolve(s)
	for _, r := range asList(s["required"]) {
		if !required {
			break
		}
		if k, ok := r.(string); ok {
			if _, has := obj[k]; !has {
				return false
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	for k, ps := range props {
		m, _ := ps.(map[string]any)
		got, has := obj[k]
		if m == nil || !has {
			continue
		}
		// A $ref may have siblings (a const pinning the referenced enum):
		// check the node and what it refers to.
		for _, n := range []map[string]any{m, p.resolve(m)} {
			if c, ok := n["const"]; ok && !sameScalar(c, got) {
				return false
			}
			if e := asList(n["enum"]); len(e) > 0 && !slices.ContainsFunc(e, func(x any) bool { return sameScalar(x, got) }) {
				return false
			}
		}
	}
	for _, m := range maps(s["allOf"]) {
		if !p.admitsBy(m, obj, depth+1, required) {
			return false
		}
	}
	return true
}

// sameScalar compares scalars; strings ignore case, as the vendor's enum
// spellings changed case between revisions.
func sameScalar(a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		return strings.EqualFold(as, bs)
	}
	return reflect.DeepEqual(a, b)
}

func (p projector) object(obj map[string]any, sh *shape, depth int) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		ss, declared := sh.props[k]
		if !declared {
			if sh.open && len(sh.props) == 0 {
				out[k] = v
			}
			continue
		}
		if readOnly(p, ss) {
			continue
		}
		pv := p.values(ss, v, depth+1)
		if !sh.required[k] && (isDefault(p, ss, pv) || isEmptyObject(pv)) {
			continue
		}
		out[k] = pv
	}
	return out
}

func readOnly(p projector, ss []map[string]any) bool {
	for _, s := range ss {
		if s["readOnly"] == true || p.resolve(s)["readOnly"] == true {
			return true
		}
	}
	return false
}

// isDefault reports whether v is the documented default of its schema.
func isDefault(p projector, ss []map[string]any, v any) bool {
	for _, s := range ss {
		for _, m := range []map[string]any{s, p.resolve(s)} {
			if d, ok := m["default"]; ok && equalJSON(d, v) {
				return true
			}
		}
	}
	return false
}

func isEmptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

// equalJSON compares decoded JSON values, numbers by value.
func equalJSON(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func maps(v any) []map[string]any {
	var out []map[string]any
	for _, x := range asList(v) {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func asList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	return nil
}

// number returns a decoded JSON number as a float64.
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	}
	return 0, false
}

// missingField is a key the schema requires that a projected value lacks:
// a create-only field the server never returns.
type missingField struct {
	path   string           // dotted, from the spec root
	schema []map[string]any // every schema given for it
}

// missingRequired lists the keys schema requires that v (a projected
// spec) lacks, through the objects v has, sorted by path. Lists are not
// entered: their items are whole values the server returned.
func missingRequired(schema map[string]any, v any) []missingField {
	p := projector{root: schema}
	var out []missingField
	p.missing(schema, v, "", 0, &out)
	slices.SortFunc(out, func(a, b missingField) int { return strings.Compare(a.path, b.path) })
	return out
}

func (p projector) missing(s map[string]any, v any, prefix string, depth int, out *[]missingField) {
	obj, ok := v.(map[string]any)
	if !ok || depth > maxDepth {
		return
	}
	sh := shape{props: map[string][]map[string]any{}, required: map[string]bool{}}
	p.gather(s, obj, &sh, depth)
	req := map[string]bool{}
	p.requiredOf(s, obj, req, depth)
	for _, k := range sortedKeys(req) {
		if _, has := obj[k]; !has && len(sh.props[k]) > 0 && !readOnly(p, sh.props[k]) {
			*out = append(*out, missingField{path: prefix + k, schema: sh.props[k]})
		}
	}
	for _, k := range sortedKeys(obj) {
		if ss := sh.props[k]; len(ss) > 0 {
			p.missing(map[string]any{"allOf": toAny(ss)}, obj[k], prefix+k+".", depth+1, out)
		}
	}
}

// requiredOf collects the keys the schema nodes applying to obj require
// for certain: a oneOf or anyOf adds its branch's only when exactly one
// branch admits obj by its discriminators (several admitted branches may
// require different keys, and a closed schema takes only one branch's).
func (p projector) requiredOf(s map[string]any, obj map[string]any, req map[string]bool, depth int) {
	if depth > maxDepth {
		return
	}
	s = p.resolve(s)
	for _, r := range asList(s["required"]) {
		if k, ok := r.(string); ok {
			req[k] = true
		}
	}
	for _, m := range maps(s["allOf"]) {
		p.requiredOf(m, obj, req, depth+1)
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		var admitted []map[string]any
		for _, m := range maps(s[key]) {
			if p.admitsBy(m, obj, depth+1, false) {
				admitted = append(admitted, m)
			}
		}
		if len(admitted) == 1 {
			p.requiredOf(admitted[0], obj, req, depth+1)
		}
	}
	if ifs, ok := s["if"].(map[string]any); ok {
		branch := "else"
		if p.admits(ifs, obj, depth+1) {
			branch = "then"
		}
		if m, ok := s[branch].(map[string]any); ok {
			p.requiredOf(m, obj, req, depth+1)
		}
	}
}

// placeholder is a value of schema standing for a required field import
// cannot read: its const, default, first enum value or example, else the
// zero of its type (a string says what to do).
func placeholder(root map[string]any, ss []map[string]any) any {
	return projector{root: root}.placeholder(ss, 0)
}

func (p projector) placeholder(ss []map[string]any, depth int) any {
	for _, s := range ss {
		if depth > maxDepth {
			return nil
		}
		r := p.resolve(s)
		for _, m := range maps(r["allOf"]) {
			r = p.resolve(m)
		}
		if c, ok := r["const"]; ok {
			return c
		}
		if d, ok := r["default"]; ok {
			return d
		}
		if e := asList(r["enum"]); len(e) > 0 {
			return e[0]
		}
		if ex, ok := r["example"]; ok {
			return ex
		}
		switch r["type"] {
		case "boolean":
			return false
		case "integer", "number":
			if m, ok := r["minimum"]; ok {
				return m
			}
			return 0
		case "array":
			return []any{}
		case "object":
			out := map[string]any{}
			var fs []missingField
			p.missing(r, out, "", 0, &fs)
			for _, f := range fs {
				out[f.path] = p.placeholder(f.schema, depth+1)
			}
			return out
		case "string":
			if r["format"] == "uuid" {
				return "00000000-0000-0000-0000-000000000000"
			}
			return "FILL-ME"
		}
	}
	return "FILL-ME"
}
