package engine

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/jsondoc"
)

// compareSpec returns the diff tree of the declared fields of want that
// differ from live, masked (see comparer.leaf). Only paths present in want
// are compared, so server defaults and generated fields never cause a
// diff; readOnly paths are skipped; normalize (may be nil) rewrites both
// sides before comparison. It runs in time linear in the size of the
// documents (plus an O(ND) sequence diff of each changed list).
func compareSpec(want, live map[string]any, readOnly, sensitive []string, normalize func(string, any) any, known *eval.KnownSecrets) []DiffNode {
	c := newComparer(readOnly, sensitive, normalize, known)
	return c.object(nil, "", want, live)
}

// createDiff lists every declared top-level field as added.
func createDiff(spec map[string]any, sensitive []string, known *eval.KnownSecrets) []DiffNode {
	c := newComparer(nil, sensitive, nil, known)
	return c.object(nil, "", spec, map[string]any{})
}

// deleteDiff lists the top-level fields of a deleted object as removed.
func deleteDiff(live map[string]any, sensitive []string, known *eval.KnownSecrets) []DiffNode {
	c := newComparer(nil, sensitive, nil, known)
	out := make([]DiffNode, 0, len(live))
	for k, v := range live {
		out = append(out, c.leaf(jsondoc.Path{jsondoc.Key(k)}, k, DiffRemove, v, nil))
	}
	sortNodes(out)
	return out
}

// comparer builds diff trees under one kind's rules.
type comparer struct {
	readOnly, sensitive map[string]bool
	normalize           func(string, any) any
	known               *eval.KnownSecrets
}

func newComparer(readOnly, sensitive []string, normalize func(string, any) any, known *eval.KnownSecrets) *comparer {
	set := func(l []string) map[string]bool {
		m := make(map[string]bool, len(l))
		for _, p := range l {
			m[p] = true
		}
		return m
	}
	return &comparer{readOnly: set(readOnly), sensitive: set(sensitive), normalize: normalize, known: known}
}

// join extends a dotted path, the form the catalogue's ReadOnly, Sensitive
// and Normalize use.
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (c *comparer) object(path jsondoc.Path, dotted string, want, live map[string]any) []DiffNode {
	var out []DiffNode
	for k, w := range want {
		dk := join(dotted, k)
		if c.readOnly[dk] {
			continue
		}
		if w != nil && c.normalize != nil && c.normalize(dk, w) == nil {
			continue // the kind does not compare this field (create-only)
		}
		p := path.Child(jsondoc.Key(k))
		l, ok := live[k]
		if !ok || l == nil {
			if w != nil {
				out = append(out, c.leaf(p, dk, DiffAdd, nil, w))
			}
			continue
		}
		wm, wIsMap := w.(map[string]any)
		lm, lIsMap := l.(map[string]any)
		if wIsMap && lIsMap {
			if fields := c.object(p, dk, wm, lm); len(fields) > 0 {
				out = append(out, DiffNode{Path: p, Op: summaryOp(fields), Fields: fields})
			}
			continue
		}
		if !c.equal(dk, w, l) {
			out = append(out, c.leaf(p, dk, DiffChange, c.shown(dk, w, l), w))
		}
	}
	sortNodes(out)
	return out
}

// summaryOp is the op of an object node: add or remove when every field
// inside is, change otherwise.
func summaryOp(fields []DiffNode) DiffOp {
	op := fields[0].Op
	for _, f := range fields[1:] {
		if f.Op != op {
			return DiffChange
		}
	}
	return op
}

func sortNodes(ns []DiffNode) {
	slices.SortFunc(ns, func(a, b DiffNode) int { return cmp.Compare(a.Key().Key, b.Key().Key) })
}

// leaf builds the node of one value that differs, masked: a field the kind
// declares sensitive (or under one), a value holding a Secret, or one in
// which a known secret value appears is shown as the placeholder only.
// Lists that differ get their element operations.
func (c *comparer) leaf(path jsondoc.Path, dotted string, op DiffOp, before, after any) DiffNode {
	n := DiffNode{Path: path, Op: op}
	if c.isSensitive(dotted) || eval.IsSensitive(before) || eval.IsSensitive(after) {
		return sensitiveNode(n, before, after)
	}
	b, mb := c.known.MaskValue(plain(before))
	a, ma := c.known.MaskValue(plain(after))
	if mb || ma {
		return sensitiveNode(n, before, after)
	}
	n.Before, n.After = b, a
	if bl, ok := b.([]any); ok {
		if al, ok := a.([]any); ok && op == DiffChange {
			n.Elements = listElements(bl, al)
		}
	}
	return n
}

func sensitiveNode(n DiffNode, before, after any) DiffNode {
	n.Sensitive = true
	if before != nil {
		n.Before = Sensitive
	}
	if after != nil || n.Before == nil {
		n.After = Sensitive
	}
	return n
}

// plain converts a value to the plain JSON forms every output handles:
// maps, lists, strings, booleans, nil and json.Number (Go numbers keep
// their value, 8 becomes json.Number("8")). It copies only what it must
// change, so documents decoded from JSON pass through without allocating.
func plain(v any) any {
	out, _ := plainCOW(v)
	return out
}

func plainCOW(v any) (any, bool) {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return v, false
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			p, changed := plainCOW(e)
			if !changed {
				continue
			}
			if out == nil {
				out = maps.Clone(x)
			}
			out[k] = p
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range x {
			p, changed := plainCOW(e)
			if !changed {
				continue
			}
			if out == nil {
				out = slices.Clone(x)
			}
			out[i] = p
		}
		if out == nil {
			return v, false
		}
		return out, true
	case int:
		return json.Number(strconv.Itoa(x)), true
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), true
	case float64:
		if b, err := json.Marshal(x); err == nil {
			return json.Number(b), true
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), true
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return string(b), true
	}
	return out, true
}

func (c *comparer) isSensitive(dotted string) bool {
	for p := dotted; ; {
		if c.sensitive[p] {
			return true
		}
		i := lastDot(p)
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// DiffValues returns the node of path for two plain values that differ,
// compared as whole documents: objects field by field (every key of
// either side), lists element by element, other values as a change. It is
// how the engine shows a list element or a value without a kind's rules;
// renderer tests use it to build plans.
func DiffValues(path jsondoc.Path, before, after any) DiffNode {
	bm, bIsMap := before.(map[string]any)
	am, aIsMap := after.(map[string]any)
	if bIsMap && aIsMap {
		var fields []DiffNode
		for k, bv := range bm {
			p := path.Child(jsondoc.Key(k))
			av, ok := am[k]
			switch {
			case !ok:
				fields = append(fields, DiffNode{Path: p, Op: DiffRemove, Before: bv})
			case !jsondoc.Equal(bv, av):
				fields = append(fields, DiffValues(p, bv, av))
			}
		}
		for k, av := range am {
			if _, ok := bm[k]; !ok {
				fields = append(fields, DiffNode{Path: path.Child(jsondoc.Key(k)), Op: DiffAdd, After: av})
			}
		}
		sortNodes(fields)
		if len(fields) == 0 {
			return DiffNode{Path: path, Op: DiffChange}
		}
		return DiffNode{Path: path, Op: summaryOp(fields), Fields: fields}
	}
	switch {
	case before == nil:
		return DiffNode{Path: path, Op: DiffAdd, After: after}
	case after == nil:
		return DiffNode{Path: path, Op: DiffRemove, Before: before}
	}
	n := DiffNode{Path: path, Op: DiffChange, Before: before, After: after}
	if bl, ok := before.([]any); ok {
		if al, ok := after.([]any); ok {
			n.Elements = listElements(bl, al)
		}
	}
	return n
}

// listElements diffs two lists element by element (elements equal as
// documents match) with go-diff's Myers implementation: runs of kept
// elements, and between them the live elements replaced, deleted and the
// declared ones inserted. Each gap pairs its first deletions with its
// first insertions as replacements.
func listElements(before, after []any) []ElementDiff {
	ra, rb, ok := encodeElements(before, after)
	if !ok {
		return gap(nil, before, after, 0, 0, len(before), len(after))
	}
	var out []ElementDiff
	bi, ai := 0, 0
	del, ins := 0, 0
	flush := func() {
		out = gap(out, before, after, bi, ai, del, ins)
		bi, ai = bi+del, ai+ins
		del, ins = 0, 0
	}
	dmp := diffmatchpatch.New()
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		n := len([]rune(d.Text))
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			del += n
		case diffmatchpatch.DiffInsert:
			ins += n
		default:
			flush()
			if n > 0 {
				out = append(out, ElementDiff{Op: DiffUnchanged, BeforeIndex: bi, AfterIndex: ai, Count: n})
				bi, ai = bi+n, ai+n
			}
		}
	}
	flush()
	return out
}

// gap appends the operations of del live elements at bi replaced by ins
// declared elements at ai.
func gap(out []ElementDiff, before, after []any, bi, ai, del, ins int) []ElementDiff {
	k := min(del, ins)
	for i := range k {
		out = append(out, ElementDiff{Op: DiffChange, BeforeIndex: bi + i, AfterIndex: ai + i, Before: before[bi+i], After: after[ai+i]})
	}
	for i := k; i < del; i++ {
		out = append(out, ElementDiff{Op: DiffRemove, BeforeIndex: bi + i, AfterIndex: ai + k, Before: before[bi+i]})
	}
	for i := k; i < ins; i++ {
		out = append(out, ElementDiff{Op: DiffAdd, BeforeIndex: bi + del, AfterIndex: ai + i, After: after[ai+i]})
	}
	return out
}

// maxElements bounds the distinct elements a list diff maps to runes;
// past it the lists are shown as a whole replacement.
const maxElements = 1 << 20

// encodeElements maps each distinct element (by its canonical form) of two
// lists to one rune, so the rune strings can be diffed.
func encodeElements(a, b []any) (ra, rb []rune, ok bool) {
	ids := make(map[string]rune, len(a)+len(b))
	var buf []byte
	encode := func(l []any) ([]rune, bool) {
		rs := make([]rune, len(l))
		for i, e := range l {
			buf = jsondoc.AppendCanonical(buf[:0], e)
			r, ok := ids[string(buf)]
			if !ok {
				if len(ids) >= maxElements {
					return nil, false
				}
				r = rune(len(ids) + 1)
				if r >= 0xD800 { // skip the surrogates Go strings cannot hold
					r += 0x800
				}
				ids[string(buf)] = r
			}
			rs[i] = r
		}
		return rs, true
	}
	ra, okA := encode(a)
	rb, okB := encode(b)
	return ra, rb, okA && okB
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
// Only the shape matters (which keys, which of them objects or lists), so
// it is built once, in time linear in the list.
func listShape(want []any) any {
	var shape map[string]any
	for _, e := range want {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if shape == nil {
			shape = map[string]any{}
		}
		unionKeys(shape, m)
	}
	if shape == nil {
		return nil
	}
	return shape
}

// unionKeys adds the keys of m to shape, which it owns: nested objects
// are merged into copies, the first value of any other key is kept.
func unionKeys(shape, m map[string]any) {
	for k, v := range m {
		vm, isMap := v.(map[string]any)
		prev, seen := shape[k]
		switch {
		case !seen && isMap:
			own := make(map[string]any, len(vm))
			unionKeys(own, vm)
			shape[k] = own
		case !seen:
			shape[k] = v
		case isMap:
			if pm, ok := prev.(map[string]any); ok {
				unionKeys(pm, vm)
			}
		}
	}
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
// by their plain value. Unlike jsondoc.Equal it is one-sided: the live
// side may hold more than the playbook declares.
func valueEqual(want, live any) bool {
	want = reveal(want)
	if eq, isNum := jsondoc.EqualNumber(want, live); isNum {
		return eq
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
	case bool:
		// rev0 examples send some booleans as strings ("true").
		if s, isStr := live.(string); isStr {
			b, err := strconv.ParseBool(s)
			return err == nil && b == w
		}
	}
	return jsondoc.Equal(want, live)
}

// reveal returns the plain value of a Secret, and any other value as it
// is, without copying: valueEqual reveals one level at a time.
func reveal(v any) any {
	switch s := v.(type) {
	case eval.Secret:
		return s.Reveal()
	case *eval.Secret:
		if s == nil {
			return nil
		}
		return s.Reveal()
	}
	return v
}

// maskPaths returns a copy of doc with the dotted paths, and every Secret
// anywhere, replaced by Sensitive.
func maskPaths(doc map[string]any, paths []string) map[string]any {
	if doc == nil {
		return nil
	}
	var masked any = eval.Mask(doc)
	for _, p := range paths {
		masked, _ = jsondoc.Set(masked, jsondoc.ParseDotted(p), Sensitive)
	}
	m, _ := masked.(map[string]any)
	return m
}

// display renders a value compactly for one-line summaries.
func display(v any) string {
	b, err := json.Marshal(eval.Mask(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
