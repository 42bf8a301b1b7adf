package render

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, want, line string }{
		"plain":         {in: "repo-ams", want: "repo-ams", line: "repo-ams"},
		"csi":           {in: "a\x1b[2Jb\x1b[31;1mc", want: "abc", line: "abc"},
		"osc title bel": {in: "a\x1b]0;pwned\x07b", want: "ab", line: "ab"},
		"osc link st":   {in: "a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", want: "alink", line: "alink"},
		"lone esc":      {in: "a\x1bMb", want: "ab", line: "ab"},
		"c1 csi":        {in: "a\u009b2Jb\u0085c", want: "abc", line: "abc"},
		"raw 8-bit csi": {in: "a\x9b2Jb", want: "a\ufffd2Jb", line: "a\ufffd2Jb"},
		"bidi":          {in: "x\u202egnp.exe\u2066y\u2069", want: "xgnp.exey", line: "xgnp.exey"},
		"c0 and del":    {in: "a\x00\x07\x08\x7fb", want: "ab", line: "ab"},
		"layout":        {in: "a\nb\tc\rd", want: "a\nb\tcd", line: "a b c d"},
		"unicode kept":  {in: "Größe 100 % ✓", want: "Größe 100 % ✓", line: "Größe 100 % ✓"},
		"cut sequence":  {in: "a\x1b[2", want: "a", line: "a"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := CleanLine(tc.in); got != tc.line {
				t.Errorf("CleanLine(%q) = %q, want %q", tc.in, got, tc.line)
			}
		})
	}
}

// TestCleanWriterSplit: a sequence or a multi-byte rune split over writes
// is still removed whole.
func TestCleanWriterSplit(t *testing.T) {
	t.Parallel()
	text := "error: \x1b]0;title\x07bad\u202e req\x1b[2Juest \u009b1A✓\n"
	want := "error: bad request ✓\n"
	for _, chunk := range []int{1, 2, 3, 4, len(text)} {
		var b bytes.Buffer
		w := CleanWriter(&b)
		for i := 0; i < len(text); i += chunk {
			if _, err := w.Write([]byte(text[i:min(i+chunk, len(text))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != want {
			t.Errorf("chunk %d: got %q, want %q", chunk, got, want)
		}
	}
}

// TestTextCleansServerText: the plan text and the apply event lines carry
// no control characters from servers; the JSON event keeps the exact
// string.
func TestTextCleansServerText(t *testing.T) {
	t.Parallel()
	const hostile = "\x1b]0;pwned\x07\x1b[2Jbad\rfake\u202eline"
	p := &engine.Plan{FormatVersion: engine.FormatVersion,
		Targets: []engine.Target{{Name: "vbr", API: "vbr", URL: "https://vbr:9419"}},
		Changes: []engine.Change{{Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo"}, Action: engine.Update,
			Diff: diffOf(map[string]any{"description": hostile, hostile: 1}, map[string]any{"description": "ok", hostile: 2})}},
		Steps:   []engine.StepRun{{ID: "s", Action: "log", Status: engine.StepWillRun, Summary: hostile, Items: []string{hostile}}},
		Summary: engine.Summary{Update: 1}}
	var text, md bytes.Buffer
	if err := Text(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	var events, jsonl bytes.Buffer
	ev := engine.ResourceDone{Addr: p.Changes[0].Addr, Action: engine.Update, Err: &wrapErr{hostile, fs.ErrPermission}}
	TextObserver(&events, TextOptions{}).Observe(ev)
	TextObserver(&events, TextOptions{}).Observe(engine.ApplyDone{Result: &engine.Result{Items: []engine.ItemResult{{Addr: "x", Outcome: engine.OutcomeFailed, Error: hostile}}}})
	JSONObserver(&jsonl).Observe(ev)
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "events": events.String()} {
		for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output contains %q:\n%q", name, bad, out)
			}
		}
		if !strings.Contains(out, "badfakeline") && !strings.Contains(out, "bad fake") {
			t.Errorf("%s output lost the text:\n%s", name, out)
		}
	}
	if !strings.Contains(jsonl.String(), `\u001b]0;pwned\u0007\u001b[2Jbad\rfake`+"\u202e"+`line`) {
		t.Errorf("JSON event does not keep the exact string: %s", jsonl.String())
	}
	if !errors.Is(cleanErr(ev.Err), fs.ErrPermission) {
		t.Error("cleaned error lost its chain")
	}
}

type wrapErr struct {
	msg string
	err error
}

func (e *wrapErr) Error() string { return e.msg }
func (e *wrapErr) Unwrap() error { return e.err }
