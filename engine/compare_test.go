package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/jsondoc"
)

// path builds a path of keys.
func path(keys ...string) jsondoc.Path {
	p := make(jsondoc.Path, len(keys))
	for i, k := range keys {
		p[i] = jsondoc.Key(k)
	}
	return p
}

// TestCompareSpecListBefore: the live side of a changed list shows what was
// compared (normalized, declared keys only), not the server's raw elements
// with their generated ids, so the renderer can match unchanged elements.
func TestCompareSpecListBefore(t *testing.T) {
	t.Parallel()
	ext := func(id, name string) map[string]any {
		return map[string]any{"id": id, "name": name, "status": []any{"Normal"}}
	}
	byName := func(names ...string) []any {
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = map[string]any{"name": n}
		}
		return out
	}
	// lowerDays stands in for a kind normalizer that rewrites values.
	lowerDays := func(path string, v any) any {
		if path != "days" {
			return v
		}
		var out []any
		for _, d := range v.([]any) {
			out = append(out, strings.ToLower(d.(string)))
		}
		return out
	}
	tests := map[string]struct {
		want, live map[string]any
		normalize  func(string, any) any
		diff       []DiffNode
	}{
		"extent added: live elements reduced to the declared keys": {
			want: map[string]any{"tier": map[string]any{"extents": byName("a", "b", "c")}},
			live: map[string]any{"tier": map[string]any{"extents": []any{ext("id-a", "a"), ext("id-b", "b")}, "other": 1}},
			diff: []DiffNode{{Path: path("tier"), Op: DiffChange, Fields: []DiffNode{{
				Path: path("tier", "extents"), Op: DiffChange, Before: byName("a", "b"), After: byName("a", "b", "c"),
				Elements: []ElementDiff{
					{Op: DiffUnchanged, BeforeIndex: 0, AfterIndex: 0, Count: 2},
					{Op: DiffAdd, BeforeIndex: 2, AfterIndex: 2, After: map[string]any{"name": "c"}},
				}}}}},
		},
		"keys declared by any element apply to all": {
			want: map[string]any{"l": []any{map[string]any{"name": "a"}, map[string]any{"name": "b", "mode": "x"}}},
			live: map[string]any{"l": []any{map[string]any{"name": "a", "mode": "y", "id": 1}}},
			diff: []DiffNode{{Path: path("l"), Op: DiffChange,
				Before: []any{map[string]any{"name": "a", "mode": "y"}},
				After:  []any{map[string]any{"name": "a"}, map[string]any{"name": "b", "mode": "x"}},
				Elements: []ElementDiff{
					{Op: DiffChange, BeforeIndex: 0, AfterIndex: 0, Before: map[string]any{"name": "a", "mode": "y"}, After: map[string]any{"name": "a"}},
					{Op: DiffAdd, BeforeIndex: 1, AfterIndex: 1, After: map[string]any{"name": "b", "mode": "x"}},
				}}},
		},
		"normalized list": {
			want:      map[string]any{"days": []any{"monday", "sunday"}},
			live:      map[string]any{"days": []any{"Monday"}},
			normalize: lowerDays,
			diff: []DiffNode{{Path: path("days"), Op: DiffChange, Before: []any{"monday"}, After: []any{"monday", "sunday"},
				Elements: []ElementDiff{
					{Op: DiffUnchanged, Count: 1},
					{Op: DiffAdd, BeforeIndex: 1, AfterIndex: 1, After: "sunday"},
				}}},
		},
		"element removed between kept ones": {
			want: map[string]any{"tags": []any{"a", "c"}},
			live: map[string]any{"tags": []any{"a", "b", "c"}},
			diff: []DiffNode{{Path: path("tags"), Op: DiffChange, Before: []any{"a", "b", "c"}, After: []any{"a", "c"},
				Elements: []ElementDiff{
					{Op: DiffUnchanged, Count: 1},
					{Op: DiffRemove, BeforeIndex: 1, AfterIndex: 1, Before: "b"},
					{Op: DiffUnchanged, BeforeIndex: 2, AfterIndex: 1, Count: 1},
				}}},
		},
		"scalars are shown as the server has them": {
			want: map[string]any{"path": "/b"},
			live: map[string]any{"path": "/a/", "id": "x"},
			diff: []DiffNode{{Path: path("path"), Op: DiffChange, Before: "/a/", After: "/b"}},
		},
		"numbers compare by value and keep their form": {
			want: map[string]any{"n": 8, "same": 3.0},
			live: map[string]any{"n": json.Number("4"), "same": json.Number("3")},
			diff: []DiffNode{{Path: path("n"), Op: DiffChange, Before: json.Number("4"), After: json.Number("8")}},
		},
		"fields sorted by key, added ones marked": {
			want: map[string]any{"b": 2, "a": map[string]any{"x": 1, "y": "new"}},
			live: map[string]any{"b": 1, "a": map[string]any{"x": 1}},
			diff: []DiffNode{
				{Path: path("a"), Op: DiffAdd, Fields: []DiffNode{{Path: path("a", "y"), Op: DiffAdd, After: "new"}}},
				{Path: path("b"), Op: DiffChange, Before: json.Number("1"), After: json.Number("2")},
			},
		},
		"equal by declared keys: no diff": {
			want: map[string]any{"tier": map[string]any{"extents": byName("a")}},
			live: map[string]any{"tier": map[string]any{"extents": []any{ext("id-a", "a")}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := compareSpec(tc.want, tc.live, nil, nil, tc.normalize, nil)
			if diff := cmp.Diff(tc.diff, got); diff != "" {
				t.Errorf("compareSpec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareSpecMasks: the tree is masked as it is built, so no output
// ever holds a secret: fields the kind declares sensitive (and fields under
// them), values holding a Secret and values in which a known secret
// appears show the placeholder only, with no list elements.
func TestCompareSpecMasks(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-S3cr3t!"
	known := &eval.KnownSecrets{}
	known.Add(secret)
	want := map[string]any{
		"auth":   map[string]any{"password": "new-" + secret, "user": "svc"},
		"token":  eval.NewSecret(secret),
		"echo":   []any{"a", "x " + secret},
		"plain":  []any{"a", "b"},
		"number": 2,
	}
	live := map[string]any{
		"auth":   map[string]any{"password": "old", "user": "root"},
		"token":  "old",
		"echo":   []any{"a"},
		"plain":  []any{"a"},
		"number": 1,
	}
	got := compareSpec(want, live, nil, []string{"auth.password"}, nil, known)
	wantTree := []DiffNode{
		{Path: path("auth"), Op: DiffChange, Fields: []DiffNode{
			{Path: path("auth", "password"), Op: DiffChange, Before: Sensitive, After: Sensitive, Sensitive: true},
			{Path: path("auth", "user"), Op: DiffChange, Before: "root", After: "svc"},
		}},
		{Path: path("echo"), Op: DiffChange, Before: Sensitive, After: Sensitive, Sensitive: true},
		{Path: path("number"), Op: DiffChange, Before: json.Number("1"), After: json.Number("2")},
		{Path: path("plain"), Op: DiffChange, Before: []any{"a"}, After: []any{"a", "b"}, Elements: []ElementDiff{
			{Op: DiffUnchanged, Count: 1},
			{Op: DiffAdd, BeforeIndex: 1, AfterIndex: 1, After: "b"},
		}},
		{Path: path("token"), Op: DiffChange, Before: Sensitive, After: Sensitive, Sensitive: true},
	}
	if diff := cmp.Diff(wantTree, got); diff != "" {
		t.Errorf("compareSpec (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Errorf("diff tree leaks the secret: %s", b)
	}
}

// TestCompareSpecLargeList: a large list diff stays element-level and
// cheap (the old path deep-copied every element at every level).
func TestCompareSpecLargeList(t *testing.T) {
	t.Parallel()
	want, live := largeDoc(1000, false), largeDoc(1000, true)
	got := compareSpec(want, live, []string{"id"}, nil, nil, nil)
	if len(got) != 1 || len(got[0].Fields) != 1 {
		t.Fatalf("diff = %d nodes, want performanceTier.performanceExtents only", len(got))
	}
	var changed, kept int
	for _, e := range got[0].Fields[0].Elements {
		switch e.Op {
		case DiffChange:
			changed++
		case DiffUnchanged:
			kept += e.Count
		default:
			t.Errorf("unexpected element op %v", e)
		}
	}
	if changed != 100 || kept != 900 {
		t.Errorf("elements: %d changed, %d kept; want 100 and 900", changed, kept)
	}
}
