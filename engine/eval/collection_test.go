package eval

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resourceScope is what the engine passes: resources[KIND] maps resource
// names to objects. The names are not in key order on purpose.
func resourceScope() *Scope {
	s := testScope()
	s.Resources = map[string]any{"vbr.repository": map[string]any{
		"repo-fra": map[string]any{"id": "r2", "name": "repo-fra", "maxTaskCount": 2, "site": "eu"},
		"repo-ams": map[string]any{"id": "r1", "name": "repo-ams", "maxTaskCount": 4, "site": "eu"},
		"repo-nyc": map[string]any{"id": "r3", "name": "repo-nyc", "maxTaskCount": 8, "site": "us"},
	}}
	return s
}

func TestCollectionBuiltins(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  string
		want any
	}{
		"pipe map":            {src: "${{ resources['vbr.repository'] | map(.id) }}", want: []any{"r1", "r2", "r3"}},
		"call map":            {src: "${{ map(resources['vbr.repository'], .name) }}", want: []any{"repo-ams", "repo-fra", "repo-nyc"}},
		"by name":             {src: `${{ resources["vbr.repository"]["repo-ams"].id }}`, want: "r1"},
		"dotted name":         {src: "${{ resources['vbr.repository']['repo-nyc'].maxTaskCount }}", want: 8},
		"filter then map":     {src: "${{ resources['vbr.repository'] | filter(.site == 'eu') | map(.id) }}", want: []any{"r1", "r2"}},
		"all":                 {src: "${{ all(resources['vbr.repository'], .maxTaskCount > 1) }}", want: true},
		"any":                 {src: "${{ any(resources['vbr.repository'], .site == 'us') }}", want: true},
		"none":                {src: "${{ none(resources['vbr.repository'], .site == 'ap') }}", want: true},
		"one":                 {src: "${{ one(resources['vbr.repository'], .site == 'us') }}", want: true},
		"count":               {src: "${{ count(resources['vbr.repository'], .site == 'eu') }}", want: 2},
		"sum":                 {src: "${{ sum(resources['vbr.repository'], .maxTaskCount) }}", want: 14},
		"find":                {src: "${{ find(resources['vbr.repository'], .site == 'eu').id }}", want: "r1"},
		"findIndex":           {src: "${{ findIndex(resources['vbr.repository'], .id == 'r3') }}", want: 2},
		"findLast":            {src: "${{ findLast(resources['vbr.repository'], .site == 'eu').id }}", want: "r2"},
		"findLastIndex":       {src: "${{ findLastIndex(resources['vbr.repository'], .site == 'eu') }}", want: 1},
		"groupBy":             {src: "${{ len(groupBy(resources['vbr.repository'], .site)['eu']) }}", want: 2},
		"sortBy":              {src: "${{ sortBy(resources['vbr.repository'], .maxTaskCount, 'desc') | map(.id) }}", want: []any{"r3", "r1", "r2"}},
		"reduce":              {src: "${{ reduce(resources['vbr.repository'], #acc + .maxTaskCount, 0) }}", want: 14},
		"len of the mapping":  {src: "${{ len(resources['vbr.repository']) }}", want: 3},
		"lists stay as lists": {src: "${{ vars.sites | map(# + '!') }}", want: []any{"ams!", "fra!"}},
		"nested builtins":     {src: "${{ map(resources['vbr.repository'], .id) | filter(# != 'r2') }}", want: []any{"r1", "r3"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, ds := CompileValue(scalar(tc.src), testDecl())
			if len(ds) > 0 {
				t.Fatalf("CompileValue(%q): %v", tc.src, ds)
			}
			got, err := v.Eval(resourceScope())
			if err != nil {
				t.Fatalf("Eval(%q): %v", tc.src, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Eval(%q) (-want +got):\n%s", tc.src, diff)
			}
		})
	}
}

func TestCollectionErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  string
		want string // "line:col: message"
	}{
		"hidden function":   {src: "${{ __vplay_collection(vars.sites) }}", want: "3:14: unknown name `__vplay_collection`"},
		"index a mapping":   {src: "${{ resources['vbr.repository'][0] }}", want: "3:42: cannot use int to get an element from mapping"},
		"not a collection":  {src: "${{ map(vars.max, # + 1) }}", want: "3:23: builtin map takes only array (got int)"},
		"unknown kind here": {src: "${{ resources['vbr.foo'] | map(.id) }}", want: "3:24: no resource of kind `vbr.foo` is declared"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, ds := CompileValue(scalar(tc.src), testDecl())
			if len(ds) != 1 {
				t.Fatalf("CompileValue(%q) = %v, want one diagnostic", tc.src, ds)
			}
			got := fmt.Sprintf("%d:%d: %s", ds[0].Pos.Line, ds[0].Pos.Col, ds[0].Summary)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("CompileValue(%q) (-want +got):\n%s", tc.src, diff)
			}
		})
	}
}

func TestCollection(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in, want any
	}{
		"list":        {in: []any{3, 1}, want: []any{3, 1}},
		"mapping":     {in: map[string]any{"b": 2, "a": 1, "c": 3}, want: []any{1, 2, 3}},
		"typed map":   {in: map[string]int{"b": 2, "a": 1}, want: []any{1, 2}},
		"empty":       {in: map[string]any{}, want: []any{}},
		"scalar":      {in: 4, want: 4},
		"nil":         {in: nil, want: nil},
		"int-key map": {in: map[int]any{1: "x"}, want: map[int]any{1: "x"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, collection(tc.in)); diff != "" {
				t.Errorf("collection(%v) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}
