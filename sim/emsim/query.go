package emsim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fields are the queryable properties of one object, keyed by lower-case
// vendor name.
type fields map[string]any

// cond is a compiled query-service filter.
type cond interface {
	eval(f fields) bool
}

type orCond []cond
type andCond []cond
type cmpCond struct {
	field, op, lit string
}

func (c orCond) eval(f fields) bool {
	for _, x := range c {
		if x.eval(f) {
			return true
		}
	}
	return false
}

func (c andCond) eval(f fields) bool {
	for _, x := range c {
		if !x.eval(f) {
			return false
		}
	}
	return true
}

func (c cmpCond) eval(f fields) bool {
	v := f[c.field]
	cmp, ok := compare(v, c.lit)
	if !ok {
		return c.op == "!="
	}
	switch c.op {
	case "==":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case ">":
		return cmp > 0
	case "<=":
		return cmp <= 0
	default: // ">="
		return cmp >= 0
	}
}

// compare orders a field value against a literal; ok is false when the
// literal cannot be read as the field's type. Strings compare without regard
// to case (inferred: Enterprise Manager is a Windows service backed by SQL
// Server's default case-insensitive collation). Enum fields are strings here,
// so < and > order them by name, not by index as the vendor does.
func compare(v any, lit string) (int, bool) {
	switch x := v.(type) {
	case nil:
		return strings.Compare("", strings.ToLower(lit)), true
	case bool:
		b, err := strconv.ParseBool(strings.ToLower(lit))
		if err != nil {
			return 0, false
		}
		switch {
		case x == b:
			return 0, true
		case !x:
			return -1, true
		default:
			return 1, true
		}
	case int:
		n, err := strconv.Atoi(lit)
		if err != nil {
			return 0, false
		}
		return x - n, true
	case time.Time:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, lit); err == nil {
				return x.Compare(t), true
			}
		}
		return 0, false
	default:
		return strings.Compare(strings.ToLower(fmt.Sprint(x)), strings.ToLower(lit)), true
	}
}

// errFilter is the sentinel of every filter syntax error.
var errFilter = errors.New("emsim: invalid filter")

// parseFilter compiles a query-service filter: comparisons with == != < >
// <= >=, ";" for AND, "," for OR (AND binds tighter), parentheses for
// grouping, values quoted with "" when they contain spaces or separators.
// known lists the field names (lower case) the type has.
func parseFilter(s string, known map[string]bool) (cond, error) {
	p := &filterParser{s: s, known: known}
	c, err := p.or(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, fmt.Errorf("%w: unexpected %q at %d", errFilter, p.s[p.i:], p.i)
	}
	return c, nil
}

type filterParser struct {
	s     string
	i     int
	known map[string]bool
}

func (p *filterParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *filterParser) or(depth int) (cond, error) {
	if depth > 32 {
		return nil, fmt.Errorf("%w: nested too deep", errFilter)
	}
	var out orCond
	for {
		c, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		break
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func (p *filterParser) and(depth int) (cond, error) {
	var out andCond
	for {
		c, err := p.primary(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ';' {
			p.i++
			continue
		}
		break
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func (p *filterParser) primary(depth int) (cond, error) {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		c, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, fmt.Errorf("%w: missing )", errFilter)
		}
		p.i++
		return c, nil
	}
	start := p.i
	for p.i < len(p.s) && (isIdent(p.s[p.i])) {
		p.i++
	}
	field := p.s[start:p.i]
	if field == "" {
		return nil, fmt.Errorf("%w: expected a field name at %d", errFilter, start)
	}
	if !p.known[strings.ToLower(field)] {
		return nil, fmt.Errorf("%w: unknown field %q", errFilter, field)
	}
	p.space()
	var op string
	for _, o := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, fmt.Errorf("%w: expected an operator after %q", errFilter, field)
	}
	p.i += len(op)
	p.space()
	lit, err := p.value()
	if err != nil {
		return nil, err
	}
	return cmpCond{field: strings.ToLower(field), op: op, lit: lit}, nil
}

func (p *filterParser) value() (string, error) {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		end := strings.IndexByte(p.s[p.i+1:], '"')
		if end < 0 {
			return "", fmt.Errorf("%w: unterminated quoted value", errFilter)
		}
		v := p.s[p.i+1 : p.i+1+end]
		p.i += end + 2
		return v, nil
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(";,()", rune(p.s[p.i])) {
		p.i++
	}
	return strings.TrimSpace(p.s[start:p.i]), nil
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
