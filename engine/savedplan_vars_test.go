package engine

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
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
