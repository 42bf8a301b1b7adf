package engine

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine/eval"
)

// compareSpec returns the declared fields of want that differ from live,
// sorted by path. Only paths present in want are compared, so server
// defaults and generated fields never cause a diff; readOnly paths are
// skipped; normalize (may be nil) rewrites both sides before comparison.
func compareSpec(want, live map[string]any, readOnly, sensitive []string, normalize func(string, any) any) []FieldDiff {
	c := comparer{readOnly: readOnly, sensitive: sensitive, normalize: normalize}
	c.object("", want, live)
	slices.SortFunc(c.out, func(a, b FieldDiff) int { return strings.Compare(a.Path, b.Path) })
	return c.out
}

type comparer struct {
	readOnly, sensitive []string
	normalize           func(string, any) any
	out                 []FieldDiff
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (c *comparer) object(prefix string, want, live map[string]any) {
	for k, w := range want {
		path := join(prefix, k)
		if slices.Contains(c.readOnly, path) {
			continue
		}
		if w != nil && c.normalize != nil && c.normalize(path, w) == nil {
			continue // the kind does not compare this field (create-only)
		}
		l, ok := live[k]
		if !ok || l == nil {
			if w == nil {
				continue
			}
			c.add(FieldDiff{Path: path, Op: FieldAdd, After: w})
			continue
		}
		wm, wIsMap := w.(map[string]any)
		lm, lIsMap := l.(map[string]any)
		if wIsMap && lIsMap {
			c.object(path, wm, lm)
			continue
		}
		if !c.equal(path, w, l) {
			c.add(FieldDiff{Path: path, Op: FieldChange, Before: c.shown(path, w, l), After: w})
		}
	}
}

// shown is the live side of a changed list as the comparison saw it: the
// kind's normalized value, its objects reduced to the keys the playbook
// declares. So server-generated or server-filled fields (extent ids and
// status) never appear in a diff, and unchanged elements match the
// declared ones for an element-level display. Other values are shown as
// the server has them.
func (c *comparer) shown(path string, want, live any) any {
	if _, ok := live.([]any); !ok {
		return live
	}
	if c.normalize != nil {
		live = c.normalize(path, live)
	}
	return project(want, live)
}

// project keeps, in the objects of live, only the keys want declares. For
// lists, the keys declared by any element of want apply to every element
// of live (lists compare as wholes, so elements have no fixed partner).
func project(want, live any) any {
	switch l := live.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			return live
		}
		out := make(map[string]any, len(w))
		for k, lv := range l {
			if wv, declared := w[k]; declared {
				out[k] = project(wv, lv)
			}
		}
		return out
	case []any:
		w, ok := want.([]any)
		if !ok {
			return live
		}
		shape := listShape(w)
		out := make([]any, len(l))
		for i, e := range l {
			if shape == nil {
				out[i] = e
				continue
			}
			out[i] = project(shape, e)
		}
		return out
	}
	return live
}

// listShape merges the declared objects of a list into one object holding
// every key any of them declares; nil when the list declares no object.
func listShape(want []any) any {
	var shape map[string]any
	for _, e := range want {
		m, ok := eval.Reveal(e).(map[string]any)
		if !ok {
			continue
		}
		if shape == nil {
			shape = map[string]any{}
		}
		for k, v := range m {
			if prev, ok := shape[k].(map[string]any); ok {
				if vm, ok := v.(map[string]any); ok {
					shape[k] = mergeDeep(prev, vm)
					continue
				}
			}
			if _, seen := shape[k]; !seen {
				shape[k] = v
			}
		}
	}
	if shape == nil {
		return nil
	}
	return shape
}

func (c *comparer) add(d FieldDiff) {
	if c.isSensitive(d.Path) || eval.IsSensitive(d.Before) || eval.IsSensitive(d.After) {
		d.Sensitive = true
		if d.Before != nil {
			d.Before = Sensitive
		}
		if d.After != nil {
			d.After = Sensitive
		}
	}
	c.out = append(c.out, d)
}

func (c *comparer) isSensitive(path string) bool {
	for _, s := range c.sensitive {
		if path == s || strings.HasPrefix(path, s+".") {
			return true
		}
	}
	return false
}

// equal compares a declared value with a live one: numbers by value, lists
// as wholes (element by element, declared fields only inside objects).
func (c *comparer) equal(path string, want, live any) bool {
	if c.normalize != nil {
		want, live = c.normalize(path, want), c.normalize(path, live)
	}
	return valueEqual(want, live)
}

// valueEqual reports whether a declared value matches a live value. Maps
// compare on the declared keys only; lists must have the same length and
// matching elements; numbers compare by value (3 == 3.0); secrets compare
// by their plain value.
func valueEqual(want, live any) bool {
	want = eval.Reveal(want)
	if wn, ok := asNumber(want); ok {
		ln, ok := asNumber(live)
		return ok && wn.Cmp(ln) == 0
	}
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			lv, present := l[k]
			if wv == nil && (!present || lv == nil) {
				continue
			}
			if !present || !valueEqual(wv, lv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return false
		}
		for i := range w {
			if !valueEqual(w[i], l[i]) {
				return false
			}
		}
		return true
	case string:
		l, ok := live.(string)
		return ok && l == w
	case bool:
		l, ok := live.(bool)
		if !ok {
			// rev0 examples send some booleans as strings ("true").
			if s, isStr := live.(string); isStr {
				b, err := strconv.ParseBool(s)
				return err == nil && b == w
			}
		}
		return ok && l == w
	case nil:
		return live == nil
	}
	return reflect.DeepEqual(want, live)
}

// asNumber converts any Go or JSON number to an exact rational.
func asNumber(v any) (*big.Rat, bool) {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = n.String()
	case int:
		return new(big.Rat).SetInt64(int64(n)), true
	case int32:
		return new(big.Rat).SetInt64(int64(n)), true
	case int64:
		return new(big.Rat).SetInt64(n), true
	case uint64:
		return new(big.Rat).SetFrac(new(big.Int).SetUint64(n), big.NewInt(1)), true
	case float64:
		s = strconv.FormatFloat(n, 'g', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(n), 'g', -1, 32)
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// mergeDeep returns live with the declared fields of want laid over it:
// maps merge recursively, everything else (lists included) is replaced.
// Neither input is modified.
func mergeDeep(live, want map[string]any) map[string]any {
	out := make(map[string]any, len(live)+len(want))
	for k, v := range live {
		out[k] = v
	}
	for k, w := range want {
		if wm, ok := w.(map[string]any); ok {
			if lm, ok := out[k].(map[string]any); ok {
				out[k] = mergeDeep(lm, wm)
				continue
			}
		}
		out[k] = w
	}
	return out
}

// maskPaths returns a copy of doc with the dotted paths, and every Secret
// anywhere, replaced by Sensitive.
func maskPaths(doc map[string]any, paths []string) map[string]any {
	if doc == nil {
		return nil
	}
	masked, _ := eval.Mask(doc).(map[string]any)
	for _, p := range paths {
		setPath(masked, p, Sensitive)
	}
	return masked
}

// setPath sets a dotted path in doc if its parent exists, copying maps on
// the way so shared structure is not modified.
func setPath(doc map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		if _, ok := doc[head]; ok {
			doc[head] = v
		}
		return
	}
	m, ok := doc[head].(map[string]any)
	if !ok {
		return
	}
	cp := make(map[string]any, len(m))
	for k, x := range m {
		cp[k] = x
	}
	doc[head] = cp
	setPath(cp, rest, v)
}

// display renders a value compactly for one-line summaries.
func display(v any) string {
	b, err := json.Marshal(eval.Mask(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
