package jsondoc

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	base := map[string]any{"a": 1, "m": map[string]any{"x": 1, "y": 2}, "l": []any{1, 2}}
	over := map[string]any{"m": map[string]any{"y": 3, "z": map[string]any{"k": "v"}}, "l": []any{3}, "b": "new"}
	got := Merge(base, over)
	want := map[string]any{"a": 1, "b": "new", "m": map[string]any{"x": 1, "y": 3, "z": map[string]any{"k": "v"}}, "l": []any{3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merge (-want +got):\n%s", diff)
	}
	// The result shares nothing with its inputs.
	got["m"].(map[string]any)["x"] = 99
	got["m"].(map[string]any)["z"].(map[string]any)["k"] = "changed"
	if base["m"].(map[string]any)["x"] != 1 || over["m"].(map[string]any)["z"].(map[string]any)["k"] != "v" {
		t.Errorf("Merge result aliases its inputs: base %v, over %v", base, over)
	}
	if got := Merge(nil, map[string]any{"a": 1}); !cmp.Equal(got, map[string]any{"a": 1}) {
		t.Errorf("Merge(nil, ...) = %v", got)
	}
}

func TestMergePatch(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ target, patch, want any }{
		"null deletes, objects merge, others replace": {
			target: map[string]any{"a": "b", "c": map[string]any{"d": "e", "f": "g"}, "l": []any{1}},
			patch:  map[string]any{"a": "z", "c": map[string]any{"f": nil}, "l": []any{2, 3}},
			want:   map[string]any{"a": "z", "c": map[string]any{"d": "e"}, "l": []any{2, 3}},
		},
		"non-object patch replaces": {target: map[string]any{"a": 1}, patch: []any{"x"}, want: []any{"x"}},
		"object into a scalar":      {target: "s", patch: map[string]any{"a": 1}, want: map[string]any{"a": 1}},
		"nil target":                {target: nil, patch: map[string]any{"a": map[string]any{"b": nil, "c": 1}}, want: map[string]any{"a": map[string]any{"c": 1}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			before := Copy(tc.target)
			if diff := cmp.Diff(tc.want, MergePatch(tc.target, tc.patch)); diff != "" {
				t.Errorf("MergePatch (-want +got):\n%s", diff)
			}
			if !cmp.Equal(before, tc.target) {
				t.Errorf("MergePatch modified its target: %v", tc.target)
			}
		})
	}
}

func TestEqualAndCanonical(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		a, b any
		want bool
	}{
		"numbers by value":         {json.Number("3"), 3.0, true},
		"decimal forms":            {json.Number("8.0"), json.Number("8"), true},
		"big integers":             {json.Number("12345678901234567890"), json.Number("12345678901234567891"), false},
		"number and string":        {json.Number("3"), "3", false},
		"nested":                   {map[string]any{"a": []any{1, "x"}}, map[string]any{"a": []any{json.Number("1"), "x"}}, true},
		"extra key":                {map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2}, false},
		"list order":               {[]any{1, 2}, []any{2, 1}, false},
		"nil and missing":          {nil, false, false},
		"bools":                    {true, true, true},
		"string holding structure": {"{}", map[string]any{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Equal(tc.a, tc.b); got != tc.want {
				t.Errorf("Equal(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := Canonical(tc.a) == Canonical(tc.b); got != tc.want {
				t.Errorf("Canonical(%v) == Canonical(%v) is %v, want %v (%q, %q)", tc.a, tc.b, got, tc.want, Canonical(tc.a), Canonical(tc.b))
			}
		})
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	doc := map[string]any{"a": map[string]any{"b": []any{"x", map[string]any{"c.d": 1}}}}
	p := Path{Key("a"), Key("b"), Index(1), Key("c.d")}
	if v, ok := Get(doc, p); !ok || v != 1 {
		t.Errorf("Get(%s) = %v, %v", p, v, ok)
	}
	if got := p.String(); got != `a.b[1]["c.d"]` {
		t.Errorf("String = %q", got)
	}
	out, ok := Set(doc, p, 2)
	if !ok {
		t.Fatal("Set failed")
	}
	if v, _ := Get(out, p); v != 2 {
		t.Errorf("after Set, Get = %v", v)
	}
	if v, _ := Get(doc, p); v != 1 {
		t.Errorf("Set modified its input: %v", v)
	}
	if _, ok := Set(doc, Path{Key("a"), Key("missing"), Key("x")}, 1); ok {
		t.Error("Set on a missing path succeeded")
	}
	if _, ok := Get(doc, Path{Key("a"), Index(0)}); ok {
		t.Error("Get of an index in an object succeeded")
	}
	b, err := json.Marshal(p)
	if err != nil || string(b) != `["a","b",1,"c.d"]` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	var back Path
	if err := json.Unmarshal(b, &back); err != nil || !cmp.Equal(back, p) {
		t.Errorf("Unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`[-1]`), &back); err == nil {
		t.Error("Unmarshal accepted a negative index")
	}
}

func TestCovered(t *testing.T) {
	paths := []string{"a.b", "c"}
	for p, want := range map[string]bool{"a.b": true, "a.b.c": true, "c.d.e": true, "a.bc": false, "a": false, "d": false} {
		if got := Covered(paths, p); got != want {
			t.Errorf("Covered(%v, %q) = %v, want %v", paths, p, got, want)
		}
	}
	if Covered(nil, "a") {
		t.Error("no paths cover nothing")
	}
}
