package schema

import (
	"testing"
)

func TestValidateFleet(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		doc  map[string]any
		want []string // keyword per violation
	}{
		"valid": {doc: map[string]any{"vplay_fleet": 1, "members": []any{
			map[string]any{"name": "ams", "labels": map[string]any{"region": "eu"},
				"env": map[string]any{"VBR_URL": "https://x", "VBR_PASSWORD": map[string]any{"from_env": "AMS_PW"}}},
		}}},
		"unknown key": {doc: map[string]any{"vplay_fleet": 1, "members": []any{map[string]any{"name": "a", "host": "x"}}},
			want: []string{"additionalProperties"}},
		"bad ref": {doc: map[string]any{"vplay_fleet": 1, "members": []any{map[string]any{"name": "a",
			"env": map[string]any{"P": map[string]any{"from_vault": "x"}}}}}, want: []string{"additionalProperties"}},
		"label name reserved": {doc: map[string]any{"vplay_fleet": 1, "members": []any{map[string]any{"name": "a",
			"labels": map[string]any{"name": "b"}}}}, want: []string{"propertyNames"}},
		"missing members": {doc: map[string]any{"vplay_fleet": 1}, want: []string{"required"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := ValidateFleet(tc.doc)
			var kws []string
			for _, v := range got {
				kws = append(kws, v.Keyword)
			}
			if len(kws) != len(tc.want) {
				t.Fatalf("violations %+v, want keywords %v", got, tc.want)
			}
			for i := range kws {
				if kws[i] != tc.want[i] {
					t.Errorf("violation %d: %+v, want keyword %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}
