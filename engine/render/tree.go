package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/jsondoc"
)

// Op classifies a display line of a diff tree's layout, or a span of a
// word diff.
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

// Line is one display line of a diff tree's layout, without colour.
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

// DiffLines lays out a change's diff tree (engine.DiffNode, built and
// masked by the engine) as the display lines every human format shows:
// objects with changes inside as nested blocks, lists element by element as
// the engine matched them (replaced and deleted elements, then inserted
// ones, unchanged runs as a count), long strings (over 60 characters or
// multi-line) as a word-level diff, numbers as written and secrets as
// (sensitive). It compares nothing and masks nothing itself.
//
// width is the column budget of a line as laid out by Line.String; long
// strings are wrapped to fit it, and 0 disables wrapping.
func DiffLines(c engine.Change, width int) []Line {
	b := &lineBuilder{width: width}
	b.fields(c.Diff, 0)
	return b.lines
}

// segmentLabel renders the last step of a node's path: a key, quoted when
// it is not a plain name, or [index].
func segmentLabel(s jsondoc.Segment) string {
	if s.IsIndex {
		return "[" + strconv.Itoa(s.Index) + "]"
	}
	return keyLabel(s.Key)
}

// opOf maps a diff operation to its display op.
func opOf(o engine.DiffOp) Op {
	switch o {
	case engine.DiffAdd:
		return OpAdd
	case engine.DiffRemove:
		return OpRemove
	case engine.DiffUnchanged:
		return OpContext
	}
	return OpChange
}

// lineBuilder accumulates display lines.
type lineBuilder struct {
	width int
	lines []Line
}

func (b *lineBuilder) add(op Op, indent int, text string) {
	b.lines = append(b.lines, Line{Op: op, Indent: indent, Text: text})
}

// fields lays out sibling nodes at the given depth, with the "=" of
// sibling values aligned; nested blocks ("key {") do not count.
func (b *lineBuilder) fields(ns []engine.DiffNode, indent int) {
	w := 0
	for _, n := range ns {
		if len(n.Fields) == 0 {
			w = max(w, len(segmentLabel(n.Key())))
		}
	}
	for _, n := range ns {
		label := segmentLabel(n.Key())
		if len(n.Fields) > 0 {
			b.add(opOf(n.Op), indent, label+" {")
			b.fields(n.Fields, indent+1)
			b.add(OpContext, indent, "}")
			continue
		}
		b.field(pad(label, w), n, indent)
	}
}

func pad(s string, w int) string {
	if n := w - len(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// field lays out one value node under its (padded) label.
func (b *lineBuilder) field(label string, n engine.DiffNode, indent int) {
	switch {
	case n.Op == engine.DiffAdd:
		b.value(OpAdd, label+" = ", n.After, indent)
	case n.Op == engine.DiffRemove:
		b.value(OpRemove, label+" = ", n.Before, indent)
	case n.Sensitive || isSensitive(n.Before) && isSensitive(n.After):
		b.add(OpChange, indent, label+" = "+engine.Sensitive)
	case isSensitive(n.Before) || isSensitive(n.After):
		b.add(OpChange, indent, label+" = "+inline(n.Before)+" -> "+inline(n.After))
	default:
		b.change(label, n, indent)
	}
}

// change lays out a value that differs: a list element by element, a word
// diff for long strings, or "before -> after".
func (b *lineBuilder) change(label string, n engine.DiffNode, indent int) {
	before, after := n.Before, n.After
	switch x := before.(type) {
	case []any:
		if y, ok := after.([]any); ok && len(x) > 0 && len(y) > 0 {
			b.add(OpChange, indent, label+" = [")
			b.elements(n.Elements, indent+1)
			b.add(OpContext, indent, "]")
			return
		}
	case string:
		if y, ok := after.(string); ok && (isLongString(x) || isLongString(y)) {
			b.longString(strings.TrimRight(label, " "), x, y, indent)
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

// elements lays out the element operations of a list: each unchanged run
// as a count, and between two runs the live elements that go (replaced or
// deleted) followed by the declared ones that come (replacing or inserted).
func (b *lineBuilder) elements(els []engine.ElementDiff, indent int) {
	for i := 0; i < len(els); {
		if els[i].Op == engine.DiffUnchanged {
			b.add(OpComment, indent, "("+plural(els[i].Count, "unchanged element")+" hidden)")
			i++
			continue
		}
		j := i
		for j < len(els) && els[j].Op != engine.DiffUnchanged {
			j++
		}
		for _, e := range els[i:j] {
			if e.Op != engine.DiffAdd {
				b.value(OpRemove, "", e.Before, indent)
			}
		}
		for _, e := range els[i:j] {
			if e.Op != engine.DiffRemove {
				b.value(OpAdd, "", e.After, indent)
			}
		}
		i = j
	}
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

// plural renders "1 thing" or "n things".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
