package vbrsim

import (
	"fmt"
	"strings"
)

// checkBody checks a request body of a generic operation against the
// revision's schema: types, required fields, enums and uuid/date-time
// formats (enums case-insensitively, as the vendor's .NET binder reads
// them), through $ref, allOf and oneOf/anyOf (the discriminator picks the
// branch). It returns "" when the body fits, else the first mismatch as
// "path: problem". It is the quick check the simulator always runs;
// --strict adds the full vendor validation on top.
func (m *revModel) checkBody(s any, v any, path string, depth int) string {
	sm := m.deref(s)
	if sm == nil || depth > hardGenDepth {
		return ""
	}
	if v == nil {
		if n, _ := sm["nullable"].(bool); n || len(sm) == 0 {
			return ""
		}
	}
	for _, p := range asList(sm["allOf"]) {
		if bad := m.checkBody(p, v, path, depth+1); bad != "" {
			return bad
		}
	}
	branches := append(asList(sm["oneOf"]), asList(sm["anyOf"])...)
	if disc, ok := sm["discriminator"].(map[string]any); ok {
		prop, _ := disc["propertyName"].(string)
		mapping, _ := disc["mapping"].(map[string]any)
		obj, _ := v.(map[string]any)
		val, _ := obj[prop].(string)
		if prop != "" && len(mapping) > 0 {
			if val == "" {
				return fmt.Sprintf("%s: property %q is missing", orRoot(path), prop)
			}
			ref, ok := mapping[val]
			for k, r := range mapping {
				if !ok && strings.EqualFold(k, val) {
					ref, ok = r, true
				}
			}
			if !ok {
				return fmt.Sprintf("%s/%s: value %q is not one of %s", path, prop, val, strings.Join(sortedKeys(mapping), ", "))
			}
			branches = []any{map[string]any{"$ref": ref}}
		}
	}
	if len(branches) > 0 {
		first := ""
		for _, b := range branches {
			bad := m.checkBody(b, v, path, depth+1)
			if bad == "" {
				first = ""
				break
			}
			if first == "" {
				first = bad
			}
		}
		if first != "" {
			return first
		}
	}
	switch sm["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: must be an object", orRoot(path))
		}
		for _, r := range asList(sm["required"]) {
			if name, _ := r.(string); name != "" {
				if _, has := obj[name]; !has {
					return fmt.Sprintf("%s: property %q is missing", orRoot(path), name)
				}
			}
		}
		props, _ := sm["properties"].(map[string]any)
		for _, k := range sortedKeys(obj) {
			if ps, ok := props[k]; ok {
				if bad := m.checkBody(ps, obj[k], path+"/"+k, depth+1); bad != "" {
					return bad
				}
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("%s: must be an array", orRoot(path))
		}
		for i, e := range arr {
			if bad := m.checkBody(sm["items"], e, fmt.Sprintf("%s/%d", path, i), depth+1); bad != "" {
				return bad
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Sprintf("%s: must be a string", orRoot(path))
		}
		if enum := asList(sm["enum"]); len(enum) > 0 {
			found := false
			var names []string
			for _, e := range enum {
				es, _ := e.(string)
				names = append(names, es)
				found = found || strings.EqualFold(es, str)
			}
			if !found {
				return fmt.Sprintf("%s: value %q is not one of %s", orRoot(path), str, strings.Join(names, ", "))
			}
		}
		if f, _ := sm["format"].(string); !fitsFormat(f, str) {
			return fmt.Sprintf("%s: must be a %s string", orRoot(path), f)
		}
	case "integer", "number":
		if _, ok := num(v); !ok {
			return fmt.Sprintf("%s: must be a number", orRoot(path))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("%s: must be a boolean", orRoot(path))
		}
	}
	return ""
}
