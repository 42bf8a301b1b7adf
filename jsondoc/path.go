package jsondoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Segment is one step of a Path: an object key, or a list index when
// IsIndex is set. In JSON it is a string (key) or an integer (index), so a
// path reads ["performanceExtents", 1, "name"].
type Segment struct {
	Key     string
	Index   int
	IsIndex bool
}

// Key returns the segment of an object key.
func Key(k string) Segment { return Segment{Key: k} }

// Index returns the segment of a list index.
func Index(i int) Segment { return Segment{Index: i, IsIndex: true} }

// MarshalJSON writes a key as a JSON string and an index as a number.
func (s Segment) MarshalJSON() ([]byte, error) {
	if s.IsIndex {
		return []byte(strconv.Itoa(s.Index)), nil
	}
	return json.Marshal(s.Key)
}

// UnmarshalJSON reads a string (key) or a non-negative integer (index).
func (s *Segment) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var k string
		if err := json.Unmarshal(b, &k); err != nil {
			return fmt.Errorf("path segment: %w", err)
		}
		*s = Key(k)
		return nil
	}
	i, err := strconv.Atoi(string(b))
	if err != nil || i < 0 {
		return fmt.Errorf("path segment %s: want a string or a non-negative integer", b)
	}
	*s = Index(i)
	return nil
}

// Path addresses a value inside a document, from its root.
type Path []Segment

// ParseDotted reads the dotted paths the step catalogue declares
// ("repository.path"): keys only, no indexes.
func ParseDotted(p string) Path {
	if p == "" {
		return nil
	}
	parts := strings.Split(p, ".")
	out := make(Path, len(parts))
	for i, k := range parts {
		out[i] = Key(k)
	}
	return out
}

// Child returns a new path with s appended; p is not modified.
func (p Path) Child(s Segment) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, s)
}

// String renders the path for messages: keys joined by dots, indexes in
// brackets, keys that hold path syntax quoted: a.b[1]["c.d"].
func (p Path) String() string {
	var sb strings.Builder
	for i, s := range p {
		switch {
		case s.IsIndex:
			sb.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case s.Key == "" || strings.ContainsAny(s.Key, `.[]"`):
			sb.WriteString("[" + strconv.Quote(s.Key) + "]")
		default:
			if i > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(s.Key)
		}
	}
	return sb.String()
}

// Get returns the value at path in doc; ok is false when a step of the
// path is missing or of the wrong type.
func Get(doc any, path Path) (v any, ok bool) {
	v = doc
	for _, s := range path {
		switch x := v.(type) {
		case map[string]any:
			if s.IsIndex {
				return nil, false
			}
			if v, ok = x[s.Key]; !ok {
				return nil, false
			}
		case []any:
			if !s.IsIndex || s.Index < 0 || s.Index >= len(x) {
				return nil, false
			}
			v = x[s.Index]
		default:
			return nil, false
		}
	}
	return v, true
}

// Set returns a copy of doc with the value at path replaced by v. Only the
// objects and lists along the path are copied, so doc and everything else
// it shares stay unmodified. When a step of the path does not exist, doc is
// returned as it is and ok is false.
func Set(doc any, path Path, v any) (out any, ok bool) {
	if len(path) == 0 {
		return v, true
	}
	s := path[0]
	switch x := doc.(type) {
	case map[string]any:
		e, present := x[s.Key]
		if s.IsIndex || !present {
			return doc, false
		}
		inner, ok := Set(e, path[1:], v)
		if !ok {
			return doc, false
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		m[s.Key] = inner
		return m, true
	case []any:
		if !s.IsIndex || s.Index < 0 || s.Index >= len(x) {
			return doc, false
		}
		inner, ok := Set(x[s.Index], path[1:], v)
		if !ok {
			return doc, false
		}
		l := make([]any, len(x))
		copy(l, x)
		l[s.Index] = inner
		return l, true
	}
	return doc, false
}

// Covered reports whether the dotted path p (the catalogue's spelling,
// see ParseDotted) is one of paths or lies below one of them: "a.b"
// covers "a.b" and "a.b.c", not "a.bc".
func Covered(paths []string, p string) bool {
	for _, q := range paths {
		if p == q || strings.HasPrefix(p, q+".") {
			return true
		}
	}
	return false
}
