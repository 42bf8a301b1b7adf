package playbook

import (
	"bytes"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/schema/testcatalog"
)

// pathological returns inputs that once made loading super-linear in their
// size, at a size scale (16 for the regression test, 1 for the FuzzLoad
// seeds): YAML alias bombs (with and without templates, which were
// compiled once per expanded node), a long flow-style line (positions were
// found by rescanning the line), a scalar with many templates (each position
// rescanned the scalar), deep static nesting (each level copied its
// subtree), thousands of unknown keys in one mapping (each diagnostic
// scanned the mapping's keys), nesting far beyond MaxDepth (goccy keeps
// each node's path: memory grew with the square of the depth, 50,000 levels
// ran out of memory) and long block mappings (goccy parses them in time
// growing with the square of their length: 100,000 keys took 15 s; they are
// now parsed in chunks, or refused past MaxBlockKeys when anchors prevent
// that).
func pathological(scale int) map[string][]byte {
	const head = "vplay: 1\ntargets:\n  vbr: { type: vbr, url: u }\n"
	repeat := func(n int, f func(b *strings.Builder, i int)) string {
		var b strings.Builder
		for i := range n {
			f(&b, i)
		}
		return b.String()
	}
	tens := func(prefix string, i int) string {
		return "[" + strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*%s%d, ", prefix, i-1), 10), ", ") + "]"
	}
	return map[string][]byte{
		"alias bomb": []byte(head + "vars:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + repeat(6, func(b *strings.Builder, i int) {
			fmt.Fprintf(b, "  a%d: &a%d %s\n", i+1, i+1, tens("a", i+1))
		})),
		"template alias bomb": []byte(head + "steps:\n  - id: s\n    action: log\n    with:\n      message: m\n" +
			"      t0: &t0 [\"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\", \"${{ vars.q }}\"]\n" +
			repeat(5, func(b *strings.Builder, i int) { fmt.Fprintf(b, "      t%d: &t%d %s\n", i+1, i+1, tens("t", i+1)) })),
		"long flow line":      []byte(head + "vars: {" + repeat(500*scale, func(b *strings.Builder, i int) { fmt.Fprintf(b, "k%d: v%d, ", i, i) }) + "z: 1}\n"),
		"long non-ASCII line": []byte(head + "vars: {" + repeat(250*scale, func(b *strings.Builder, i int) { fmt.Fprintf(b, "k%d: \"значение€%d\", ", i, i) }) + "z: 1}\n"),
		"many templates in a scalar": []byte(head + "resources:\n  - kind: vbr.repository\n    name: \"" +
			repeat(250*scale, func(b *strings.Builder, i int) { fmt.Fprintf(b, "é${{ vars.nope%d }}", i) }) + "\"\n"),
		"deep static nesting": []byte(head + "steps:\n  - id: s\n    action: http\n    with: { method: GET, path: /x, body: " +
			strings.Repeat("[", min(250*scale, MaxDepth-10)) + strings.Repeat("]", min(250*scale, MaxDepth-10)) + " }\n"),
		"nesting 50,000 deep":    []byte(head + "vars:\n  x: " + strings.Repeat("[", 3125*scale) + strings.Repeat("]", 3125*scale) + "\n"),
		"block nesting too deep": []byte(head + "vars:\n  x:\n    " + strings.Repeat("- ", 70*scale) + "x\n"),
		"long block mapping":     []byte(head + "vars:\n" + repeat(640*scale, func(b *strings.Builder, i int) { fmt.Fprintf(b, "  k%d: 1\n", i) })),
		"too many block keys with an anchor": []byte(head + "vars:\n  a: &a 1\n  b: *a\n" +
			repeat(640*scale, func(b *strings.Builder, i int) { fmt.Fprintf(b, "  k%d: 1\n", i) })),
		"long block mappings with an anchor": []byte(head + "vars:\n  a: &a 1\n" + repeat(5, func(b *strings.Builder, i int) {
			fmt.Fprintf(b, "  m%d:\n", i)
			for j := range 563 * scale {
				fmt.Fprintf(b, "    k%d: 1\n", j)
			}
		})),
		"many long block mappings": []byte(head + "vars:\n" + repeat(2*scale, func(b *strings.Builder, i int) {
			fmt.Fprintf(b, "  m%d:\n", i)
			for j := range 16 * scale {
				fmt.Fprintf(b, "    k%d: 1\n", j)
			}
		})),
		"many unknown keys": []byte(head + repeat(500*scale, func(b *strings.Builder, i int) { fmt.Fprintf(b, "key%d: 1\n", i) })),
	}
}

func TestPathological(t *testing.T) {
	t.Parallel()
	cat := testcatalog.Catalog()
	tests := map[string]struct {
		code  string // code of the first diagnostic; "" for a valid playbook
		count int    // diagnostics reported, the summary included
	}{
		"alias bomb":                         {code: "too-large", count: 1},
		"template alias bomb":                {code: "too-large", count: 1},
		"long flow line":                     {},
		"long non-ASCII line":                {},
		"many templates in a scalar":         {code: "unknown-var", count: maxReported + 1},
		"deep static nesting":                {},
		"many unknown keys":                  {code: "unknown-key", count: maxReported + 1},
		"nesting 50,000 deep":                {code: "too-deep", count: 1},
		"block nesting too deep":             {code: "too-deep", count: 1},
		"long block mapping":                 {},
		"too many block keys with an anchor": {code: "too-many-keys", count: 1},
		"many long block mappings":           {},
		"long block mappings with an anchor": {code: "too-many-keys", count: 1},
	}
	inputs := pathological(16)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := inputs[name]
			// How long it takes is BenchmarkPathological's business; that
			// the work stays linear is TestPathologicalLinear's.
			pb, ds := Parse("f.yaml", src, cat, Options{})
			if tc.code == "" {
				if pb == nil {
					t.Fatalf("Parse(%s) = %v, want a valid playbook", name, diag.Format(ds[:min(len(ds), 3)], nil))
				}
				return
			}
			if len(ds) != tc.count || ds[0].Code != tc.code {
				t.Fatalf("Parse(%s) = %d diagnostics starting with %v, want %d starting with code %s", name, len(ds), ds[:min(len(ds), 1)], tc.count, tc.code)
			}
			if tc.code == "unknown-key" && ds[0].Hint == "" {
				// Hints are computed only for reported diagnostics: they
				// must still be there.
				t.Errorf("Parse(%s): first diagnostic %v has no hint", name, ds[0])
			}
			lines := bytes.Count(src, []byte("\n")) + 1
			for _, d := range ds {
				if d.Pos.Line > lines {
					t.Errorf("diagnostic outside the file: %v", d)
				}
			}
		})
	}
}

// TestPathologicalLinear checks, independently of the machine's load, that
// loading each pathological input does work linear in its size: the heap
// allocations per input byte at scale 16 stay within 1.5 times those at
// scale 8 (work growing with the square of the size doubles them). It
// counts the process's allocations, so it must not run in parallel.
func TestPathologicalLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("parses each input twice at a large scale")
	}
	cat := testcatalog.Catalog()
	Parse("f.yaml", []byte("vplay: 1\n"), cat, Options{}) // compile the schema once, outside the counts
	small, large := pathological(8), pathological(16)
	for _, name := range slices.Sorted(maps.Keys(large)) {
		perByte := func(src []byte) float64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			Parse("f.yaml", src, cat, Options{})
			runtime.ReadMemStats(&after)
			return float64(after.Mallocs-before.Mallocs) / float64(len(src))
		}
		s, l := perByte(small[name]), perByte(large[name])
		if l > 1.5*s {
			t.Errorf("%s: %.2f allocations per input byte at scale 16, %.2f at scale 8: the work grows faster than the input", name, l, s)
		}
	}
}

// BenchmarkPathological measures how long each pathological input takes
// to load at the size TestPathological checks.
func BenchmarkPathological(b *testing.B) {
	cat := testcatalog.Catalog()
	inputs := pathological(16)
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		b.Run(name, func(b *testing.B) {
			src := inputs[name]
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				Parse("f.yaml", src, cat, Options{})
			}
		})
	}
}

// TestManyTemplatesPositions checks positions inside a long scalar, which
// are now computed from a table built once per scalar.
func TestManyTemplatesPositions(t *testing.T) {
	t.Parallel()
	src := []byte("vplay: 1\ntargets:\n  vbr: { type: vbr, url: u }\nresources:\n  - kind: vbr.repository\n    name: \"é${{ vars.a }}é${{ vars.b }}\"\n")
	_, ds := Parse("f.yaml", src, testcatalog.Catalog(), Options{})
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Col, d.Summary))
	}
	want := []string{"6:22 unknown variable `a`", "6:36 unknown variable `b`"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Parse diagnostics = %q, want %q", got, want)
	}
}

func TestTooManyDiagnostics(t *testing.T) {
	t.Parallel()
	src := pathological(1)["many unknown keys"]
	_, ds := Parse("f.yaml", src, testcatalog.Catalog(), Options{})
	if len(ds) != maxReported+1 {
		t.Fatalf("got %d diagnostics, want %d", len(ds), maxReported+1)
	}
	last := ds[maxReported]
	want := diag.Diagnostic{Severity: diag.SevError, Pos: diag.Pos{File: "f.yaml"}, Code: "too-many-diagnostics",
		Summary: fmt.Sprintf("%d more problems not shown; fix the ones above first", 500-maxReported)}
	if last != want {
		t.Errorf("last diagnostic = %#v, want %#v", last, want)
	}
	if got := ds[maxReported-1].Pos.Line; got != maxReported+3 {
		t.Errorf("last shown diagnostic on line %d, want %d (the first ones in the file are kept)", got, maxReported+3)
	}
}
