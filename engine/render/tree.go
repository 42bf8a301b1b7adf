package render

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine"
)

// Op classifies a display line of a field diff, or a span of a word diff.
type Op int

// Display operations.
const (
	// OpContext is an unchanged line shown for structure (a closing brace,
	// an unchanged part of a long string).
	OpContext Op = iota
	// OpAdd is a field, element or text that appears.
	OpAdd
	// OpRemove is a field, element or text that disappears.
	OpRemove
	// OpChange is a field whose value changes, or a container with changes
	// inside.
	OpChange
	// OpComment is a note such as "(2 unchanged elements hidden)".
	OpComment
)

// String returns the op's name: context, add, remove, change, comment.
func (o Op) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpRemove:
		return "remove"
	case OpChange:
		return "change"
	case OpComment:
		return "comment"
	}
	return "context"
}

// Symbol returns the one-character prefix of a line: " ", "+", "-", "~"
// or "#".
func (o Op) Symbol() string {
	switch o {
	case OpAdd:
		return "+"
	case OpRemove:
		return "-"
	case OpChange:
		return "~"
	case OpComment:
		return "#"
	}
	return " "
}

// Span is one segment of a word-level diff line: unchanged (OpContext),
// removed (OpRemove) or added (OpAdd) text.
type Span struct {
	Op   Op
	Text string
}

// Line is one display line of a field diff, without colour.
//
// Text is the plain content after the op symbol, for example
// `maxTaskCount = 4 -> 8`; in word-diff lines it carries git-style markers
// ([-removed-] and {+added+}) and Spans holds the same content as segments
// for renderers that colour instead. Indent is the nesting depth; String lays
// a line out with four spaces per level.
type Line struct {
	Op     Op
	Indent int
	Text   string
	Spans  []Span
}

// String lays the line out as plain text: four spaces per indent level, the
// op symbol, a space and the text.
func (l Line) String() string {
	return strings.Repeat("    ", l.Indent) + l.Op.Symbol() + " " + l.Text
}

// DiffLines builds the display lines of a change's field diff, the tree
// every human format shows: dotted paths become nested objects, lists are
// shown element by element (removed and added elements, unchanged runs
// hidden), long strings (over 60 characters or multi-line) as a word-level
// diff, numbers as written and secrets as (sensitive).
//
// width is the column budget of a line as laid out by Line.String; long
// strings are wrapped to fit it, and 0 disables wrapping. A create without a
// field diff shows its After document; a delete shows no fields.
func DiffLines(c engine.Change, width int) []Line {
	root := &node{}
	for _, d := range changeDiffs(c) {
		root.insert(parsePath(d.Path), d)
	}
	b := &lineBuilder{width: width}
	b.children(root, 0)
	return b.lines
}

// changeDiffs returns the field diffs to display, normalized and with
// sensitive values masked; creates with no diff show their After fields.
func changeDiffs(c engine.Change) []engine.FieldDiff {
	var out []engine.FieldDiff
	if len(c.Diff) == 0 && c.Action == engine.Create && len(c.After) > 0 {
		for _, k := range sortedKeys(c.After) {
			out = append(out, engine.FieldDiff{Path: pathKey(k), Op: engine.FieldAdd, After: c.After[k]})
		}
	} else {
		out = slices.Clone(c.Diff)
	}
	for i := range out {
		out[i] = maskDiff(out[i])
	}
	return out
}

// maskDiff normalizes a field diff and replaces the values of a sensitive
// one by the placeholder, whatever the engine left in them.
func maskDiff(d engine.FieldDiff) engine.FieldDiff {
	if d.Sensitive {
		if d.Before != nil {
			d.Before = engine.Sensitive
		}
		if d.After != nil {
			d.After = engine.Sensitive
		}
		if d.Op == engine.FieldChange && d.Before == nil && d.After == nil {
			d.After = engine.Sensitive
		}
		return d
	}
	d.Before = normalize(d.Before)
	d.After = normalize(d.After)
	return d
}

// pathKey renders one key as a path segment, bracket-quoted when it
// contains path syntax.
func pathKey(k string) string {
	if k != "" && !strings.ContainsAny(k, `.[]"`) {
		return k
	}
	return "[" + quote(k) + "]"
}

// segment is one step of a dotted path: an object key or a list index.
type segment struct {
	key     string
	idx     int
	isIndex bool
}

func (s segment) label() string {
	if s.isIndex {
		return "[" + strconv.Itoa(s.idx) + "]"
	}
	return keyLabel(s.key)
}

func (s segment) id() string {
	if s.isIndex {
		return "[" + strconv.Itoa(s.idx) + "]"
	}
	return "." + s.key
}

// parsePath cuts "a.b[1].c" or `labels["x.y"]` into segments. Malformed
// brackets are kept as part of a key rather than rejected: a path is display
// data here.
func parsePath(p string) []segment {
	var segs []segment
	for i := 0; i < len(p); {
		switch p[i] {
		case '.':
			i++
		case '[':
			if i+1 < len(p) && p[i+1] == '"' {
				if s, n, ok := quotedKey(p[i+1:]); ok && i+1+n < len(p) && p[i+1+n] == ']' {
					segs = append(segs, segment{key: s})
					i += n + 2
					continue
				}
			}
			j := strings.IndexByte(p[i:], ']')
			if j > 0 {
				if n, err := strconv.Atoi(p[i+1 : i+j]); err == nil {
					segs = append(segs, segment{idx: n, isIndex: true})
					i += j + 1
					continue
				}
			}
			k := nextSep(p, i+1)
			segs = append(segs, segment{key: p[i:k]})
			i = k
		default:
			k := nextSep(p, i)
			segs = append(segs, segment{key: p[i:k]})
			i = k
		}
	}
	return segs
}

func nextSep(p string, from int) int {
	for k := from; k < len(p); k++ {
		if p[k] == '.' || p[k] == '[' {
			return k
		}
	}
	return len(p)
}

// quotedKey reads a JSON string at the start of s and returns it with the
// number of bytes it used.
func quotedKey(s string) (string, int, bool) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			k, err := strconv.Unquote(s[:i+1])
			return k, i + 1, err == nil
		}
	}
	return "", 0, false
}

// node is one object key or list index of the diff tree.
type node struct {
	seg      segment
	children []*node
	byID     map[string]*node
	diffs    []engine.FieldDiff // the field diffs that end here
}

func (n *node) insert(path []segment, d engine.FieldDiff) {
	if len(path) == 0 {
		n.diffs = append(n.diffs, d)
		return
	}
	id := path[0].id()
	c, ok := n.byID[id]
	if !ok {
		if n.byID == nil {
			n.byID = map[string]*node{}
		}
		c = &node{seg: path[0]}
		n.byID[id] = c
		n.children = append(n.children, c)
	}
	c.insert(path[1:], d)
}

// op summarizes a subtree: all additions, all removals, or a change.
func (n *node) op() Op {
	var add, rem, chg bool
	for _, d := range n.diffs {
		switch d.Op {
		case engine.FieldAdd:
			add = true
		case engine.FieldRemove:
			rem = true
		default:
			chg = true
		}
	}
	for _, c := range n.children {
		switch c.op() {
		case OpAdd:
			add = true
		case OpRemove:
			rem = true
		default:
			chg = true
		}
	}
	switch {
	case chg || add && rem:
		return OpChange
	case add:
		return OpAdd
	case rem:
		return OpRemove
	}
	return OpChange
}

func sortNodes(ns []*node) {
	slices.SortStableFunc(ns, func(a, b *node) int {
		switch {
		case a.seg.isIndex && b.seg.isIndex:
			return cmp.Compare(a.seg.idx, b.seg.idx)
		case a.seg.isIndex:
			return -1
		case b.seg.isIndex:
			return 1
		}
		return cmp.Compare(a.seg.key, b.seg.key)
	})
}

// lineBuilder accumulates display lines.
type lineBuilder struct {
	width int
	lines []Line
}

func (b *lineBuilder) add(op Op, indent int, text string) {
	b.lines = append(b.lines, Line{Op: op, Indent: indent, Text: text})
}

// children emits the subtrees under n at the given depth, with the labels
// of siblings aligned.
func (b *lineBuilder) children(n *node, indent int) {
	if len(n.diffs) > 0 && len(n.children) == 0 && n.seg.key == "" && !n.seg.isIndex {
		// A diff of the whole document (empty path).
		for _, d := range n.diffs {
			b.field("(document)", d, indent)
		}
		return
	}
	sortNodes(n.children)
	// Align the "=" of sibling fields; nested blocks ("key {") do not count.
	w := 0
	for _, c := range n.children {
		if len(c.diffs) > 0 {
			w = max(w, len(c.seg.label()))
		}
	}
	for _, c := range n.children {
		label := pad(c.seg.label(), w)
		for _, d := range c.diffs {
			b.field(label, d, indent)
		}
		if len(c.children) > 0 {
			b.add(c.op(), indent, c.seg.label()+" {")
			b.children(c, indent+1)
			b.add(OpContext, indent, "}")
		}
	}
}

func pad(s string, w int) string {
	if n := w - len(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// field emits one field diff under its (padded) label.
func (b *lineBuilder) field(label string, d engine.FieldDiff, indent int) {
	switch {
	case d.Op == engine.FieldAdd:
		b.value(OpAdd, label+" = ", d.After, indent)
	case d.Op == engine.FieldRemove:
		b.value(OpRemove, label+" = ", d.Before, indent)
	case d.Sensitive || isSensitive(d.Before) || isSensitive(d.After):
		if isSensitive(d.Before) && isSensitive(d.After) || d.Sensitive {
			b.add(OpChange, indent, label+" = "+engine.Sensitive)
			return
		}
		b.add(OpChange, indent, label+" = "+inline(d.Before)+" -> "+inline(d.After))
	default:
		b.change(label, d.Before, d.After, indent)
	}
}

// change emits a value that differs: nested object and list diffs, a word
// diff for long strings, or "before -> after".
func (b *lineBuilder) change(label string, before, after any, indent int) {
	trimmed := strings.TrimRight(label, " ")
	switch x := before.(type) {
	case map[string]any:
		if y, ok := after.(map[string]any); ok && len(x) > 0 && len(y) > 0 {
			b.add(OpChange, indent, label+" = {")
			b.mapDiff(x, y, indent+1)
			b.add(OpContext, indent, "}")
			return
		}
	case []any:
		if y, ok := after.([]any); ok && len(x) > 0 && len(y) > 0 {
			b.add(OpChange, indent, label+" = [")
			b.listDiff(x, y, indent+1)
			b.add(OpContext, indent, "]")
			return
		}
	case string:
		if y, ok := after.(string); ok && (isLongString(x) || isLongString(y)) {
			b.longString(trimmed, x, y, indent)
			return
		}
	}
	if before == nil {
		b.value(OpAdd, label+" = ", after, indent)
		return
	}
	if after == nil {
		b.value(OpRemove, label+" = ", before, indent)
		return
	}
	if isComposite(before) || isComposite(after) {
		b.value(OpRemove, label+" = ", before, indent)
		b.value(OpAdd, label+" = ", after, indent)
		return
	}
	b.add(OpChange, indent, label+" = "+inline(before)+" -> "+inline(after))
}

func isComposite(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return isLongString(v)
}

// value emits a whole value under one op: scalars inline, objects and lists
// expanded, multi-line strings as a heredoc.
func (b *lineBuilder) value(op Op, prefix string, v any, indent int) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) > 0 {
			b.add(op, indent, prefix+"{")
			keys := sortedKeys(x)
			w := 0
			for _, k := range keys {
				w = max(w, len(keyLabel(k)))
			}
			for _, k := range keys {
				b.value(op, pad(keyLabel(k), w)+" = ", x[k], indent+1)
			}
			b.add(OpContext, indent, "}")
			return
		}
	case []any:
		if len(x) > 0 {
			b.add(op, indent, prefix+"[")
			for _, e := range x {
				b.value(op, "", e, indent+1)
			}
			b.add(OpContext, indent, "]")
			return
		}
	case string:
		if strings.Contains(x, "\n") && !isSensitive(x) {
			b.add(op, indent, prefix+"<<-EOT")
			for _, l := range strings.Split(strings.TrimSuffix(x, "\n"), "\n") {
				b.add(op, indent+1, l)
			}
			b.add(OpContext, indent, "EOT")
			return
		}
	}
	b.add(op, indent, prefix+inline(v))
}

// longString emits a word-level diff of two strings, as a heredoc when
// either is multi-line and as a wrapped quoted string otherwise.
func (b *lineBuilder) longString(label, before, after string, indent int) {
	multi := strings.Contains(before, "\n") || strings.Contains(after, "\n")
	var spans []Span
	if multi {
		spans = wordDiff(strings.TrimSuffix(before, "\n"), strings.TrimSuffix(after, "\n"))
		b.add(OpChange, indent, label+" = <<-EOT")
	} else {
		spans = wordDiff(before, after)
		spans = append([]Span{{Op: OpContext, Text: `"`}}, spans...)
		spans = append(spans, Span{Op: OpContext, Text: `"`})
		b.add(OpChange, indent, label+" =")
	}
	width := 0
	if b.width > 0 {
		width = max(b.width-4*(indent+1)-2, 20)
	}
	for _, l := range spanLines(spans, width) {
		l = trimLastSpan(l)
		b.lines = append(b.lines, Line{Op: spanOp(l), Indent: indent + 1, Text: spanText(l), Spans: l})
	}
	if multi {
		b.add(OpContext, indent, "EOT")
	}
}

func trimLastSpan(l []Span) []Span {
	if len(l) == 0 {
		return l
	}
	last := &l[len(l)-1]
	last.Text = strings.TrimRight(last.Text, " \t")
	if last.Text == "" {
		return l[:len(l)-1]
	}
	return l
}

// mapDiff emits the keys that differ between two objects and a count of
// the unchanged ones.
func (b *lineBuilder) mapDiff(before, after map[string]any, indent int) {
	keys := sortedKeys(before)
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var changed []string
	hidden := 0
	for _, k := range keys {
		bv, inB := before[k]
		av, inA := after[k]
		if inB && inA && equalValues(bv, av) {
			hidden++
			continue
		}
		changed = append(changed, k)
	}
	w := 0
	for _, k := range changed {
		w = max(w, len(keyLabel(k)))
	}
	for _, k := range changed {
		label := pad(keyLabel(k), w)
		bv, inB := before[k]
		av, inA := after[k]
		switch {
		case !inB:
			b.value(OpAdd, label+" = ", av, indent)
		case !inA:
			b.value(OpRemove, label+" = ", bv, indent)
		default:
			b.change(label, bv, av, indent)
		}
	}
	if hidden > 0 {
		b.add(OpComment, indent, "("+plural(hidden, "unchanged attribute")+" hidden)")
	}
}

// listDiff emits a list element by element: removed and added elements in
// full, runs of unchanged elements as a count. Elements are matched by value
// with the same Myers diff as words.
func (b *lineBuilder) listDiff(before, after []any, indent int) {
	keysA := make([]string, len(before))
	for i, e := range before {
		keysA[i] = canonical(e)
	}
	keysB := make([]string, len(after))
	for i, e := range after {
		keysB[i] = canonical(e)
	}
	ia, ib := 0, 0
	for _, sp := range tokenDiff(keysA, keysB) {
		switch sp.op {
		case OpContext:
			b.add(OpComment, indent, "("+plural(sp.n, "unchanged element")+" hidden)")
			ia += sp.n
			ib += sp.n
		case OpRemove:
			for _, e := range before[ia : ia+sp.n] {
				b.value(OpRemove, "", e, indent)
			}
			ia += sp.n
		case OpAdd:
			for _, e := range after[ib : ib+sp.n] {
				b.value(OpAdd, "", e, indent)
			}
			ib += sp.n
		}
	}
}

// plural renders "1 thing" or "n things".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
