package eval

import (
	"strings"
	"unicode/utf8"
)

// segment is one piece of a scalar: literal text or a ${{ }} expression.
type segment struct {
	lit    string
	expr   string // the text between ${{ and }}, spaces included
	isExpr bool
	start  int // rune offset of "${{" in the scalar
	off    int // rune offset of expr in the scalar
}

// templateError is a malformed template at a rune offset of the scalar.
type templateError struct {
	off int
	msg string
}

// HasTemplate reports whether s contains a ${{ }} template opening.
func HasTemplate(s string) bool { return strings.Contains(s, "${{") }

// splitTemplate cuts s into literal and expression segments. The closing
// "}}" is found outside string literals and braces of the expression, so
// map literals and strings containing "}}" work.
func splitTemplate(s string) ([]segment, *templateError) {
	var segs []segment
	runeAt := 0 // rune offset of byte i
	i := 0
	litStart, litRune := 0, 0
	for i < len(s) {
		if !strings.HasPrefix(s[i:], "${{") {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
			runeAt++
			continue
		}
		if i > litStart {
			segs = append(segs, segment{lit: s[litStart:i], start: litRune})
		}
		open := runeAt
		body := i + 3
		end, endRunes, ok := findClose(s[body:])
		if !ok {
			return nil, &templateError{off: open, msg: "unterminated ${{ (missing }})"}
		}
		e := s[body : body+end]
		if strings.TrimSpace(e) == "" {
			return nil, &templateError{off: open, msg: "empty ${{ }} expression"}
		}
		segs = append(segs, segment{expr: e, isExpr: true, start: open, off: open + 3})
		i = body + end + 2
		runeAt = open + 3 + endRunes + 2
		litStart, litRune = i, runeAt
	}
	if litStart < len(s) {
		segs = append(segs, segment{lit: s[litStart:], start: litRune})
	}
	return segs, nil
}

// findClose returns the byte and rune length of the expression before the
// closing "}}".
func findClose(s string) (int, int, bool) {
	depth := 0
	var quote rune
	escaped := false
	runes := 0
	for i, r := range s {
		switch {
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote != '`':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case r == '{' || r == '[' || r == '(':
			depth++
		case r == '}' && depth == 0 && strings.HasPrefix(s[i:], "}}"):
			return i, runes, true
		case r == '}' || r == ']' || r == ')':
			if depth > 0 {
				depth--
			}
		}
		runes++
	}
	return 0, 0, false
}
