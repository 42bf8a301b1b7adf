package steps

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file implements the `where` of actions: a map of field to wanted
// value, matched against live objects (case-insensitively, as vendor enum
// casing differs between revisions) and pushed down to VSPC as its filter
// JSON. Arbitrary expressions belong in a data query's `where:` feeding a
// step's for_each; the engine evaluates those.

// matchWhere reports whether d has every field of where: a scalar must
// equal the field (ignoring case), a list must contain it.
func matchWhere(d Doc, where Doc) bool {
	for _, k := range slices.Sorted(maps.Keys(where)) {
		got := fieldAt(d, k)
		if !matchValue(got, where[k]) {
			return false
		}
	}
	return true
}

func matchValue(got, want any) bool {
	if l := asList(want); l != nil {
		for _, w := range l {
			if matchValue(got, w) {
				return true
			}
		}
		return false
	}
	if want == nil {
		return got == nil
	}
	gs, ws := scalarString(got), scalarString(want)
	if gs == "" && ws == "" {
		return got == nil && want == nil
	}
	return strings.EqualFold(gs, ws)
}

// fieldAt follows a dotted path of map keys.
func fieldAt(d Doc, path string) any {
	var cur any = d
	for _, p := range strings.Split(path, ".") {
		m, ok := asMap(cur)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// vspcFilter renders where as the VSPC filter query parameter: a JSON array
// of {property, operation, collation, value} with equals (or in, for a
// list) compared ignoring case.
func vspcFilter(where Doc) (string, error) {
	var out []map[string]any
	for _, k := range slices.Sorted(maps.Keys(where)) {
		v := where[k]
		f := map[string]any{"property": k, "operation": "equals", "collation": "ignorecase", "value": v}
		if l := asList(v); l != nil {
			f["operation"] = "in"
			f["value"] = l
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return "", nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode filter: %w", err)
	}
	return string(b), nil
}

// mergeVSPCFilter appends raw filter objects to an encoded filter.
func mergeVSPCFilter(encoded string, raw []any) (string, error) {
	var all []any
	if encoded != "" {
		if err := json.Unmarshal([]byte(encoded), &all); err != nil {
			return "", fmt.Errorf("decode filter: %w", err)
		}
	}
	all = append(all, raw...)
	b, err := json.Marshal(all)
	if err != nil {
		return "", fmt.Errorf("encode filter: %w", err)
	}
	return string(b), nil
}
