package render

import (
	"io"
	"testing"
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
