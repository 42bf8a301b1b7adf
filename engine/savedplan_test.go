package engine

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/playbook"
)

// TestStalePlanDifferentWork: apply recomputes a saved plan from the
// playbook and its own flags; when that gives different work than what was
// saved (here because --var differs), the saved plan is refused instead of
// applying work nobody reviewed.
func TestStalePlanDifferentWork(t *testing.T) {
	t.Parallel()
	body := thingsBody + `
  - kind: vbr.thing
    target: vbr
    name: thing-old
    state: "${{ vars.state }}"
    spec: { path: /old }
`
	body = `
vars:
  state: present
` + body[len("\nvars:\n"):]
	const hint = " (were plan and apply given the same --var and --var-file values and environment?)"
	tests := map[string]struct {
		saved, applied map[string]any
		want           []string
	}{
		"same vars": {saved: map[string]any{"tasks": 8}, applied: map[string]any{"tasks": 8}},
		"field differs": {saved: map[string]any{"tasks": 8}, applied: map[string]any{"tasks": 16}, want: []string{
			"vbr/vbr.thing/thing-a: the planned field changes differ" + hint, "vbr/vbr.thing/thing-b: the planned field changes differ" + hint}},
		"var left out": {saved: map[string]any{"tasks": 8}, want: []string{
			"vbr/vbr.thing/thing-a: planned update, now no-op" + hint, "vbr/vbr.thing/thing-b: planned update, now no-op" + hint}},
		"action differs":  {saved: map[string]any{"state": "absent"}, want: []string{"vbr/vbr.thing/thing-old: planned delete, now no-op" + hint}},
		"action, reverse": {applied: map[string]any{"state": "absent"}, want: []string{"vbr/vbr.thing/thing-old: planned no-op, now delete" + hint}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.put("thing-a", map[string]any{"path": "/backups/a", "maxTaskCount": 4, "nested": map[string]any{"keep": true}})
			s.put("thing-b", map[string]any{"path": "/backups/b", "maxTaskCount": 4, "nested": map[string]any{"keep": true}})
			s.put("thing-old", map[string]any{"path": "/old"})
			e := fakeEngine(t, s)
			plan := func(vars map[string]any) *Plan {
				fsys := fstest.MapFS{"p.yaml": {Data: []byte(fakeHeader + body)}}
				pb, ds := playbook.Load(fsys, "p.yaml", fakeCatalog(s), playbook.Options{Vars: vars})
				if ds.HasErrors() {
					t.Fatalf("load: %v", ds)
				}
				return mustPlan(t, e, pb)
			}
			var buf bytes.Buffer
			if err := WritePlan(&buf, plan(tc.saved), nil); err != nil {
				t.Fatal(err)
			}
			read, err := ReadPlan(&buf)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckStale(read, plan(tc.applied))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckStale = %v, want nil", err)
				}
				return
			}
			var stale *StalePlanError
			if !errors.As(err, &stale) {
				t.Fatalf("CheckStale = %v, want *StalePlanError", err)
			}
			if diff := cmp.Diff(tc.want, stale.Changed); diff != "" {
				t.Errorf("Changed (-want +got):\n%s", diff)
			}
		})
	}
}
