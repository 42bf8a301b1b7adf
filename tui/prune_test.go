package tui

import (
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/jsondoc"
)

// TestReviewShowsPruneReason checks that a delete planned by a prune
// selector shows why it is there, in the list and in its detail.
func TestReviewShowsPruneReason(t *testing.T) {
	t.Parallel()
	reason := "matched prune selector site-* at line 32; declared by no resource"
	p := &engine.Plan{Playbook: "repos.yaml", Name: "prune",
		Targets: []engine.Target{{Name: "vbr", API: "vbr", URL: "https://vbr:9419"}},
		Changes: []engine.Change{{
			Addr:   engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "site-fra"},
			Action: engine.Delete, Policy: engine.PolicyManage, Risk: "destructive", Pos: diag.Pos{File: "repos.yaml", Line: 32, Col: 5},
			ID: "r-1", Reason: reason,
			Diff: []engine.DiffNode{{Path: jsondoc.Path{jsondoc.Key("name")}, Op: engine.DiffRemove, Before: "site-fra"}},
		}},
		Summary: engine.Summary{Delete: 1}}
	m := NewReviewModel(p, Options{Width: 200, Height: 30, NoColor: true})
	pressAll(t, m, "j")
	screen := m.Render()
	for _, want := range []string{`site-fra`, "delete (" + reason + ")", "reason: " + reason, "[destructive]"} {
		if !strings.Contains(screen, want) {
			t.Errorf("review screen lacks %q:\n%s", want, screen)
		}
	}
}
