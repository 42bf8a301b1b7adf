package render

import (
	"fmt"
	"io"
	"testing"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/jsondoc"
)

// Run with: go test ./engine/render -run '^$' -bench . -benchmem

func BenchmarkText5000(b *testing.B) {
	p := bigPlan(5000, 50)
	b.ReportAllocs()
	for b.Loop() {
		if err := Text(io.Discard, p, TextOptions{Width: 100}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarkdown5000(b *testing.B) {
	p := bigPlan(5000, 50)
	b.ReportAllocs()
	for b.Loop() {
		if err := Markdown(io.Discard, p, MarkdownOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarkdown5000Unbounded renders every change (no budget cut).
func BenchmarkMarkdown5000Unbounded(b *testing.B) {
	p := bigPlan(5000, 50)
	b.ReportAllocs()
	for b.Loop() {
		if err := Markdown(io.Discard, p, MarkdownOptions{Budget: 1 << 30}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSON5000(b *testing.B) {
	p := bigPlan(5000, 50)
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTextLargeList lays out the diff of a 1,000-element list of
// objects, 100 of them changed (the engine matched the elements).
func BenchmarkTextLargeList(b *testing.B) {
	extents := func(drift bool) []any {
		out := make([]any, 1000)
		for i := range out {
			tasks := 4
			if drift && i%10 == 0 {
				tasks = 8
			}
			out[i] = map[string]any{"name": fmt.Sprintf("extent-%04d", i), "repository": map[string]any{"path": fmt.Sprintf("/backups/%d", i), "maxTaskCount": tasks}}
		}
		return out
	}
	c := engine.Change{Action: engine.Update, Diff: []engine.DiffNode{
		engine.DiffValues(jsondoc.Path{jsondoc.Key("performanceExtents")}, extents(true), extents(false)),
	}}
	b.ReportAllocs()
	for b.Loop() {
		if len(DiffLines(c, 100)) == 0 {
			b.Fatal("no lines")
		}
	}
}
