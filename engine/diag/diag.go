package diag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Pos is a 1-based position in a file. The zero Pos means "no position".
type Pos struct {
	File string
	Line int
	Col  int
}

// IsValid reports whether p points at a line of a file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String renders p as file:line:col, omitting the parts that are unknown.
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.Col <= 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Add returns p moved by a 1-based line and column offset found inside the
// text that starts at p (used for positions inside expressions).
func (p Pos) Add(line, col int) Pos {
	if line <= 1 {
		return Pos{File: p.File, Line: p.Line, Col: p.Col + col - 1}
	}
	return Pos{File: p.File, Line: p.Line + line - 1, Col: col}
}

// Compare orders positions by file, line and column.
func Compare(a, b Pos) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
}

// Range is a span of source text, End exclusive.
type Range struct {
	Start, End Pos
}

// Severity says how bad a diagnostic is.
type Severity int

// Severities, most severe first.
const (
	SevError Severity = iota
	SevWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SevWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in the user's input.
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	// Code is a stable, greppable identifier such as "unknown-key".
	Code string
	// Summary is the one-line message, without position or severity.
	Summary string
	// Hint is an optional suggestion ("did you mean `for_each`?").
	Hint string
}

// String renders the diagnostic as "file:line:col: error: summary".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Summary)
}

// Errorf returns an error diagnostic at pos.
func Errorf(pos Pos, code, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: SevError, Pos: pos, Code: code, Summary: fmt.Sprintf(format, args...)}
}

// Diagnostics is a list of problems, usually all those found in one file.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SevError })
}

// Sort orders diagnostics by position, then by message, keeping the order of
// equal ones stable.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(Compare(a.Pos, b.Pos), cmp.Compare(a.Summary, b.Summary))
	})
}

// Err returns nil when there are no errors, or an *Error holding them all.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return &Error{Diags: ds}
}

// Error carries diagnostics through code paths that return a Go error.
type Error struct {
	Diags Diagnostics
}

// Error returns the first diagnostic and how many others follow.
func (e *Error) Error() string {
	switch len(e.Diags) {
	case 0:
		return "no diagnostics"
	case 1:
		return e.Diags[0].String()
	default:
		return fmt.Sprintf("%s (and %d more)", e.Diags[0], len(e.Diags)-1)
	}
}

// AsDiagnostics returns the diagnostics carried by err, if any.
func AsDiagnostics(err error) (Diagnostics, bool) {
	var de *Error
	if errors.As(err, &de) {
		return de.Diags, true
	}
	return nil, false
}

// Sources gives the text of the files diagnostics point into, for snippets.
type Sources map[string][]byte

// Format renders every diagnostic with the offending source line and a caret
// under the column, followed by its hint, in plain text (no colour).
func Format(ds Diagnostics, src Sources) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
		if line, ok := sourceLine(src[d.Pos.File], d.Pos.Line); ok {
			prefix := fmt.Sprintf("%5d | ", d.Pos.Line)
			b.WriteString(prefix)
			b.WriteString(line)
			b.WriteByte('\n')
			if d.Pos.Col > 0 {
				b.WriteString(strings.Repeat(" ", len(prefix)-2))
				b.WriteString("| ")
				b.WriteString(caretPad(line, d.Pos.Col))
				b.WriteString("^\n")
			}
		}
		if d.Hint != "" {
			b.WriteString("      = hint: ")
			b.WriteString(d.Hint)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// sourceLine returns the 1-based line n of text without its line ending.
func sourceLine(text []byte, n int) (string, bool) {
	if n <= 0 || text == nil {
		return "", false
	}
	lines := strings.Split(string(text), "\n")
	if n > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[n-1], "\r"), true
}

// caretPad returns the white space that puts a caret under 1-based column
// col of line, keeping tabs so the caret lines up in a terminal.
func caretPad(line string, col int) string {
	var b strings.Builder
	i := 0
	for _, r := range line {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	for ; i < col-1; i++ {
		b.WriteByte(' ')
	}
	return b.String()
}

// MarshalText writes p as String does, so a position travels in JSON (a
// plan's "source") as "file:line:col".
func (p Pos) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads what MarshalText wrote. The file name may itself
// hold colons: line and column are taken from the right.
func (p *Pos) UnmarshalText(b []byte) error {
	*p = Pos{File: string(b)}
	rest, col, ok := cutNumber(p.File)
	if !ok {
		return nil
	}
	if file, line, ok := cutNumber(rest); ok {
		*p = Pos{File: file, Line: line, Col: col}
		return nil
	}
	*p = Pos{File: rest, Line: col}
	return nil
}

// cutNumber splits "x:N" into x and the positive number N.
func cutNumber(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n <= 0 {
		return s, 0, false
	}
	return s[:i], n, true
}
