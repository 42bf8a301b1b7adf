package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/schema"
)

// treeDiff describes the first difference between two node trees, or "".
// Scalars' position mappings are compared at every rune offset.
func treeDiff(path string, a, b *eval.Node) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return path + ": one tree is nil"
		}
		return ""
	case a.Kind != b.Kind || a.Pos != b.Pos || fmt.Sprintf("%T %#v", a.Value, a.Value) != fmt.Sprintf("%T %#v", b.Value, b.Value):
		return fmt.Sprintf("%s: %v %v %#v != %v %v %#v", path, a.Kind, a.Pos, a.Value, b.Kind, b.Pos, b.Value)
	case fmt.Sprint(a.Keys) != fmt.Sprint(b.Keys) || fmt.Sprint(a.KeyPos) != fmt.Sprint(b.KeyPos):
		return fmt.Sprintf("%s: keys %v at %v != %v at %v", path, a.Keys, a.KeyPos, b.Keys, b.KeyPos)
	case len(a.Items) != len(b.Items):
		return fmt.Sprintf("%s: %d items != %d", path, len(a.Items), len(b.Items))
	}
	if s, ok := a.Value.(string); ok && (a.At != nil || b.At != nil) {
		if a.At == nil || b.At == nil {
			return path + ": one scalar has no position mapping"
		}
		for off := 0; off <= utf8.RuneCountInString(s) && off < 512; off++ {
			if a.At(off) != b.At(off) {
				return fmt.Sprintf("%s: offset %d at %v != %v", path, off, a.At(off), b.At(off))
			}
		}
	}
	for i := range a.Items {
		if d := treeDiff(fmt.Sprintf("%s/%d", path, i), a.Items[i], b.Items[i]); d != "" {
			return d
		}
	}
	return ""
}

// checkSplit parses src whole and split in 2, 3 and 7 pieces; when the
// split is taken, the trees must be the same. It reports whether the split
// in 2 pieces was taken.
func checkSplit(t *testing.T, src []byte, minItems int) (split bool) {
	t.Helper()
	s := newSource("f.yaml", src)
	whole, ds := parseWhole(s)
	for _, pieces := range []int{7, 3, 2} {
		got, ok := parseSplit(s, pieces, minItems)
		split = ok
		if !ok {
			continue
		}
		if ds.HasErrors() {
			t.Fatalf("split parse in %d pieces succeeded where the whole parse fails: %v", pieces, ds)
		}
		if d := treeDiff("", whole, got); d != "" {
			t.Fatalf("split parse in %d pieces differs from the whole parse: %s", pieces, d)
		}
	}
	return split
}

// FuzzParseSplit checks that whenever the split parse is taken it gives
// the tree of the whole parse. Seeds: as FuzzLoad.
func FuzzParseSplit(f *testing.F) {
	for _, src := range seeds(f) {
		f.Add(src)
	}
	f.Add([]byte("resources:\n  - a\n  - \"b\n  - c\"\n  - d\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkSplit(t, src, 1)
	})
}

// repeated makes a playbook whose resources: list repeats item n times.
func repeated(head, item, tail string, n int) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		b.WriteString(strings.ReplaceAll(item, "NN", fmt.Sprint(i)))
	}
	b.WriteString(tail)
	return []byte(b.String())
}

func TestParseSplit(t *testing.T) {
	t.Parallel()
	const head = "vplay: 1\nvars: { a: 1 }\nresources:\n"
	const item = "  - kind: vbr.repository\n    name: r-NN\n    spec: { type: LinuxLocal }\n"
	tests := map[string]struct {
		src  []byte
		want bool // whether the split is taken
	}{
		"generated":         {src: generated(300), want: true},
		"no tail":           {src: repeated(head, item, "", 200), want: true},
		"no final newline":  {src: repeated(head, item, "  - kind: x", 200), want: true},
		"items at column 0": {src: repeated(head, "- kind: k\n  name: r-NN\n", "steps: []\n", 200), want: true},
		"comments between":  {src: repeated(head+"  # first\n", item+"# at column 0\n\n    # indented\n", "# end\nsteps: []\n", 200), want: true},
		"block scalars":     {src: repeated(head, "  - kind: k\n    name: |\n      r-NN\n\n    d: >+\n      folded\n\n\n", "steps: []\n", 200), want: true},
		"multi-line plain":  {src: repeated(head, "  - kind: k\n    name: a\n      b NN\n", "", 200), want: true},
		// One plain item first, so the middle cut falls inside an item.
		"quoted across items":   {src: repeated(head+"  - x\n", "  - name: \"a\n  - b NN\"\n", "", 200), want: false},
		"flow across items":     {src: repeated(head+"  - x\n", "  - [a,\n  - b]\n", "", 200), want: false},
		"anchor":                {src: repeated("vplay: 1\nx: &a {k: v}\nresources:\n", "  - <<: *a\n    name: r-NN\n", "", 200), want: false},
		"alias only in items":   {src: repeated(head, "  - &aNN {name: r-NN}\n", "", 200), want: false},
		"document marker":       {src: repeated("---\n"+head, item, "", 200), want: false},
		"two resources keys":    {src: repeated(head, item, "resources:\n"+item, 200), want: false},
		"less indented line":    {src: repeated(head, item+" x: 1\n", "", 200), want: false},
		"too few items":         {src: repeated(head, item, "", 10), want: false},
		"resources not a list":  {src: []byte(head + "  kind: x\n"), want: false},
		"syntax error in items": {src: repeated(head, item, "  - {\n", 200), want: false},
		"duplicate keys":        {src: repeated(head, "  - name: a\n    name: b\n", "", 200), want: false},
		"carriage returns":      {src: []byte(strings.ReplaceAll(string(repeated(head, item, "", 200)), "\n", "\r\n")), want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := checkSplit(t, tc.src, minItemsPerPiece); got != tc.want {
				t.Errorf("parseSplit taken = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestParseSplitSeeds checks every example playbook and golden case,
// repeated to be worth splitting, parses the same both ways.
func TestParseSplitSeeds(t *testing.T) {
	t.Parallel()
	for name, src := range seeds(t) {
		checkSplit(t, src, 1)
		if i := strings.Index(string(src), "\nresources:\n"); i >= 0 {
			j := i + len("\nresources:\n")
			k := strings.Index(string(src[j:]), "\nsteps:")
			body := string(src[j:])
			if k >= 0 {
				body = string(src[j : j+k+1])
			}
			if !strings.HasSuffix(body, "\n") {
				body += "\n"
			}
			big := string(src[:j]) + strings.Repeat(body, 2*minItemsPerPiece) + string(src[j+len(body)-1:])
			t.Run(name, func(t *testing.T) { checkSplit(t, []byte(big), minItemsPerPiece) })
		}
	}
}

// seeds returns the example playbooks and the golden cases' playbooks.
func seeds(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	files, _ := filepath.Glob("../../playbooks/*.yaml")
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			out[filepath.Base(f)] = b
		}
	}
	cases, _ := filepath.Glob("testdata/load/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if f.Name == "playbook.yaml" {
				out[filepath.Base(c)] = f.Data
			}
		}
	}
	return out
}

// TestGeneratedLargeSplit loads a generated playbook large enough to be
// parsed in pieces and validated concurrently (run with -race).
func TestGeneratedLargeSplit(t *testing.T) {
	t.Parallel()
	src := generated(1500)
	if len(src) < splitMin {
		t.Fatalf("generated playbook is %d bytes, want at least %d", len(src), splitMin)
	}
	if !checkSplit(t, src, minItemsPerPiece) {
		t.Fatal("the split parse was not taken")
	}
	pb, ds := Parse("big.yaml", src, schema.Catalog(), Options{})
	if pb == nil || len(pb.Resources) != 1500 {
		t.Fatalf("Parse(generated) = %v", ds)
	}
}
