package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
)

// fastCorpus returns every example playbook, every golden playbook, the
// generated large playbook and hand-written cases of each construct the
// fast path reads.
func fastCorpus(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	files, _ := filepath.Glob("../../playbooks/*.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	cases, _ := filepath.Glob("testdata/load/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".yaml") {
				out[filepath.Base(c)+"/"+f.Name] = f.Data
			}
		}
	}
	out["generated"] = generated(30)
	for name, src := range fastCases {
		out["case/"+name] = []byte(src)
	}
	return out
}

// fastCases are small documents in the subset (and just outside it).
var fastCases = map[string]string{
	"scalars": "a: plain text\nb: 42\nd: true\ne: False\nf: null\ng: ~\nh: 0\n" +
		"n: 2026-11-29\no: yes\ns: a:b\nt: a#b\nu: x # comment\nv: /path/x\nw: ${{ env.X }}\n" +
		"x: \"double\"\ny: 'single ''q'''\nz: \"\"\naa: ''\nab: (paren)\nac: a [b] {c}\nad: 'x' # c\nae: -x\naf: 1.2.3\n",
	"float":       "i: 1.5\n",
	"negative":    "c: -7\n",
	"hex":         "j: 0x1F\n",
	"octal":       "k: 017\n",
	"underscore":  "l: 1_000\n",
	"plus":        "m: +3\n",
	"inf":         "p: .inf\n",
	"huge":        "r: 12345678901234567890\n",
	"flow":        "a: {b: 1, c: [x, 'y', \"z\"], d: {}, e: []}\nb: [ {k: v}, [1, 2] ]\nc: {'q': 1, \"d\": x y}\n",
	"flow-space":  "c: { k : v }\n",
	"keys":        "\"quoted key\": 1\n'single key': 2\nplain key: 3\nk-1: 4\n",
	"nesting":     "a:\n  b:\n    c: 1\n  d:\n  - x\n  - y\nl:\n- 1\n- k: v\n  k2: v2\n-   spaced: 3\n",
	"comments":    "# head\na: 1 # one\n\n  # indented comment\nb:\n  # inside\n  c: 2\n# tail\n",
	"list-root":   "- a\n- b\n",
	"scalar-root": "just text\n",
	"empty-value": "a:\nb: 1\n",
	"null-item":   "a:\n-\n- x\n",
	"multiline":   "a: one\n  two\n",
	"block":       "a: |\n  text\n",
	"anchor":      "a: &x 1\nb: *x\n",
	"tag":         "a: !!str 1\n",
	"escape":      "a: \"x\\ty\"\n",
	"duplicate":   "a: 1\na: 2\n",
	"tab":         "a:\t1\n",
	"flow-multi":  "a: [1,\n  2]\n",
	"doc-marker":  "---\na: 1\n",
	"merge":       "a: {x: 1}\nb:\n  <<: {y: 2}\n",
	"bad-indent":  "a:\n  b: 1\n c: 2\n",
	"unicode":     "a: caf\u00e9\n",
	"colon-value": "a: b: c\n",
	"trailing":    "a: [1, 2,]\n",
	"flow-colon":  "a: {u: http://x}\n",
	"deep":        strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
}

// diffNodes describes the first difference between two trees, positions,
// values and scalar offset maps included, or returns "".
func diffNodes(a, b *eval.Node, path string) string {
	if a.Kind != b.Kind || a.Pos != b.Pos {
		return fmt.Sprintf("%s: kind/pos %d %v vs %d %v", path, a.Kind, a.Pos, b.Kind, b.Pos)
	}
	if fmt.Sprintf("%T %#v", a.Value, a.Value) != fmt.Sprintf("%T %#v", b.Value, b.Value) {
		return fmt.Sprintf("%s: value %T %#v vs %T %#v", path, a.Value, a.Value, b.Value, b.Value)
	}
	if s, ok := a.Value.(string); ok {
		// Offset maps may differ in form (nil says "the column plus the
		// offset"), never in the positions they give inside the value.
		n := utf8.RuneCountInString(s)
		for off := range n + 1 {
			if off > 64 && off < n-1 {
				continue
			}
			if pa, pb := atPos(a, off), atPos(b, off); pa != pb {
				return fmt.Sprintf("%s: offset %d at %v vs %v", path, off, pa, pb)
			}
		}
	}
	if len(a.Items) != len(b.Items) || len(a.Keys) != len(b.Keys) {
		return fmt.Sprintf("%s: %d items %v vs %d items %v", path, len(a.Items), a.Keys, len(b.Items), b.Keys)
	}
	for i := range a.Items {
		p := fmt.Sprintf("%s[%d]", path, i)
		if a.Kind == eval.MappingNode {
			if a.Keys[i] != b.Keys[i] || a.KeyPos[i] != b.KeyPos[i] {
				return fmt.Sprintf("%s: key %q at %v vs %q at %v", path, a.Keys[i], a.KeyPos[i], b.Keys[i], b.KeyPos[i])
			}
			p = path + "." + a.Keys[i]
		}
		if d := diffNodes(a.Items[i], b.Items[i], p); d != "" {
			return d
		}
	}
	return ""
}

// atPos is the position of rune offset off of a string scalar, as eval
// computes it.
func atPos(n *eval.Node, off int) diag.Pos {
	if n.At != nil {
		return n.At(off)
	}
	return n.Pos.Add(1, off+1)
}

// checkFast parses src both ways; when the fast path takes it, its tree must
// be the goccy path's, without any diagnostic there. It reports whether the
// fast path took it.
func checkFast(t testing.TB, name string, src []byte) bool {
	s := newSource("f.yaml", src)
	fast, ok := parseFast(s)
	if !ok {
		return false
	}
	whole, ds := parseWhole(newSource("f.yaml", src))
	if len(ds) > 0 || whole == nil {
		t.Fatalf("%s: the fast path read a document the goccy path rejects: %v", name, ds)
	}
	if d := diffNodes(fast, whole, "$"); d != "" {
		t.Fatalf("%s: the fast path differs from goccy: %s", name, d)
	}
	return true
}

// TestFastYAMLMatchesGoccy: on every example and golden playbook and each
// hand-written case, the fast path either gives up or builds exactly the
// tree goccy's path builds; and it does read the examples and the
// generated large playbook (otherwise it would only cost time).
func TestFastYAMLMatchesGoccy(t *testing.T) {
	t.Parallel()
	taken := map[string]bool{}
	for name, src := range fastCorpus(t) {
		taken[name] = checkFast(t, name, src)
	}
	for _, must := range []string{"generated", "quickstart.yaml", "repositories.yaml", "case/scalars", "case/keys", "case/nesting", "case/flow", "case/comments"} {
		if !taken[must] {
			t.Errorf("the fast path gave up on %s", must)
		}
	}
	for _, never := range []string{"case/multiline", "case/block", "case/anchor", "case/tag", "case/escape", "case/duplicate", "case/tab",
		"case/flow-multi", "case/doc-marker", "case/float", "case/negative", "case/hex", "case/octal", "case/underscore", "case/plus", "case/inf", "case/huge", "case/bad-indent", "case/colon-value", "case/trailing", "case/deep", "case/list-root"} {
		if taken[never] {
			t.Errorf("the fast path read %s, which it leaves to goccy", never)
		}
	}
}

// TestParseSameEitherWay: Parse gives the same playbook and diagnostics
// whichever path reads the file: every case parsed with the fast path off
// gives the same diagnostics as with it on.
func TestParseSameEitherWay(t *testing.T) {
	t.Parallel()
	for name, src := range fastCorpus(t) {
		a, ads := parseYAML(newSource("f.yaml", src))
		b, bds := parseWhole(newSource("f.yaml", src))
		if fmt.Sprint(ads) != fmt.Sprint(bds) {
			t.Errorf("%s: diagnostics %v vs %v", name, ads, bds)
			continue
		}
		if (a == nil) != (b == nil) {
			t.Errorf("%s: tree %v vs %v", name, a != nil, b != nil)
			continue
		}
		if a != nil {
			if d := diffNodes(a, b, "$"); d != "" {
				t.Errorf("%s: %s", name, d)
			}
		}
	}
}

// FuzzFastYAML: whatever the input, the fast path never panics and, when it
// reads a document, builds goccy's tree.
func FuzzFastYAML(f *testing.F) {
	for _, src := range fastCorpus(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<16 {
			return
		}
		checkFast(t, "input", src)
	})
}
