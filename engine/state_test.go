package engine

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/playbook"
)

// TestStateExpression: `state:` may be an expression (driven by --var or
// by the loop item); the planner evaluates it per item. It used to be kept
// as its raw text, which is not "absent", so every expression meant present.
func TestStateExpression(t *testing.T) {
	t.Parallel()
	const body = `
vars:
  state: present
  gone: [b]
resources:
  - kind: vbr.thing
    target: vbr
    for_each: [a, b]
    name: "thing-${{ each }}"
    state: ` + "%STATE%" + `
    spec: { path: "/backups/${{ each }}" }
`
	tests := map[string]struct {
		state string
		vars  map[string]any
		want  map[string]Action
		err   string
	}{
		"literal absent":      {state: "absent", want: map[string]Action{"thing-a": Delete, "thing-b": Delete}},
		"vars default":        {state: `"${{ vars.state }}"`, want: map[string]Action{"thing-a": NoOp, "thing-b": NoOp}},
		"vars override":       {state: `"${{ vars.state }}"`, vars: map[string]any{"state": "absent"}, want: map[string]Action{"thing-a": Delete, "thing-b": Delete}},
		"per item":            {state: `"${{ each in vars.gone ? 'absent' : 'present' }}"`, want: map[string]Action{"thing-a": NoOp, "thing-b": Delete}},
		"per item, not found": {state: `"${{ each in vars.gone ? 'absent' : 'present' }}"`, vars: map[string]any{"gone": []any{"c"}}, want: map[string]Action{"thing-a": NoOp, "thing-b": NoOp}},
		"bad value":           {state: `"${{ each == 'a' ? 'present' : 'gone' }}"`, err: `state: expected present or absent, got "gone"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.put("thing-a", map[string]any{"path": "/backups/a"})
			s.put("thing-b", map[string]any{"path": "/backups/b"})
			src := fakeHeader + strings.Replace(body, "%STATE%", tc.state, 1)
			pb, ds := playbook.Load(fstest.MapFS{"p.yaml": {Data: []byte(src)}}, "p.yaml", fakeCatalog(s), playbook.Options{Vars: tc.vars})
			if ds.HasErrors() {
				t.Fatalf("load: %v", ds)
			}
			p, err := fakeEngine(t, s).Plan(context.Background(), pb)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Plan error = %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if diff := cmp.Diff(tc.want, actions(p)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}
