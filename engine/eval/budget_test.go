package eval

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBudget runs expressions that would exhaust memory or loop for hours
// without a budget: each must end with a *BudgetError naming the limit.
func TestBudget(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src    string
		reason string // a part of BudgetError.Reason
	}{
		"nested repeat":         {src: "${{ repeat(repeat('a', 100000), 100000) }}", reason: "repeat() would build a string of 10000000000 bytes"},
		"doubling in reduce":    {src: "${{ reduce(1..1000, #acc + #acc, 'ab') }}", reason: "`+` would build a string of 2097152 bytes"},
		"doubling typed string": {src: "${{ let s = repeat('a', 600000); s + s }}", reason: "`+` would build a string of 1200000 bytes"},
		"replace blow-up":       {src: "${{ let s = repeat('a', 2000); replace(s, 'a', s) }}", reason: "replace() would build a string of 4000000 bytes"},
		"join blow-up":          {src: "${{ let s = repeat('a', 100000); join(map(1..20, s), '') }}", reason: "join() would build a string of 2000000 bytes"},
		"growing base64":        {src: "${{ reduce(1..100, toBase64(#acc), 'abc') }}", reason: "toBase64() would build a string of"},
		"growing toJSON":        {src: `${{ reduce(1..100, toJSON(#acc), '"') }}`, reason: "toJSON() would build a string of"},
		"huge range":            {src: "${{ 1..1000000000 }}", reason: "more than 1000000 items"},
		"nested loops":          {src: "${{ count(data.jobs, count(data.jobs, true) > 0) }}", reason: "would visit more than 10000000 items"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, ds := CompileValue(scalar(tc.src), testDecl())
			if len(ds) > 0 {
				t.Fatalf("CompileValue(%q): %v", tc.src, ds)
			}
			s := testScope()
			jobs := make([]any, 5000) // 25 million steps in the nested loops
			for i := range jobs {
				jobs[i] = map[string]any{"id": i}
			}
			s.Data["jobs"] = jobs
			_, err := v.Eval(s)
			var be *BudgetError
			if !errors.As(err, &be) || !errors.Is(err, ErrBudget) {
				t.Fatalf("Eval(%q) = %v, want a *BudgetError", tc.src, err)
			}
			if !strings.Contains(be.Reason, tc.reason) {
				t.Errorf("Eval(%q) reason = %q, want it to contain %q", tc.src, be.Reason, tc.reason)
			}
		})
	}
}

// TestBudgetKeepsLanguage checks that the bounded functions and `+` behave
// as expr's own within the budget, and that static types are kept.
func TestBudgetKeepsLanguage(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  string
		want any
	}{
		"string plus":      {src: "${{ 'repo-' + vars.sites[0] }}", want: "repo-ams"},
		"number plus":      {src: "${{ vars.max + 1 }}", want: 5},
		"float plus":       {src: "${{ 1.5 + 1 }}", want: 2.5},
		"reduce small":     {src: "${{ reduce(1..3, #acc + #acc, 'ab') }}", want: strings.Repeat("ab", 8)},
		"reduce numbers":   {src: "${{ reduce(1..4, #acc + #, 0) }}", want: 10},
		"repeat":           {src: "${{ repeat('ab', 3) }}", want: "ababab"},
		"replace":          {src: "${{ replace('a-b-c', '-', '+') }}", want: "a+b+c"},
		"replace n":        {src: "${{ replace('a-b-c', '-', '+', 1) }}", want: "a+b-c"},
		"join":             {src: "${{ join(vars.sites, ',') }}", want: "ams,fra"},
		"join no sep":      {src: "${{ join(['a', 'b']) }}", want: "ab"},
		"toBase64":         {src: "${{ toBase64('vplay') }}", want: "dnBsYXk="},
		"range as list":    {src: "${{ 1..3 }}", want: []any{1, 2, 3}},
		"typed map result": {src: "${{ map(1..3, # * 2) }}", want: []any{2, 4, 6}},
		"sum of range":     {src: "${{ sum(1..100) }}", want: 5050},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, ds := CompileValue(scalar(tc.src), testDecl())
			if len(ds) > 0 {
				t.Fatalf("CompileValue(%q): %v", tc.src, ds)
			}
			got, err := v.Eval(testScope())
			if err != nil {
				t.Fatalf("Eval(%q): %v", tc.src, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Eval(%q) (-want +got):\n%s", tc.src, diff)
			}
		})
	}
	// Type errors are still found when compiling.
	for _, src := range []string{"${{ 'a' + 1 }}", "${{ upper(vars.max + 1) }}", "${{ __vplay_add('a', 'b') }}", "${{ __vplay_step(vars.sites, vars) }}"} {
		if _, ds := CompileValue(scalar(src), testDecl()); !ds.HasErrors() {
			t.Errorf("CompileValue(%q) = no error, want one", src)
		}
	}
	if _, ds := CompileCond(scalar("vars.sites[0] + 'x'"), testDecl()); !ds.HasErrors() {
		t.Error("CompileCond(string + string) = no error, want: a condition must be a boolean")
	}
}
