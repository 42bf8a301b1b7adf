package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// revisionCatalog has one VBR kind whose spec field mode is spelt "Linux"
// from 1.3-rev1 and "linux" before, like the vendor's mount server type.
func revisionCatalog(s *fakeStore) *steps.Catalog {
	at := func(doc string) map[string]any {
		mode := "linux"
		if doc == "1.3-rev1" || doc == "1.3-rev2" {
			mode = "Linux"
		}
		return map[string]any{"type": "object", "additionalProperties": false,
			"properties": map[string]any{"mode": map[string]any{"enum": []any{mode}}}}
	}
	kind := &steps.Kind{
		Meta: steps.Meta{Name: "vbr.thing", API: veeam.VBR, Summary: "a thing", SchemaAt: at,
			Schema: map[string]any{"anyOf": []any{at("1.3-rev0"), at("1.3-rev2")}}},
		ReadOnly: []string{"id"},
		Await:    veeam.KindSession,
		Ops:      fakeKindOps{s},
	}
	anyObject := map[string]any{"type": "object"}
	log := &steps.Action{Meta: steps.Meta{Name: "log", Summary: "log", Schema: anyObject}, Builtin: true}
	query := &steps.Query{Meta: steps.Meta{Name: "vbr.things", API: veeam.VBR, Summary: "things", Schema: anyObject},
		Fetch: func(context.Context, *steps.Conn, steps.Doc) ([]steps.Doc, error) { return nil, nil }}
	return steps.NewCatalog([]*steps.Kind{kind}, []*steps.Action{log}, []*steps.Query{query})
}

// TestPlanTimeRevision checks that an api_version known only at plan time
// (from the environment) is checked, and that specs are then validated
// against that revision's schema with their positions.
func TestPlanTimeRevision(t *testing.T) {
	t.Parallel()
	const src = `vplay: 1
targets:
  vbr: { type: vbr, url: "https://vbr.example:9419", username: admin, password: "${{ secret('PW') }}", api_version: "${{ env.REV }}" }
resources:
  - kind: vbr.thing
    name: a
    spec:
      mode: Linux
`
	tests := map[string]struct {
		rev      string
		wantDiag string // the position and summary of the one diagnostic
		wantErr  string // a run-time error instead
	}{
		"rev2 defines the spelling": {rev: "1.3-rev2"},
		"rev0 does not":             {rev: "1.3-rev0", wantDiag: `p.yaml:8:13: error: resources[0].spec.mode: "Linux" is not an accepted value (VBR REST API 1.3-rev0)`},
		"alias of 1.1-rev0":         {rev: "1.2-rev0", wantDiag: `p.yaml:8:13: error: resources[0].spec.mode: "Linux" is not an accepted value (VBR REST API 1.2-rev0)`},
		"unknown revision":          {rev: "1.3-rev9", wantErr: `p.yaml:3:117: target "vbr": api_version: "1.3-rev9" is not a VBR REST API revision vplay knows`},
		"unset variable":            {rev: "", wantErr: `api_version: expected a revision`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			cat := revisionCatalog(s)
			pb, ds := playbook.Load(fstest.MapFS{"p.yaml": {Data: []byte(src)}}, "p.yaml", cat, playbook.Options{})
			if ds.HasErrors() {
				t.Fatalf("load: %v", ds)
			}
			env := map[string]string{}
			if tc.rev != "" {
				env["REV"] = tc.rev
			}
			e := New(Config{Catalog: cat, Env: env, JournalDir: t.TempDir(),
				Secret: func(string) (string, error) { return "pw", nil },
				Connector: ConnectorFunc(func(_ context.Context, tc TargetConfig) (*steps.Conn, error) {
					return &steps.Conn{Target: tc.Name, API: tc.API}, nil
				}),
				Closer: func(context.Context, *steps.Conn) error { return nil }})
			p, err := e.Plan(context.Background(), pb)
			switch {
			case tc.wantDiag != "":
				got, ok := diag.AsDiagnostics(err)
				if !ok || len(got) != 2 || got[0].String() != tc.wantDiag {
					t.Fatalf("Plan() error = %v, want the diagnostic %q", err, tc.wantDiag)
				}
				const source = `p.yaml:3:3: warning: targets.vbr: specs are checked against VBR REST API `
				if !strings.HasPrefix(got[1].String(), source+tc.rev+", the revision of its api_version") {
					t.Errorf("second diagnostic = %q, want it to say where the revision came from", got[1])
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Plan() error = %v, want %q", err, tc.wantErr)
				}
				var de *diag.Error
				if errors.As(err, &de) {
					t.Errorf("a run-time error came as diagnostics: %v", err)
				}
			default:
				if err != nil {
					t.Fatalf("Plan() error = %v", err)
				}
				if got := p.Targets[0].APIVersion; got != tc.rev {
					t.Errorf("plan target api_version = %q, want %q", got, tc.rev)
				}
				if p.Targets[0].Negotiated {
					t.Error("a revision from the playbook is marked negotiated")
				}
			}
		})
	}
}
