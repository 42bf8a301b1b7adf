package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/jsondoc"
)

func update1(diffs ...engine.DiffNode) engine.Change {
	return engine.Change{Addr: engine.Addr{Target: "t", Kind: "k", Name: "n"}, Action: engine.Update, Diff: diffs}
}

// leaf is a top-level value node.
func leaf(key string, op engine.DiffOp, before, after any) engine.DiffNode {
	return engine.DiffNode{Path: jsondoc.Path{jsondoc.Key(key)}, Op: op, Before: before, After: after}
}

// diffOne is the tree of one top-level key changing from before to after.
func diffOne(key string, before, after any) engine.Change {
	return update1(engine.DiffValues(jsondoc.Path{jsondoc.Key(key)}, before, after))
}

// plainLines lays out DiffLines as Line.String does.
func plainLines(c engine.Change, width int) []string {
	var out []string
	for _, l := range DiffLines(c, width) {
		out = append(out, strings.TrimRight(l.String(), " "))
	}
	return out
}

func TestDiffLines(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		change engine.Change
		width  int
		want   []string
	}{
		"scalar change, numbers as written": {
			change: update1(leaf("maxTaskCount", engine.DiffChange, json.Number("4"), json.Number("4.50"))),
			want:   []string{"~ maxTaskCount = 4 -> 4.50"},
		},
		"go numbers and bools": {
			change: update1(leaf("a", engine.DiffChange, 3, 2.5), leaf("b", engine.DiffChange, true, nil)),
			want:   []string{"~ a = 3 -> 2.5", "- b = true"},
		},
		"nested objects as blocks": {
			change: update1(diffOf(
				map[string]any{"name": "x", "options": map[string]any{"schedule": map[string]any{"daily": map[string]any{"time": "22:00"}}}},
				map[string]any{"options": map[string]any{"retries": json.Number("3"), "schedule": map[string]any{"daily": map[string]any{"time": "23:00"}}}},
			)...),
			want: []string{
				`- name = "x"`,
				`~ options {`,
				`    + retries = 3`,
				`    ~ schedule {`,
				`        ~ daily {`,
				`            ~ time = "22:00" -> "23:00"`,
				`          }`,
				`      }`,
				`  }`,
			},
		},
		"quoted keys": {
			change: update1(diffOf(map[string]any{"labels": map[string]any{}},
				map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "vplay"}})...),
			want: []string{
				`+ labels {`,
				`    + "app.kubernetes.io/name" = "vplay"`,
				`  }`,
			},
		},
		"list element diff": {
			change: diffOne("hosts",
				[]any{"a", "b", "c", "d", json.Number("5")},
				[]any{"a", "c", "d", "e", json.Number("5.0")}),
			want: []string{
				`~ hosts = [`,
				`    # (1 unchanged element hidden)`,
				`    - "b"`,
				`    # (2 unchanged elements hidden)`,
				`    + "e"`,
				`    # (1 unchanged element hidden)`,
				`  ]`,
			},
		},
		"replaced list elements: the old ones, then the new ones": {
			change: diffOne("l", []any{"a", "b", "c", "z"}, []any{"x", "y", "z"}),
			want: []string{
				`~ l = [`,
				`    - "a"`,
				`    - "b"`,
				`    - "c"`,
				`    + "x"`,
				`    + "y"`,
				`    # (1 unchanged element hidden)`,
				`  ]`,
			},
		},
		"object change": {
			change: diffOne("proxy",
				map[string]any{"host": "a", "port": json.Number("80"), "old": true},
				map[string]any{"host": "b", "port": json.Number("80"), "tls": map[string]any{"verify": true}}),
			want: []string{
				`~ proxy {`,
				`    ~ host = "a" -> "b"`,
				`    - old  = true`,
				`    + tls  = {`,
				`        + verify = true`,
				`      }`,
				`  }`,
			},
		},
		"type change": {
			change: diffOne("x", "3", []any{json.Number("3")}),
			want:   []string{`- x = "3"`, `+ x = [`, `    + 3`, `  ]`},
		},
		"long single-line string word diff wraps": {
			change: diffOne("description",
				"The quick brown fox jumps over the lazy dog near the river bank at dawn",
				"The quick red fox jumps over the lazy dog near the river bank at dusk"),
			width: 40,
			want: []string{
				`~ description =`,
				`    ~ "The quick [-brown-]{+red+} fox`,
				`      jumps over the lazy dog near the`,
				`    ~ river bank at [-dawn-]{+dusk+}"`,
			},
		},
		"multi-line string": {
			change: diffOne("script", "line one\nline two\n", "line one\nline 2\nline three\n"),
			want: []string{
				`~ script = <<-EOT`,
				`      line one`,
				`    ~ line [-two-]{+2+}`,
				`    + {+line three+}`,
				`  EOT`,
			},
		},
		"added multi-line string": {
			change: update1(leaf("script", engine.DiffAdd, nil, "a\nb\n")),
			want:   []string{`+ script = <<-EOT`, `    + a`, `    + b`, `  EOT`},
		},
		"sensitive nodes show the placeholder": {
			change: update1(
				engine.DiffNode{Path: jsondoc.Path{jsondoc.Key("password")}, Op: engine.DiffChange, Before: engine.Sensitive, After: engine.Sensitive, Sensitive: true},
				engine.DiffNode{Path: jsondoc.Path{jsondoc.Key("token")}, Op: engine.DiffAdd, After: engine.Sensitive, Sensitive: true}),
			want: []string{`~ password = (sensitive)`, `+ token    = (sensitive)`},
		},
		"sensitive placeholder in a document": {
			change: diffOne("cred",
				map[string]any{"user": "a", "password": engine.Sensitive},
				map[string]any{"user": "b", "password": engine.Sensitive}),
			want: []string{`~ cred {`, `    ~ user = "a" -> "b"`, `  }`},
		},
		"delete shows nothing": {
			change: engine.Change{Action: engine.Delete, Before: map[string]any{"name": "r"}},
			want:   nil,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := plainLines(tc.change, tc.width)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DiffLines(%s) (-want +got):\n%s", name, diff)
			}
		})
	}
}

func TestDiffLinesSpans(t *testing.T) {
	t.Parallel()
	c := diffOne("d",
		"alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",
		"alpha beta GAMMA delta epsilon zeta eta theta iota kappa lambda mu")
	lines := DiffLines(c, 0)
	want := []Span{{OpContext, `"alpha beta `}, {OpRemove, "gamma"}, {OpAdd, "GAMMA"}, {OpContext, ` delta epsilon zeta eta theta iota kappa lambda mu"`}}
	if diff := cmp.Diff(want, lines[1].Spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

func TestWordDiffRoundTrip(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{"", "new text"},
		{"a b c", ""},
		{"same", "same"},
		{"tabs\tand  spaces\n\nnewlines", "tabs and\tspaces\nnewlines\n"},
		{"ünïcödé wörds here", "ünïcödé words here"},
	}
	for _, p := range pairs {
		var before, after strings.Builder
		for _, sp := range wordDiff(p[0], p[1]) {
			if sp.Op != OpAdd {
				before.WriteString(sp.Text)
			}
			if sp.Op != OpRemove {
				after.WriteString(sp.Text)
			}
		}
		if before.String() != p[0] || after.String() != p[1] {
			t.Errorf("wordDiff(%q, %q) rebuilds %q, %q", p[0], p[1], before.String(), after.String())
		}
	}
}

func TestTokenRuneRoundTrip(t *testing.T) {
	t.Parallel()
	for _, i := range []int{0, 1, 0xD7FE, 0xD7FF, 0xD800, 0x10000, maxTokens - 1} {
		r := tokenRune(i)
		if r >= 0xD800 && r <= 0xDFFF {
			t.Errorf("tokenRune(%d) = %U is a surrogate", i, r)
		}
		if got := runeToken(r); got != i {
			t.Errorf("runeToken(tokenRune(%d)) = %d", i, got)
		}
	}
}
