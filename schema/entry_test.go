package schema

import (
	"slices"
	"testing"

	"github.com/vplay-dev/vplay/steps"
)

// TestForEntryAt: an entry's schema at one revision is compiled once per
// catalogue, accepts ${{ }} templates as the playbook schema does, and
// reports violations under the path the value has in the playbook.
func TestForEntryAt(t *testing.T) {
	t.Parallel()
	cat := steps.Builtin()
	v, err := ForEntryAt(cat, "vbr.job.start", "1.3-rev0")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ForEntryAt(cat, "vbr.job.start", "1.3-rev0"); again != v {
		t.Error("ForEntryAt compiled the same entry and revision twice")
	}
	path := []string{"steps", "4", "with"}
	if got := v.ValidateAt(map[string]any{"job": "j", "performActiveFull": "${{ vars.full }}"}, path); len(got) != 0 {
		t.Errorf("a template where a boolean goes: %v, want no violation", got)
	}
	got := v.ValidateAt(map[string]any{"job": "j", "syncRestorePoints": "Newest"}, path)
	if len(got) != 1 || !slices.Equal(got[0].Path, []string{"steps", "4", "with", "syncRestorePoints"}) || got[0].Keyword != "enum" {
		t.Errorf("ValidateAt = %+v, want one enum violation at steps.4.with.syncRestorePoints", got)
	}
	if _, err := ForEntryAt(cat, "log", "1.3-rev0"); err == nil {
		t.Error("ForEntryAt of an entry without per-revision schemas: no error")
	}
}
