package engine

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/playbook"
)

// A saved plan's --var overrides read back with the loader's number types,
// so a number --var can be applied from the plan (it was json.Number).
func TestReadPlanVarsNumbers(t *testing.T) {
	t.Parallel()
	p := &Plan{FormatVersion: FormatVersion, Vars: map[string]any{
		"max_tasks": 8,
		"ratio":     0.5,
		"sizes":     []any{1, 2.5},
		"limits":    map[string]any{"n": 3},
		"name":      "x",
	}}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Vars, got.Vars); diff != "" {
		t.Errorf("ReadPlan(WritePlan(p)).Vars (-want +got):\n%s", diff)
	}
}

// TestPlanRecordsVars: the planner records the overrides the playbook was
// loaded with (the CLI no longer sets Plan.Vars), and only those: declared
// defaults are not overrides.
func TestPlanRecordsVars(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	for name, tc := range map[string]struct {
		vars map[string]any
		want map[string]any
	}{
		"no overrides": {nil, nil},
		"one override": {map[string]any{"tasks": 8}, map[string]any{"tasks": 8}},
	} {
		fsys := fstest.MapFS{"p.yaml": {Data: []byte(fakeHeader + thingsBody)}}
		pb, ds := playbook.Load(fsys, "p.yaml", fakeCatalog(s), playbook.Options{Vars: tc.vars})
		if ds.HasErrors() {
			t.Fatalf("%s: load: %v", name, ds)
		}
		p := mustPlan(t, fakeEngine(t, s), pb)
		if diff := cmp.Diff(tc.want, p.Vars); diff != "" {
			t.Errorf("%s: Plan.Vars (-want +got):\n%s", name, diff)
		}
	}
}
