package playbook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/eval"
)

// dump renders a Node tree with every position, for comparing parses.
func dump(b *strings.Builder, n *eval.Node, indent string) {
	fmt.Fprintf(b, "%s%v %d %#v\n", indent, n.Pos, n.Kind, n.Value)
	for i, it := range n.Items {
		if n.Kind == eval.MappingNode {
			fmt.Fprintf(b, "%s key %q at %v\n", indent, n.Keys[i], n.KeyPos[i])
		}
		dump(b, it, indent+"  ")
	}
}

// longMapping is a document with long block mappings (nested ones too),
// with comments, block scalars, lists, quoted keys and a duplicate key in a
// later chunk. anchor is written on the first key's value: "&anc" stops
// the chunked parse, four spaces keep every position the same.
func longMapping(anchor string) []byte {
	var b strings.Builder
	b.WriteString("vplay: 1\nvars:\n  first: " + anchor + " 1\n")
	for i := range 700 {
		switch i % 7 {
		case 0:
			fmt.Fprintf(&b, "  k%d: |\n    line one %d\n    line two\n", i, i)
		case 1:
			fmt.Fprintf(&b, "  # comment %d\n  \"quoted %d\": [a, {b: %d}]\n", i, i, i)
		case 2:
			fmt.Fprintf(&b, "  k%d:\n    - x\n    - y: %d\n", i, i)
		case 3:
			if i == 346 {
				fmt.Fprintf(&b, "  nested:\n")
				for j := range 300 {
					fmt.Fprintf(&b, "    n%d: %d\n", j, j)
				}
				continue
			}
			fmt.Fprintf(&b, "  k%d: plain %d\n", i, i)
		default:
			fmt.Fprintf(&b, "  k%d: %d\n", i, i)
		}
	}
	b.WriteString("  k10: again\nsteps: []\n")
	return []byte(b.String())
}

// TestLongMappingChunks: a long block mapping parsed in chunks gives the
// same tree, positions and diagnostics as parsed whole.
func TestLongMappingChunks(t *testing.T) {
	t.Parallel()
	chunked, whole := newSource("f.yaml", longMapping("    ")), newSource("f.yaml", longMapping("&anc"))
	if regions, d := checkShape(chunked, lexer.Tokenize(string(chunked.text))); d != nil || len(regions) != 2 {
		t.Fatalf("checkShape = %d regions, %v; want the mapping and the nested one", len(regions), d)
	}
	if regions, _ := checkShape(whole, lexer.Tokenize(string(whole.text))); len(regions) != 0 {
		t.Fatalf("checkShape with an anchor = %d regions, want 0", len(regions))
	}
	got, gotDiags := parseYAML(chunked)
	want, wantDiags := parseYAML(whole)
	if got == nil || want == nil {
		t.Fatalf("parseYAML: %v / %v", gotDiags, wantDiags)
	}
	var g, w strings.Builder
	dump(&g, got, "")
	dump(&w, want, "")
	if diff := cmp.Diff(w.String(), g.String()); diff != "" {
		t.Errorf("chunked parse differs from the whole parse (-whole +chunked):\n%s", diff)
	}
	if diff := cmp.Diff(wantDiags, gotDiags); diff != "" || len(gotDiags) != 1 || gotDiags[0].Code != "duplicate-key" {
		t.Errorf("diagnostics = %v, want the duplicate k10 as parsed whole (-whole +chunked):\n%s", gotDiags, diff)
	}
}
