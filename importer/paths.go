package importer

import "strings"

// This file edits documents at dotted paths; a path crosses every element
// of the lists it meets ("performanceTier.performanceExtents.id").

// removePath deletes the value at a dotted path.
func removePath(v any, p string) {
	head, rest, more := strings.Cut(p, ".")
	switch t := v.(type) {
	case map[string]any:
		if !more {
			delete(t, head)
			return
		}
		removePath(t[head], rest)
	case []any:
		for _, it := range t {
			removePath(it, p)
		}
	}
}

// mapPath replaces every value at a dotted path with f of it.
func mapPath(v any, p string, f func(any) any) {
	head, rest, more := strings.Cut(p, ".")
	switch t := v.(type) {
	case map[string]any:
		cur, ok := t[head]
		if !ok {
			return
		}
		if !more {
			if l, isList := cur.([]any); isList {
				for i, it := range l {
					l[i] = f(it)
				}
				return
			}
			t[head] = f(cur)
			return
		}
		mapPath(cur, rest, f)
	case []any:
		for _, it := range t {
			mapPath(it, p, f)
		}
	}
}

// setPath sets the value at a dotted path of an object, creating the
// objects on the way; it reports false when a list or a scalar is in the
// way.
func setPath(m map[string]any, p string, v any) bool {
	head, rest, more := strings.Cut(p, ".")
	if !more {
		m[head] = v
		return true
	}
	next, ok := m[head].(map[string]any)
	if !ok {
		if _, exists := m[head]; exists {
			return false
		}
		next = map[string]any{}
		m[head] = next
	}
	return setPath(next, rest, v)
}
