package playbook

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/vplay-dev/vplay/engine/diag"
)

// offsetByScan and posByScan are the straightforward conversions (rescan
// the line) that source.offset and source.pos must agree with.
func offsetByScan(s *source, line, col int) int {
	if line < 1 || line > len(s.lines) {
		return len(s.text)
	}
	off := s.lines[line-1]
	for c := 1; c < col && off < len(s.text) && s.text[off] != '\n'; c++ {
		_, w := utf8.DecodeRune(s.text[off:])
		off += w
	}
	return off
}

func posByScan(s *source, off int) diag.Pos {
	off = min(max(off, 0), len(s.text))
	line := 0
	for i, start := range s.lines {
		if start <= off {
			line = i
		}
	}
	return diag.Pos{File: s.file, Line: line + 1, Col: utf8.RuneCount(s.text[s.lines[line]:off]) + 1}
}

func TestSourcePositions(t *testing.T) {
	t.Parallel()
	texts := []string{
		"",
		"a: 1\nb: 2",
		"a: 1\nb: 2\n",
		"ключ: значение\n€: x\n\nend",
		"bad \xff\xfe utf8: \xe2\x82\n\xf0\x9f\x98\x80 ok\n",
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", " ", "\n", "é", "€", "😀", "\xff", "\xe2\x82"}
	for range 50 {
		var b []byte
		for range r.IntN(60) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		texts = append(texts, string(b))
	}
	for _, text := range texts {
		s := newSource("f.yaml", []byte(text))
		for off := -1; off <= len(text)+1; off++ {
			if got, want := s.pos(off), posByScan(s, off); got != want {
				t.Fatalf("pos(%d) in %q = %v, want %v", off, text, got, want)
			}
		}
		for line := 0; line <= len(s.lines)+1; line++ {
			for col := 0; col <= len(text)+2; col++ {
				if got, want := s.offset(line, col), offsetByScan(s, line, col); got != want {
					t.Fatalf("offset(%d, %d) in %q = %d, want %d", line, col, text, got, want)
				}
			}
		}
	}
}
