package eval

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/diag"
)

func scalar(s string) *Node {
	return &Node{Kind: ScalarNode, Pos: diag.Pos{File: "f.yaml", Line: 3, Col: 10}, Value: s}
}

func testDecl() *Decl {
	return &Decl{
		Context: "steps",
		Vars:    map[string]any{"sites": []any{"ams", "fra"}, "max": 4},
		Data:    map[string]bool{"host": true, "jobs": false},
		Kinds:   map[string]bool{"vbr.repository": true},
		Steps:   []string{"first"}, Later: []string{"self", "later"}, StepsOK: true,
		Changed: true,
	}
}

func testScope() *Scope {
	return &Scope{
		Vars:      map[string]any{"sites": []any{"ams", "fra"}, "max": 4},
		Env:       map[string]any{"VBR_URL": "https://vbr:9419"},
		Data:      map[string]any{"host": map[string]any{"id": "h-1"}, "jobs": []any{map[string]any{"id": "j1"}}},
		Resources: map[string]any{"vbr.repository": []any{map[string]any{"id": "r1"}, map[string]any{"id": "r2"}}},
		Steps:     map[string]any{"first": map[string]any{"result": "done"}},
		Secret: func(name string) (string, error) {
			if name == "PW" {
				return "hunter2", nil
			}
			return "", fmt.Errorf("not set")
		},
		Changed: func(k string) bool { return k == "vbr.repository" },
	}
}

func TestValueEval(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  string
		want any
	}{
		"literal":              {src: "plain text", want: "plain text"},
		"single keeps type":    {src: "${{ vars.max }}", want: 4},
		"single list":          {src: "${{ vars.sites }}", want: []any{"ams", "fra"}},
		"spliced":              {src: "repo-${{ vars.max }}-${{ env.VBR_URL }}", want: "repo-4-https://vbr:9419"},
		"data one":             {src: "${{ data.host.id }}", want: "h-1"},
		"resources map":        {src: "${{ resources['vbr.repository'] | map(.id) }}", want: []any{"r1", "r2"}},
		"steps":                {src: "${{ steps.first.result }}", want: "done"},
		"braces in expression": {src: "${{ {'a': 1}.a }}", want: 1},
		"closing in string":    {src: "${{ '}}' }}!", want: "}}!"},
		"list spliced as json": {src: "sites=${{ vars.sites }}", want: `sites=["ams","fra"]`},
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
}

func TestSecret(t *testing.T) {
	t.Parallel()
	v, ds := CompileValue(scalar("user:${{ secret('PW') }}"), testDecl())
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	got, err := v.Eval(testScope())
	if err != nil {
		t.Fatal(err)
	}
	s, ok := got.(Secret)
	if !ok {
		t.Fatalf("interpolating a secret gave %T, want Secret", got)
	}
	j, _ := json.Marshal(map[string]any{"p": s})
	for _, rendered := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %q %#v", s, s, s, s), string(j), fmt.Sprint(Mask(map[string]any{"p": s}))} {
		if strings.Contains(rendered, "hunter2") {
			t.Errorf("secret leaked: %s", rendered)
		}
	}
	if s.Reveal() != "user:hunter2" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
	if !IsSensitive([]any{map[string]any{"x": s}}) || IsSensitive("x") {
		t.Error("IsSensitive is wrong")
	}
	if diff := cmp.Diff(map[string]any{"p": "user:hunter2"}, Reveal(map[string]any{"p": s})); diff != "" {
		t.Errorf("Reveal (-want +got):\n%s", diff)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  string
		want string // "line:col: message"
	}{
		"unknown var":      {src: "${{ vars.site }}", want: "3:19: unknown variable `site`"},
		"unknown data":     {src: "x ${{ data.hots }}", want: "3:21: unknown data query `hots`"},
		"later step":       {src: "${{ steps.later.x }}", want: "3:20: step `later` does not run before this one; steps can only refer to earlier steps"},
		"unknown step":     {src: "${{ steps.nope }}", want: "3:20: unknown step `nope`"},
		"unknown kind":     {src: "${{ resources['vbr.foo'] }}", want: "3:24: no resource of kind `vbr.foo` is declared"},
		"each":             {src: "${{ each }}", want: "3:14: `each` is only available in an item with for_each"},
		"syntax":           {src: "${{ 1 + }}", want: "3:17: unexpected token EOF"},
		"type":             {src: "${{ vars.max + 'a' }}", want: "3:23: invalid operation: + (mismatched types int and string)"},
		"unterminated":     {src: "a ${{ vars.max", want: "3:12: unterminated ${{ (missing }})"},
		"empty":            {src: "${{ }}", want: "3:10: empty ${{ }} expression"},
		"unknown function": {src: "${{ nope(1) }}", want: "3:14: unknown name `nope`"},
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

func TestCond(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		src  any
		want bool
	}{
		"changed":       {src: `changed("vbr.repository")`, want: true},
		"literal":       {src: false, want: false},
		"template form": {src: "${{ vars.max > 3 }}", want: true},
		"builtin":       {src: "len(data.jobs) == 1 && 'ams' in vars.sites", want: true},
		"item where":    {src: `name == "x"`, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := testDecl()
			s := testScope()
			if name == "item where" {
				d = &Decl{Item: true}
				s.Item = map[string]any{"name": "x"}
			}
			c, ds := CompileCond(&Node{Kind: ScalarNode, Pos: diag.Pos{Line: 1, Col: 1}, Value: tc.src}, d)
			if len(ds) > 0 {
				t.Fatal(ds)
			}
			got, err := c.Eval(s)
			if err != nil || got != tc.want {
				t.Errorf("Eval(%v) = %v, %v; want %v", tc.src, got, err, tc.want)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	t.Parallel()
	v, ds := CompileValue(scalar("${{ [resources['vbr.repository']['repo-a'].id, data.host.id, secret('PW')] }}"), testDecl())
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	var got []string
	for _, r := range v.Refs() {
		got = append(got, r.Root+":"+r.Key+":"+r.Name)
	}
	want := []string{"resources:vbr.repository:repo-a", "data:host:", "secret:PW:"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Refs (-want +got):\n%s", diff)
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"forEach": "for_each", "LinuxLocl": "LinuxLocal", "zzz": ""} {
		got, _ := Closest(in, []string{"for_each", "LinuxLocal", "name"})
		if got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzInterpolate checks that compiling and evaluating any template never
// panics and that diagnostics stay on the scalar's line or after it.
func FuzzInterpolate(f *testing.F) {
	for _, s := range []string{"plain", "${{ vars.max }}", "a ${{ vars.sites }} b ${{ env.X }}", "${{ {'a': '}}'} }}",
		"${{", "}}${{}}", "${{ secret('PW') + 'x' }}", "${{ map(vars.sites, # + '!') }}", "${{ steps.later.x }}",
		"${{ 1 + }}", "${{ let x = 1; x }}", "${{ each.id }}", "\u00e9${{ data.host.id }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := scalar(s)
		v, ds := CompileValue(n, testDecl())
		for _, d := range ds {
			if d.Pos.Line < n.Pos.Line {
				t.Fatalf("diagnostic before the scalar: %v", d)
			}
		}
		if len(ds) == 0 {
			_, _ = v.Eval(testScope())
		}
		c, ds := CompileCond(n, testDecl())
		if len(ds) == 0 {
			_, _ = c.Eval(testScope())
		}
	})
}
