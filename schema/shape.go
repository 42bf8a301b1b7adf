package schema

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A large playbook declares many resources that differ only in names,
// descriptions and paths: strings the schema checks for their type alone.
// Two list items that are equal once every such string is replaced by a
// placeholder have the same violations (the placeholder's strings can make
// no keyword pass or fail, and no message quotes them), so Validate checks
// one item of each shape and gives the others its violations under their
// own paths.
//
// A string is free at a path when every schema that may apply there (all
// branches of allOf, anyOf, oneOf, if/then/else and $ref, from every
// schema applying to its parents) constrains a string by type only, and no
// schema of a parent compares whole values (enum, const, uniqueItems, not,
// ...) or selects subschemas in ways not followed here (patternProperties,
// dependentSchemas, unevaluated*, dynamic references). Anything unknown
// makes a path opaque: its strings are kept as they are.

// shapes computes the shape keys of one list's items against its item
// schema, memoizing what it learns per path. Safe for concurrent use.
type shapes struct {
	root *pathInfo

	mu sync.Mutex
}

// pathInfo is what the schema says about the values at one path.
type pathInfo struct {
	applying []*jsonschema.Schema // every schema that may apply, expanded
	opaque   bool                 // nothing at or under this path is free
	free     bool                 // a string here is checked for its type only

	// props and item memoize the infos of the paths below: of a property
	// by name, and of a list item.
	props map[string]*pathInfo
	item  *pathInfo
}

func newShapes(root *jsonschema.Schema) *shapes {
	info := &pathInfo{}
	info.applying, info.opaque = expand([]*jsonschema.Schema{root})
	info.free = !info.opaque && stringsFree(info.applying)
	return &shapes{root: info}
}

// key returns v's shape key.
func (s *shapes) key(v any) string {
	b := make([]byte, 0, 512)
	s.mu.Lock()
	defer s.mu.Unlock()
	b = s.appendKey(b, s.root, v)
	return string(b)
}

// appendKey appends the shape of v, at a path with info, to b: mappings
// with their keys sorted, strings (and keys) as their length and bytes, or
// S for a free string. Callers hold mu.
func (s *shapes) appendKey(b []byte, info *pathInfo, v any) []byte {
	switch v := v.(type) {
	case map[string]any:
		var small [16]string
		keys := small[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for _, k := range keys {
			b = appendString(b, k)
			b = s.appendKey(b, info.child(k, false), v[k])
			b = append(b, ',')
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		item := info.child("", true)
		for _, e := range v {
			b = s.appendKey(b, item, e)
			b = append(b, ',')
		}
		return append(b, ']')
	case string:
		if info.free {
			return append(b, 'S')
		}
		return appendString(append(b, 's'), v)
	case nil:
		return append(b, 'n')
	case bool:
		return strconv.AppendBool(append(b, 'b'), v)
	case int:
		return strconv.AppendInt(append(b, 'i'), int64(v), 10)
	case float64:
		return strconv.AppendFloat(append(b, 'f'), v, 'g', -1, 64)
	}
	return fmt.Appendf(append(b, 'x'), "%T%#v", v, v)
}

// appendString appends s as its length, a colon and its bytes.
func appendString(b []byte, s string) []byte {
	return append(append(strconv.AppendInt(b, int64(len(s)), 10), ':'), s...)
}

// child returns the info of property key (or, with item, of a list item)
// of a value whose info is parent. Callers hold the shapes' mu.
func (parent *pathInfo) child(key string, item bool) *pathInfo {
	if item && parent.item != nil {
		return parent.item
	}
	if info, ok := parent.props[key]; ok && !item {
		return info
	}
	info := &pathInfo{opaque: parent.opaque}
	if !info.opaque {
		var direct []*jsonschema.Schema
		for _, sch := range parent.applying {
			sub, ok := under(sch, key, item)
			if !ok {
				info.opaque = true
				break
			}
			direct = append(direct, sub...)
		}
		if !info.opaque {
			info.applying, info.opaque = expand(direct)
			info.free = !info.opaque && stringsFree(info.applying)
		}
	}
	if info.opaque {
		info.applying = nil
	}
	if item {
		parent.item = info
		return info
	}
	if parent.props == nil {
		parent.props = map[string]*pathInfo{}
	}
	parent.props[key] = info
	return info
}

// under returns the schemas sch applies to its property key (or, with
// item, to its list items); false when it selects them in a way not
// followed here.
func under(sch *jsonschema.Schema, key string, item bool) ([]*jsonschema.Schema, bool) {
	if len(sch.PatternProperties) > 0 || sch.PrefixItems != nil || sch.AdditionalItems != nil {
		return nil, false
	}
	if item {
		var out []*jsonschema.Schema
		switch items := sch.Items.(type) {
		case nil:
		case *jsonschema.Schema:
			out = append(out, items)
		default:
			return nil, false
		}
		if sch.Items2020 != nil {
			out = append(out, sch.Items2020)
		}
		return out, true
	}
	if p, ok := sch.Properties[key]; ok {
		return []*jsonschema.Schema{p}, true
	}
	if a, ok := sch.AdditionalProperties.(*jsonschema.Schema); ok {
		return []*jsonschema.Schema{a}, true
	}
	return nil, true
}

// expand returns schemas with every schema they may bring in (references,
// allOf, anyOf, oneOf, if, then, else), each once, and whether one of them
// compares whole values or uses keywords not followed here.
func expand(schemas []*jsonschema.Schema) ([]*jsonschema.Schema, bool) {
	var out []*jsonschema.Schema
	seen := map[*jsonschema.Schema]bool{}
	queue := slices.Clone(schemas)
	for len(queue) > 0 {
		sch := queue[0]
		queue = queue[1:]
		if sch == nil || seen[sch] {
			continue
		}
		seen[sch] = true
		if !transparent(sch) {
			return nil, true
		}
		out = append(out, sch)
		queue = append(queue, sch.Ref, sch.If, sch.Then, sch.Else)
		queue = append(queue, sch.AllOf...)
		queue = append(queue, sch.AnyOf...)
		queue = append(queue, sch.OneOf...)
	}
	return out, false
}

// transparent reports whether sch checks a value only through keywords
// that look at one part of it at a time (types, properties, items, counts,
// required keys, subschemas) and none that compares the whole value.
func transparent(sch *jsonschema.Schema) bool {
	return sch.Enum == nil && sch.Const == nil && sch.Not == nil && !sch.UniqueItems && sch.Contains == nil &&
		sch.DynamicRef == nil && sch.RecursiveRef == nil && len(sch.Extensions) == 0 &&
		sch.UnevaluatedProperties == nil && sch.UnevaluatedItems == nil && len(sch.Dependencies) == 0 &&
		len(sch.DependentSchemas) == 0 && sch.ContentSchema == nil
}

// stringsFree reports whether every schema checks a string by its type
// alone.
func stringsFree(schemas []*jsonschema.Schema) bool {
	for _, sch := range schemas {
		if sch.Types != nil && !slices.Contains(sch.Types.ToStrings(), "string") {
			return false
		}
		if sch.Format != nil || sch.MinLength != nil || sch.MaxLength != nil || !isNil(sch.Pattern) ||
			sch.ContentEncoding != nil || sch.ContentMediaType != nil {
			return false
		}
	}
	return true
}

// isNil reports whether an interface holds nothing or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func:
		return rv.IsNil()
	}
	return false
}
