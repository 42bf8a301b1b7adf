package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine"
)

func TestText(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]*engine.Plan{
		"TextFull":  fullPlan(),
		"TextEmpty": emptyPlan(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Text(&buf, p, TextOptions{Width: 80}); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}

func TestTextColor(t *testing.T) {
	t.Parallel()
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Text(&buf, fullPlan(), TextOptions{Color: color, Width: 80}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if got := strings.Contains(out, "\x1b["); got != color {
			t.Errorf("Color=%v: output has ANSI codes = %v", color, got)
		}
		if color {
			// Word-diff spans are coloured instead of bracketed.
			if strings.Contains(out, "[-daily-]") || !strings.Contains(out, "daily") {
				t.Errorf("Color=true: word diff not coloured:\n%s", out)
			}
			if !strings.HasSuffix(out, "Plan: 1 to create, 2 to update, 1 to delete, 2 steps to run (and 1 read-only)."+ansiReset+"\n") {
				t.Errorf("Color=true: wrong footer:\n%q", out[max(0, len(out)-120):])
			}
		}
	}
}

// TestTextWraps checks that word-diff lines of long strings fit the width.
func TestTextWraps(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 60)
	p := &engine.Plan{Changes: []engine.Change{{Addr: engine.Addr{Target: "t", Kind: "k", Name: "n"}, Action: engine.Update,
		Diff: diffOf(map[string]any{"a": map[string]any{"b": map[string]any{"c": long + "old"}}},
			map[string]any{"a": map[string]any{"b": map[string]any{"c": long + "new"}}})}},
		Summary: engine.Summary{Update: 1}}
	for _, width := range []int{50, 80, 120} {
		var buf bytes.Buffer
		if err := Text(&buf, p, TextOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(buf.String(), "\n") {
			if strings.HasPrefix(l, "      ") && len(l) > width { // diff lines; headers and footer are fixed
				t.Errorf("width %d: line of %d columns: %q", width, len(l), l)
			}
		}
	}
}
