package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
)

func update1(diffs ...engine.FieldDiff) engine.Change {
	return engine.Change{Addr: engine.Addr{Target: "t", Kind: "k", Name: "n"}, Action: engine.Update, Diff: diffs}
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
			change: update1(engine.FieldDiff{Path: "maxTaskCount", Op: engine.FieldChange, Before: json.Number("4"), After: json.Number("4.50")}),
			want:   []string{"~ maxTaskCount = 4 -> 4.50"},
		},
		"go numbers and bools": {
			change: update1(engine.FieldDiff{Path: "a", Op: engine.FieldChange, Before: 3, After: 2.5},
				engine.FieldDiff{Path: "b", Op: engine.FieldChange, Before: true, After: nil}),
			want: []string{"~ a = 3 -> 2.5", "- b = true"},
		},
		"nested objects from dotted paths": {
			change: update1(
				engine.FieldDiff{Path: "options.schedule.daily.time", Op: engine.FieldChange, Before: "22:00", After: "23:00"},
				engine.FieldDiff{Path: "options.retries", Op: engine.FieldAdd, After: json.Number("3")},
				engine.FieldDiff{Path: "name", Op: engine.FieldRemove, Before: "x"},
			),
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
		"index paths and quoted keys": {
			change: update1(
				engine.FieldDiff{Path: "extents[10].name", Op: engine.FieldChange, Before: "a", After: "b"},
				engine.FieldDiff{Path: "extents[2].name", Op: engine.FieldChange, Before: "c", After: "d"},
				engine.FieldDiff{Path: `labels["app.kubernetes.io/name"]`, Op: engine.FieldAdd, After: "vplay"},
			),
			want: []string{
				`~ extents {`,
				`    ~ [2] {`,
				`        ~ name = "c" -> "d"`,
				`      }`,
				`    ~ [10] {`,
				`        ~ name = "a" -> "b"`,
				`      }`,
				`  }`,
				`+ labels {`,
				`    + "app.kubernetes.io/name" = "vplay"`,
				`  }`,
			},
		},
		"list element diff": {
			change: update1(engine.FieldDiff{Path: "hosts", Op: engine.FieldChange,
				Before: []any{"a", "b", "c", "d", json.Number("5")},
				After:  []any{"a", "c", "d", "e", json.Number("5.0")}}),
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
		"whole object change": {
			change: update1(engine.FieldDiff{Path: "proxy", Op: engine.FieldChange,
				Before: map[string]any{"host": "a", "port": json.Number("80"), "old": true},
				After:  map[string]any{"host": "b", "port": json.Number("80"), "tls": map[string]any{"verify": true}}}),
			want: []string{
				`~ proxy = {`,
				`    ~ host = "a" -> "b"`,
				`    - old  = true`,
				`    + tls  = {`,
				`        + verify = true`,
				`      }`,
				`    # (1 unchanged attribute hidden)`,
				`  }`,
			},
		},
		"type change": {
			change: update1(engine.FieldDiff{Path: "x", Op: engine.FieldChange, Before: "3", After: []any{json.Number("3")}}),
			want:   []string{`- x = "3"`, `+ x = [`, `    + 3`, `  ]`},
		},
		"long single-line string word diff wraps": {
			change: update1(engine.FieldDiff{Path: "description", Op: engine.FieldChange,
				Before: "The quick brown fox jumps over the lazy dog near the river bank at dawn",
				After:  "The quick red fox jumps over the lazy dog near the river bank at dusk"}),
			width: 40,
			want: []string{
				`~ description =`,
				`    ~ "The quick [-brown-]{+red+} fox`,
				`      jumps over the lazy dog near the`,
				`    ~ river bank at [-dawn-]{+dusk+}"`,
			},
		},
		"multi-line string": {
			change: update1(engine.FieldDiff{Path: "script", Op: engine.FieldChange,
				Before: "line one\nline two\n", After: "line one\nline 2\nline three\n"}),
			want: []string{
				`~ script = <<-EOT`,
				`      line one`,
				`    ~ line [-two-]{+2+}`,
				`    + {+line three+}`,
				`  EOT`,
			},
		},
		"added multi-line string": {
			change: update1(engine.FieldDiff{Path: "script", Op: engine.FieldAdd, After: "a\nb\n"}),
			want:   []string{`+ script = <<-EOT`, `    + a`, `    + b`, `  EOT`},
		},
		"sensitive flag masks whatever is there": {
			change: update1(engine.FieldDiff{Path: "password", Op: engine.FieldChange, Before: "old-secret", After: "new-secret", Sensitive: true},
				engine.FieldDiff{Path: "token", Op: engine.FieldAdd, After: "tok", Sensitive: true}),
			want: []string{`~ password = (sensitive)`, `+ token    = (sensitive)`},
		},
		"sensitive placeholder in a document": {
			change: update1(engine.FieldDiff{Path: "cred", Op: engine.FieldChange,
				Before: map[string]any{"user": "a", "password": engine.Sensitive},
				After:  map[string]any{"user": "b", "password": engine.Sensitive}}),
			want: []string{`~ cred = {`, `    ~ user = "a" -> "b"`, `    # (1 unchanged attribute hidden)`, `  }`},
		},
		"create without diff shows after": {
			change: engine.Change{Action: engine.Create, After: map[string]any{"name": "r", "a.b": json.Number("1")}},
			want:   []string{`+ "a.b" = 1`, `+ name  = "r"`},
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
	c := update1(engine.FieldDiff{Path: "d", Op: engine.FieldChange,
		Before: "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",
		After:  "alpha beta GAMMA delta epsilon zeta eta theta iota kappa lambda mu"})
	lines := DiffLines(c, 0)
	want := []Span{{OpContext, `"alpha beta `}, {OpRemove, "gamma"}, {OpAdd, "GAMMA"}, {OpContext, ` delta epsilon zeta eta theta iota kappa lambda mu"`}}
	if diff := cmp.Diff(want, lines[1].Spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := map[string][]segment{
		"a":           {{key: "a"}},
		"a.b[3].c":    {{key: "a"}, {key: "b"}, {idx: 3, isIndex: true}, {key: "c"}},
		`m["x.y"].z`:  {{key: "m"}, {key: "x.y"}, {key: "z"}},
		"[0]":         {{idx: 0, isIndex: true}},
		"a[x]":        {{key: "a"}, {key: "[x]"}},
		"a[":          {{key: "a"}, {key: "["}},
		`a["unclosed`: {{key: "a"}, {key: `["unclosed`}},
		"":            nil,
		"..a..":       {{key: "a"}},
	}
	for in, want := range tests {
		got := parsePath(in)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(segment{})); diff != "" {
			t.Errorf("parsePath(%q) (-want +got):\n%s", in, diff)
		}
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
