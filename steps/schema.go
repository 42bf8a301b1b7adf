package steps

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file builds the JSON Schemas (2020-12) of the entries and reads them
// back as documented fields for `vplay describe`.

// schemaObject is an object schema with the given properties; required
// lists the required ones. Unknown keys are rejected so typos are caught
// by `vplay validate`.
func schemaObject(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// prop is a typed property with a description.
func prop(typ, doc string) map[string]any {
	return map[string]any{"type": typ, "description": doc}
}

// enumProp is a string property limited to values.
func enumProp(doc string, values ...string) map[string]any {
	return map[string]any{"type": "string", "description": doc, "enum": values}
}

// listOf is an array property of items.
func listOf(doc string, items map[string]any) map[string]any {
	return map[string]any{"type": "array", "description": doc, "items": items}
}

// oneOrMany accepts a string or a non-empty list of strings.
func oneOrMany(doc string) map[string]any {
	return map[string]any{
		"description": doc,
		"oneOf": []any{
			map[string]any{"type": "string", "minLength": 1},
			map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 1},
		},
	}
}

// whereProp is the field-equality filter some actions take.
func whereProp(doc string) map[string]any {
	return map[string]any{
		"type":          "object",
		"description":   doc + " Each key is a field (dotted for nested fields) and each value the value it must equal; a list value matches any of its elements; all keys must match.",
		"minProperties": 1,
	}
}

// anyOfRequired says at least one of the keys must be present.
func anyOfRequired(s map[string]any, keys ...string) map[string]any {
	var alts []any
	for _, k := range keys {
		alts = append(alts, map[string]any{"required": []any{k}})
	}
	s["anyOf"] = alts
	return s
}

// jsonSchema normalises a schema built from Go literals into the shape
// encoding/json produces ([]any, float64, map[string]any), which is what
// schema compilers and generators expect.
func jsonSchema(s map[string]any) map[string]any {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("steps: schema does not marshal: %v", err)) // a broken literal in this package
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("steps: schema does not unmarshal: %v", err))
	}
	return out
}

// SchemaFields lists the documented fields of an entry schema for `vplay
// describe`: top-level properties and one level of nested object
// properties (as "parent.child"), merging the branches of allOf, oneOf,
// anyOf and if/then/else and following local "#/$defs/..." references.
func SchemaFields(schema map[string]any) []Field {
	fs := map[string]*Field{}
	collectFields(schema, schema, "", 0, true, fs, map[string]bool{})
	out := make([]Field, 0, len(fs))
	for _, f := range fs {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return out
}

const maxFieldDepth = 2

func collectFields(root, s map[string]any, prefix string, depth int, direct bool, fs map[string]*Field, seen map[string]bool) {
	if s == nil || depth >= maxFieldDepth {
		return
	}
	if ref, ok := s["$ref"].(string); ok {
		if seen[ref] {
			return
		}
		seen[ref] = true
		defer delete(seen, ref)
		collectFields(root, resolveLocalRef(root, ref), prefix, depth, direct, fs, seen)
	}
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		for _, b := range asList(s[key]) {
			bm, _ := asMap(b)
			r := root
			if _, ok := bm["$id"]; ok {
				// A branch that is a schema resource of its own (one
				// revision of anyRevision) resolves its references
				// against itself.
				r = bm
			}
			// Branches of a choice are alternatives: their required
			// keys are not required overall.
			collectFields(r, bm, prefix, depth, direct && key == "allOf", fs, seen)
		}
	}
	for _, key := range []string{"then", "else"} {
		// Conditional branches (a oneOf closed into if/then, see
		// closeSchema) are alternatives too.
		if bm, ok := asMap(s[key]); ok {
			collectFields(root, bm, prefix, depth, false, fs, seen)
		}
	}
	required := map[string]bool{}
	for _, r := range asList(s["required"]) {
		if rs, ok := r.(string); ok {
			required[rs] = true
		}
	}
	props, _ := asMap(s["properties"])
	for name, p := range props {
		pm, _ := asMap(p)
		full := name
		if prefix != "" {
			full = prefix + "." + name
		}
		resolved := pm
		if ref, ok := pm["$ref"].(string); ok {
			if r := resolveLocalRef(root, ref); r != nil {
				resolved = r
			}
		}
		f, ok := fs[full]
		if !ok {
			f = &Field{Name: full}
			fs[full] = f
		}
		if f.Type == "" {
			f.Type = schemaType(root, resolved)
		}
		if f.Doc == "" {
			f.Doc, _ = resolved["description"].(string)
			if f.Doc == "" {
				f.Doc, _ = pm["description"].(string)
			}
		}
		if direct && required[name] {
			f.Required = true
		}
		switch {
		case f.Type == "object":
			collectFields(root, resolved, full, depth+1, direct && required[name], fs, seen)
		case f.Type == "any" && resolved["allOf"] != nil:
			// Alternatives told apart by if/then (see markerDispatch):
			// an object when any of them declares fields.
			before := len(fs)
			collectFields(root, resolved, full, depth+1, false, fs, seen)
			if len(fs) > before {
				f.Type = "object"
			}
		}
	}
}

func resolveLocalRef(root map[string]any, ref string) map[string]any {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = root
	for _, seg := range strings.Split(p, "/") {
		m, ok := asMap(cur)
		if !ok {
			return nil
		}
		cur = m[strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")]
	}
	m, _ := asMap(cur)
	return m
}

func schemaType(root, s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		if t == "array" {
			if items, ok := asMap(s["items"]); ok {
				if ref, ok := items["$ref"].(string); ok {
					items = resolveLocalRef(root, ref)
				}
				if it := schemaType(root, items); it != "" {
					return it + "[]"
				}
			}
		}
		return t
	case []any:
		var parts []string
		for _, e := range t {
			parts = append(parts, scalarString(e))
		}
		return strings.Join(parts, "|")
	}
	if _, ok := s["enum"]; ok {
		return "string"
	}
	var alts []string
	for _, b := range asList(s["oneOf"]) {
		bm, _ := asMap(b)
		if t := schemaType(root, bm); t != "" && !slices.Contains(alts, t) {
			alts = append(alts, t)
		}
	}
	if len(alts) > 0 {
		return strings.Join(alts, "|")
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	return "any"
}
