package playbook

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// perRevisionCatalog has one VBR kind whose spec follows the revision
// (mode is "old" before 1.3-rev0, "new" from it) and whose any-revision
// schema checks keys only, as the table kinds' does. calls counts the
// per-revision schemas built.
func perRevisionCatalog() (*steps.Catalog, func() map[string]int) {
	var mu sync.Mutex
	calls := map[string]int{}
	at := func(doc string) map[string]any {
		mu.Lock()
		calls[doc]++
		mu.Unlock()
		mode := "new"
		if doc == "1.1-rev0" || doc == "1.2-rev1" {
			mode = "old"
		}
		return map[string]any{"type": "object", "additionalProperties": false,
			"properties": map[string]any{"mode": map[string]any{"enum": []any{mode}}}}
	}
	kind := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.thing", API: veeam.VBR, Summary: "a thing", SchemaAt: at, ValuesPerRevision: true,
			Schema: map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{"mode": true}}},
	}
	count := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range calls {
			out[k] = v
		}
		return out
	}
	// The playbook schema needs an action and a query to list.
	anyObject := map[string]any{"type": "object"}
	log := &steps.Action{Meta: steps.Meta{Name: "log", Summary: "log", Schema: anyObject}, Builtin: true}
	query := &steps.Query{Meta: steps.Meta{Name: "vbr.things", API: veeam.VBR, Summary: "things", Schema: anyObject}}
	return steps.NewCatalog([]*steps.Kind{kind}, []*steps.Action{log}, []*steps.Query{query}), count
}

// TestValuesPerRevision: without a known revision, a spec is accepted when
// one revision defining the kind accepts it, and otherwise gets the newest
// revision's complaint with a hint to pin api_version; with a known one,
// complaints name it. Each revision's schema is built once, and only when
// the newer ones refuse the spec.
func TestValuesPerRevision(t *testing.T) {
	t.Parallel()
	const src = `vplay: 1
targets:
  vbr: { type: vbr, url: "https://vbr.example:9419", username: u, password: "${{ secret('PW') }}"%s }
resources:
  - kind: vbr.thing
    name: a
    spec: { mode: %s }
`
	tests := map[string]struct {
		apiVersion, mode string
		want             []string // summaries, then hints
		built            map[string]int
	}{
		"the newest accepts": {mode: "new", built: map[string]int{"1.3-rev2": 1}},
		"an older accepts": {mode: "old",
			built: map[string]int{"1.3-rev2": 1, "1.3-rev1": 1, "1.3-rev0": 1, "1.2-rev1": 1}},
		"none accepts": {mode: "bogus", want: []string{
			`p.yaml:7:19: error: resources[0].spec.mode: "bogus" is not an accepted value (VBR REST API 1.3-rev2; no revision that defines vbr.thing accepts this spec)`,
			"expected one of: new; targets.vbr has no api_version, so this spec is checked against each revision that defines vbr.thing (1.1-rev0 to 1.3-rev2) and the newest one's complaint is shown: pin api_version for exact checks"},
			built: map[string]int{"1.3-rev2": 1, "1.3-rev1": 1, "1.3-rev0": 1, "1.2-rev1": 1, "1.1-rev0": 1}},
		"the pinned revision is named": {apiVersion: ", api_version: 1.2-rev1", mode: "new", want: []string{
			`p.yaml:7:19: error: resources[0].spec.mode: "new" is not an accepted value (VBR REST API 1.2-rev1)`,
			"expected one of: old"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cat, built := perRevisionCatalog()
			for range 2 { // the second load builds nothing more
				_, ds := Parse("p.yaml", []byte(fmt.Sprintf(src, tc.apiVersion, tc.mode)), cat, Options{})
				var got []string
				for _, d := range ds {
					if d.Severity == 0 || strings.Contains(d.Summary, "spec") {
						got = append(got, d.String(), d.Hint)
					}
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("diagnostics -want +got:\n%s", diff)
				}
			}
			if tc.built != nil {
				if diff := cmp.Diff(tc.built, built()); diff != "" {
					t.Errorf("revision schemas built -want +got:\n%s", diff)
				}
			}
		})
	}
}
