package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/jsondoc"
)

// FuzzRender feeds arbitrary paths and strings through every plan renderer:
// none may panic, Markdown stays within its budget and a sensitive value
// never shows.
func FuzzRender(f *testing.F) {
	f.Add("a.b[1].c", "old value", "new value", 500)
	f.Add(`m["x.y"]`, "line\none\n", "line\ntwo", 80)
	f.Add("[", strings.Repeat("long words ", 20), "short", 1)
	f.Add("a[99999999999999999999]", "", "\x00\xff", 3000)
	f.Fuzz(func(t *testing.T, path, before, after string, budget int) {
		p := &engine.Plan{
			Changes: []engine.Change{{
				Addr: engine.Addr{Target: "t<", Kind: "k|", Name: path}, Action: engine.Update,
				Diff: []engine.DiffNode{
					{Path: jsondoc.Path{jsondoc.Key(path)}, Op: engine.DiffChange, Before: before, After: after},
					{Path: jsondoc.Path{jsondoc.Key(path), jsondoc.Index(len(path))}, Op: engine.DiffChange, Fields: []engine.DiffNode{{
						Path: jsondoc.Path{jsondoc.Key(path), jsondoc.Index(len(path)), jsondoc.Key("secret")}, Op: engine.DiffChange,
						Before: engine.Sensitive, After: engine.Sensitive, Sensitive: true,
					}}},
					engine.DiffValues(jsondoc.Path{jsondoc.Key("list")}, []any{before, path}, []any{path, after}),
				},
			}},
			Steps:   []engine.StepRun{{ID: path, Status: engine.StepWillRun, Reason: before}},
			Summary: engine.Summary{Update: 1, Steps: 1},
		}
		var buf bytes.Buffer
		if err := Text(&buf, p, TextOptions{Width: 40}); err != nil {
			t.Fatal(err)
		}
		if err := JSON(&buf, p); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "zz-SECRET-zz") {
			t.Fatal("secret in text or json output")
		}
		buf.Reset()
		if budget <= 0 || budget > 1<<20 {
			budget = DefaultBudget
		}
		if err := Markdown(&buf, p, MarkdownOptions{Budget: budget}); err != nil {
			t.Fatal(err)
		}
		if buf.Len() > budget {
			t.Fatalf("markdown has %d bytes, budget %d", buf.Len(), budget)
		}
		if strings.Contains(buf.String(), "zz-SECRET-zz") {
			t.Fatal("secret in markdown output")
		}
	})
}
