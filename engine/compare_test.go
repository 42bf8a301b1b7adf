package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
		diff       []FieldDiff
	}{
		"extent added: live elements reduced to the declared keys": {
			want: map[string]any{"tier": map[string]any{"extents": byName("a", "b", "c")}},
			live: map[string]any{"tier": map[string]any{"extents": []any{ext("id-a", "a"), ext("id-b", "b")}, "other": 1}},
			diff: []FieldDiff{{Path: "tier.extents", Op: FieldChange, Before: byName("a", "b"), After: byName("a", "b", "c")}},
		},
		"keys declared by any element apply to all": {
			want: map[string]any{"l": []any{map[string]any{"name": "a"}, map[string]any{"name": "b", "mode": "x"}}},
			live: map[string]any{"l": []any{map[string]any{"name": "a", "mode": "y", "id": 1}}},
			diff: []FieldDiff{{Path: "l", Op: FieldChange,
				Before: []any{map[string]any{"name": "a", "mode": "y"}},
				After:  []any{map[string]any{"name": "a"}, map[string]any{"name": "b", "mode": "x"}}}},
		},
		"normalized list": {
			want:      map[string]any{"days": []any{"monday", "sunday"}},
			live:      map[string]any{"days": []any{"Monday"}},
			normalize: lowerDays,
			diff:      []FieldDiff{{Path: "days", Op: FieldChange, Before: []any{"monday"}, After: []any{"monday", "sunday"}}},
		},
		"scalars are shown as the server has them": {
			want: map[string]any{"path": "/b"},
			live: map[string]any{"path": "/a/", "id": "x"},
			diff: []FieldDiff{{Path: "path", Op: FieldChange, Before: "/a/", After: "/b"}},
		},
		"equal by declared keys: no diff": {
			want: map[string]any{"tier": map[string]any{"extents": byName("a")}},
			live: map[string]any{"tier": map[string]any{"extents": []any{ext("id-a", "a")}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := compareSpec(tc.want, tc.live, nil, nil, tc.normalize)
			if diff := cmp.Diff(tc.diff, got); diff != "" {
				t.Errorf("compareSpec (-want +got):\n%s", diff)
			}
		})
	}
}
