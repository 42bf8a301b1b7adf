package steps

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// This file holds small typed accessors on JSON-like documents that
// several entries share; copies and merges are jsondoc's.

// withoutKeys returns a shallow copy of d without keys.
func withoutKeys(d Doc, keys ...string) Doc {
	if d == nil {
		return nil
	}
	out := make(Doc, len(d))
	for k, v := range d {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func asMap(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
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
	case []map[string]any:
		out := make([]any, len(t))
		for i, m := range t {
			out[i] = m
		}
		return out
	}
	return nil
}

// str returns d[key] as a string ("" when absent or not a string).
func str(d Doc, key string) string {
	s, _ := d[key].(string)
	return s
}

// scalarString renders a scalar (string, number, bool) as text; other values
// give "".
func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(t)
	case float32, float64:
		return strconv.FormatFloat(toFloat(t), 'f', -1, 64)
	}
	return ""
}

func toFloat(v any) float64 {
	switch t := v.(type) {
	case float32:
		return float64(t)
	case float64:
		return t
	}
	return 0
}

// stringList returns the value as a list of strings: a single string gives a
// one-element list, a list keeps its string elements.
func stringList(v any) []string {
	if s, ok := v.(string); ok {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var out []string
	for _, e := range asList(v) {
		if s := scalarString(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// boolOf reads d[key] as a boolean, accepting the string forms the vendor
// examples use ("true").
func boolOf(d Doc, key string) bool {
	switch t := d[key].(type) {
	case bool:
		return t
	case string:
		b, _ := strconv.ParseBool(t)
		return b
	}
	return false
}

// objectOf builds an Object from a live document.
func objectOf(d Doc) Object {
	return Object{ID: scalarString(d["id"]), Name: str(d, "name"), Doc: d}
}

// quoteList renders names for summaries: "a, b, c".
func quoteList(names []string) string { return strings.Join(names, ", ") }
