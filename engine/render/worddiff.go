package render

import (
	"strings"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// maxWordDiff bounds the bytes of two strings diffed word by word; larger
// ones are shown as a whole replacement, so rendering time stays bounded.
const maxWordDiff = 32 << 10

// maxTokens bounds the distinct tokens a word diff maps to runes; past it
// the strings are shown as a whole replacement.
const maxTokens = 1 << 20

// wordDiff computes a word-level diff of two strings with sergi/go-diff:
// both are cut into words, whitespace runs and newlines, each distinct token
// is mapped to one rune, the rune strings are diffed and cleaned up
// semantically, and the runes are mapped back. Spans are OpContext, OpRemove
// or OpAdd.
func wordDiff(a, b string) []Span {
	if len(a)+len(b) > maxWordDiff {
		return []Span{{Op: OpRemove, Text: a}, {Op: OpAdd, Text: b}}
	}
	ra, rb, table, ok := encodeTokens(tokenize(a), tokenize(b))
	if !ok {
		return []Span{{Op: OpRemove, Text: a}, {Op: OpAdd, Text: b}}
	}
	dmp := diffmatchpatch.New()
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(ra, rb, false))
	spans := make([]Span, 0, len(diffs))
	for _, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			sb.WriteString(table[runeToken(r)])
		}
		op := OpContext
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = OpRemove
		case diffmatchpatch.DiffInsert:
			op = OpAdd
		}
		if sb.Len() > 0 {
			spans = append(spans, Span{Op: op, Text: sb.String()})
		}
	}
	return spans
}

// encodeTokens maps each distinct token of two sequences to one rune, so
// the rune strings can be diffed; ok is false past maxTokens distinct
// tokens.
func encodeTokens(ta, tb []string) (ra, rb []rune, table []string, ok bool) {
	ids := make(map[string]rune, len(ta)+len(tb))
	encode := func(toks []string) ([]rune, bool) {
		rs := make([]rune, len(toks))
		for i, t := range toks {
			r, ok := ids[t]
			if !ok {
				if len(table) >= maxTokens {
					return nil, false
				}
				r = tokenRune(len(table))
				ids[t] = r
				table = append(table, t)
			}
			rs[i] = r
		}
		return rs, true
	}
	ra, okA := encode(ta)
	rb, okB := encode(tb)
	return ra, rb, table, okA && okB
}

// tokenRune maps a token index to a valid rune, skipping the surrogate
// range that Go strings cannot hold.
func tokenRune(i int) rune {
	r := rune(i + 1)
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

func runeToken(r rune) int {
	if r >= 0xE000 {
		r -= 0x800
	}
	return int(r - 1)
}

// tokenize cuts s into runs of non-space characters, runs of spaces and
// tabs, and single newlines; joining the tokens gives s back.
func tokenize(s string) []string {
	var toks []string
	start := 0
	class := func(r rune) int {
		switch {
		case r == '\n':
			return 0
		case unicode.IsSpace(r):
			return 1
		}
		return 2
	}
	prev := -1
	for i, r := range s {
		c := class(r)
		if i > start && (c != prev || c == 0) {
			toks = append(toks, s[start:i])
			start = i
		}
		prev = c
	}
	if start < len(s) {
		toks = append(toks, s[start:])
	}
	return toks
}

// spanLines splits spans at newlines into display lines and wraps each line
// so that its text (with word-diff markers) fits in width columns when
// possible; width <= 0 disables wrapping.
func spanLines(spans []Span, width int) [][]Span {
	var lines [][]Span
	var cur []Span
	for _, sp := range spans {
		parts := strings.Split(sp.Text, "\n")
		for i, p := range parts {
			if i > 0 {
				lines = append(lines, cur)
				cur = nil
			}
			if p == "" {
				continue
			}
			if k := len(cur) - 1; k >= 0 && cur[k].Op == sp.Op {
				cur[k].Text += p
			} else {
				cur = append(cur, Span{Op: sp.Op, Text: p})
			}
		}
	}
	lines = append(lines, cur)
	if width <= 0 {
		return lines
	}
	var out [][]Span
	for _, l := range lines {
		out = append(out, wrapSpans(l, width)...)
	}
	return out
}

// wrapSpans greedily packs the words of one display line into lines of at
// most width columns, counting the word-diff markers.
func wrapSpans(line []Span, width int) [][]Span {
	type word struct {
		op   Op
		text string
	}
	var words []word
	for _, sp := range line {
		for _, t := range splitKeepSpace(sp.Text) {
			words = append(words, word{sp.Op, t})
		}
	}
	var out [][]Span
	var cur []Span
	n := 0
	canBreak := false
	for _, w := range words {
		cost := len([]rune(w.text))
		if w.op != OpContext {
			cost += 4
		}
		// Break only where the previous word ended in a blank, so a word
		// made of several spans ("servers{+,+}") stays whole.
		if n > 0 && canBreak && n+len([]rune(strings.TrimRight(w.text, " \t"))) > width && strings.TrimSpace(w.text) != "" {
			out = append(out, cur)
			cur, n = nil, 0
		}
		if k := len(cur) - 1; k >= 0 && cur[k].Op == w.op {
			cur[k].Text += w.text
		} else {
			cur = append(cur, Span{Op: w.op, Text: w.text})
		}
		n += cost
		canBreak = strings.HasSuffix(w.text, " ") || strings.HasSuffix(w.text, "\t")
	}
	return append(out, cur)
}

// splitKeepSpace cuts s after each run of spaces, so "a b  c" becomes
// "a ", "b  ", "c".
func splitKeepSpace(s string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range s {
		sp := r == ' ' || r == '\t'
		if inSpace && !sp {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = sp
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// spanText renders spans as plain text with git-style word-diff markers:
// [-removed-] and {+added+}. Trailing blanks of the line are dropped.
func spanText(spans []Span) string {
	var sb strings.Builder
	for i, sp := range spans {
		t := sp.Text
		if i == len(spans)-1 {
			t = strings.TrimRight(t, " \t")
		}
		switch sp.Op {
		case OpRemove:
			sb.WriteString("[-" + t + "-]")
		case OpAdd:
			sb.WriteString("{+" + t + "+}")
		default:
			sb.WriteString(t)
		}
	}
	return sb.String()
}

// spanOp classifies a display line by its spans: a line with changes and
// unchanged words is a change; a line of only added (or only removed) text
// is an added (removed) line; a line without changes is context.
func spanOp(spans []Span) Op {
	var add, rem, kept bool
	for _, sp := range spans {
		switch sp.Op {
		case OpAdd:
			add = true
		case OpRemove:
			rem = true
		default:
			kept = kept || strings.TrimSpace(sp.Text) != ""
		}
	}
	switch {
	case !add && !rem:
		return OpContext
	case kept || add && rem:
		return OpChange
	case add:
		return OpAdd
	}
	return OpRemove
}
