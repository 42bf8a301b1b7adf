package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

const catalogHeader = `vplay: 1
name: catalog
targets:
  vbr: { type: vbr, url: "https://vbr:9419", username: u, password: "${{ secret('P') }}" }
  em: { type: em, url: "https://em:9398", username: u, password: "${{ secret('P') }}" }
  vspc: { type: vspc, url: "https://vspc:1280", username: u, password: "${{ secret('P') }}" }
`

// targetOf returns the target of an entry's API ("" for built-ins).
func targetOf(api veeam.API) string {
	if api == "" {
		return ""
	}
	return "\n    target: " + string(api)
}

// TestValidateRejectsBadInputPerEntry checks, for every kind, action and
// query of the catalogue, that an unknown field and a wrongly typed block
// are reported at their exact position.
func TestValidateRejectsBadInputPerEntry(t *testing.T) {
	t.Parallel()
	cat := steps.Builtin()
	type tc struct {
		body string // after the header; the bad line is marked with <<<
		want string // in the diagnostic's summary
	}
	cases := map[string]tc{}
	for _, k := range cat.Kinds() {
		cases["kind "+k.Name+" unknown field"] = tc{fmt.Sprintf("resources:\n  - kind: %s%s\n    name: x\n    spec:\n      not_a_field: 1 <<<\n", k.Name, targetOf(k.API)), "not_a_field"}
		cases["kind "+k.Name+" not a mapping"] = tc{fmt.Sprintf("resources:\n  - kind: %s%s\n    name: x\n    spec: [1, 2] <<<\n", k.Name, targetOf(k.API)), ""}
	}
	for _, a := range cat.Actions() {
		cases["action "+a.Name+" unknown field"] = tc{fmt.Sprintf("steps:\n  - id: s\n    action: %s%s\n    with:\n      not_a_field: 1 <<<\n", a.Name, targetOf(a.API)), "not_a_field"}
		cases["action "+a.Name+" not a mapping"] = tc{fmt.Sprintf("steps:\n  - id: s\n    action: %s%s\n    with: 42 <<<\n", a.Name, targetOf(a.API)), ""}
	}
	for _, q := range cat.Queries() {
		cases["query "+q.Name+" unknown param"] = tc{fmt.Sprintf("data:\n  d:\n    query: %s%s\n    params:\n      not_a_field: 1 <<<\n", q.Name, strings.ReplaceAll(targetOf(q.API), "\n    ", "\n    ")), "not_a_field"}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := catalogHeader + c.body
			line, col := markedPos(src)
			src = strings.Replace(src, " <<<", "", 1)
			_, ds := playbook.Parse("p.yaml", []byte(src), cat, playbook.Options{})
			if !ds.HasErrors() {
				t.Fatalf("no error for:\n%s", src)
			}
			for _, d := range ds {
				if d.Severity == diag.SevError && d.Pos.Line == line && (c.want == "" || strings.Contains(d.Summary, c.want)) {
					if c.want != "" && d.Pos.Col != col {
						t.Errorf("%s: column %d, want %d", d, d.Pos.Col, col)
					}
					return
				}
			}
			t.Errorf("no error at line %d mentioning %q; got:\n%s", line, c.want, diag.Format(ds, diag.Sources{"p.yaml": []byte(src)}))
		})
	}
}

// markedPos returns the 1-based line of the line marked " <<<" and the
// column of its first non-blank character.
func markedPos(src string) (int, int) {
	for i, l := range strings.Split(src, "\n") {
		if strings.HasSuffix(l, " <<<") {
			return i + 1, len(l) - len(strings.TrimLeft(l, " ")) + 1
		}
	}
	return 0, 0
}
