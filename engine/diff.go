package engine

import (
	"fmt"

	"github.com/vplay-dev/vplay/jsondoc"
)

// DiffOp says how a field or a list element differs.
type DiffOp string

// Diff operations.
const (
	// DiffAdd is a field or list element that appears.
	DiffAdd DiffOp = "+"
	// DiffRemove is a field or list element that disappears.
	DiffRemove DiffOp = "-"
	// DiffChange is a field whose value changes, an object with changes
	// inside, or a list element replaced by another.
	DiffChange DiffOp = "~"
	// DiffUnchanged is a run of list elements kept as they are (list
	// elements only).
	DiffUnchanged DiffOp = "="
)

// MarshalText writes the operation as a word: add, remove, change or
// unchanged.
func (o DiffOp) MarshalText() ([]byte, error) {
	switch o {
	case DiffAdd:
		return []byte("add"), nil
	case DiffRemove:
		return []byte("remove"), nil
	case DiffUnchanged:
		return []byte("unchanged"), nil
	}
	return []byte("change"), nil
}

// UnmarshalText reads an operation word or symbol.
func (o *DiffOp) UnmarshalText(b []byte) error {
	switch string(b) {
	case "add", "+":
		*o = DiffAdd
	case "remove", "-":
		*o = DiffRemove
	case "change", "~":
		*o = DiffChange
	case "unchanged", "=":
		*o = DiffUnchanged
	default:
		return fmt.Errorf("unknown diff operation %q", b)
	}
	return nil
}

// DiffNode is one field of a resource that differs, as a tree: the engine
// builds it (engine/compare.go) with secrets already masked, and every
// output (JSON, text, Markdown, the terminal UI) shows it as it is.
//
// A node is one of three shapes:
//   - an object with changes inside: Op is DiffChange (or DiffAdd/DiffRemove
//     when every field inside is added/removed), Fields lists the keys that
//     differ, sorted, and Before/After are not set;
//   - a list that differs: Before and After are the whole lists and
//     Elements says, element by element, what was inserted, deleted,
//     replaced or kept;
//   - any other value: Before (absent for DiffAdd) and After (absent for
//     DiffRemove).
//
// When Sensitive is set the values are the placeholder Sensitive and
// neither Fields nor Elements is set: nothing of a secret reaches a node.
type DiffNode struct {
	// Path is the field's place from the document root, as segments.
	Path      jsondoc.Path `json:"path"`
	Op        DiffOp       `json:"op"`
	Before    any          `json:"before,omitempty"`
	After     any          `json:"after,omitempty"`
	Sensitive bool         `json:"sensitive,omitempty"`
	// Fields are the keys of an object that differ, sorted by key.
	Fields []DiffNode `json:"fields,omitempty"`
	// Elements are the element operations of a list diff, in order.
	Elements []ElementDiff `json:"elements,omitempty"`
}

// ElementDiff is one operation of a list diff. BeforeIndex and AfterIndex
// are the positions in the live and the declared list where it applies (for
// an insertion, BeforeIndex is the live element it goes before; for a
// deletion, AfterIndex is the declared element that follows). A DiffAdd
// carries After, a DiffRemove Before, a DiffChange both (the live element
// at BeforeIndex is replaced by the declared one at AfterIndex), and a
// DiffUnchanged run carries Count and no values.
type ElementDiff struct {
	Op          DiffOp `json:"op"`
	BeforeIndex int    `json:"before_index"`
	AfterIndex  int    `json:"after_index"`
	Count       int    `json:"count,omitempty"`
	Before      any    `json:"before,omitempty"`
	After       any    `json:"after,omitempty"`
}

// Key returns the last segment of the node's path: the field's key or
// index in its parent.
func (n DiffNode) Key() jsondoc.Segment {
	if len(n.Path) == 0 {
		return jsondoc.Segment{}
	}
	return n.Path[len(n.Path)-1]
}

// CountFields returns how many values differ in a diff: the leaves of the
// trees, an object with changes inside counting as its fields.
func CountFields(diff []DiffNode) int {
	n := 0
	for _, d := range diff {
		if len(d.Fields) > 0 {
			n += CountFields(d.Fields)
			continue
		}
		n++
	}
	return n
}
