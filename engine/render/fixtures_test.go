package render

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/jsondoc"
)

// update rewrites the golden files: go test ./engine/render -update.
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/<name>.golden, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func pos(line, col int) diag.Pos { return diag.Pos{File: "playbooks/site.yaml", Line: line, Col: col} }

// fullPlan covers creates, updates, deletes, no-ops, drift, nested
// objects, list element diffs, a long-string word diff, a sensitive field
// and steps in every status.
func fullPlan() *engine.Plan {
	return &engine.Plan{
		FormatVersion: engine.FormatVersion,
		Playbook:      "playbooks/site.yaml",
		Name:          "site",
		PlaybookHash:  "sha256:9f2c",
		Targets: []engine.Target{
			{Name: "vbr", API: "vbr", URL: "https://vbr.example:9419"},
			{Name: "vspc", API: "vspc", URL: "https://vspc.example:1280"},
		},
		Changes: []engine.Change{
			{
				Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams"}, Action: engine.Create,
				Policy: engine.PolicyManage, Risk: "maintenance", Pos: pos(12, 5),
				After: map[string]any{"name": "repo-ams", "type": "WinLocal"},
				Diff: diffOf(map[string]any{"repository": map[string]any{}}, map[string]any{
					"description": "Amsterdam primary", "name": "repo-ams", "type": "WinLocal", "tags": []any{"ams", "primary"},
					"repository": map[string]any{"makeRecentBackupsImmutableDays": json.Number("7"), "maxTaskCount": json.Number("4"), "path": `D:\Backups`},
				}),
			},
			{
				Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-lon"}, Action: engine.Update,
				Policy: engine.PolicyManage, Risk: "maintenance", Pos: pos(30, 5), ID: "88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec",
				Diff: diffOf(map[string]any{
					"description":        "Primary repository for the London office, holds daily backups of file servers and SQL",
					"performanceExtents": []any{map[string]any{"name": "ext-1", "path": "E:"}, map[string]any{"name": "ext-2", "path": "F:"}, map[string]any{"name": "ext-3", "path": "G:"}},
					"repository":         map[string]any{"maxTaskCount": json.Number("4"), "readWriteRate": json.Number("100"), "advanced": map[string]any{"alignDataBlocks": false}},
					"tags":               []any{"lon", "old", "tier-2"},
				}, map[string]any{
					"description":        "Primary repository for the London office, holds hourly backups of file servers, SQL and Exchange",
					"performanceExtents": []any{map[string]any{"name": "ext-1", "path": "E:"}, map[string]any{"name": "ext-3", "path": "G:"}, map[string]any{"name": "ext-4", "path": "H:"}},
					"repository":         map[string]any{"maxTaskCount": json.Number("8.0"), "advanced": map[string]any{"alignDataBlocks": true}},
					"tags":               []any{"lon", "tier-1", "tier-2"},
				}),
			},
			{
				Addr: engine.Addr{Target: "vbr", Kind: "vbr.credential", Name: "svc-backup"}, Action: engine.Update,
				Policy: engine.PolicyManage, Risk: "maintenance", Pos: pos(41, 5), ID: "c1",
				Before: map[string]any{"username": "svc-backup", "password": engine.Sensitive},
				After:  map[string]any{"username": "svc-backup", "password": engine.Sensitive},
				Diff: []engine.DiffNode{
					{Path: jsondoc.Path{jsondoc.Key("password")}, Op: engine.DiffChange, Before: engine.Sensitive, After: engine.Sensitive, Sensitive: true},
				},
			},
			{
				Addr: engine.Addr{Target: "vbr", Kind: "vbr.job", Name: "nightly"}, Action: engine.Drift,
				Policy: engine.PolicyObserve, Risk: "maintenance", Pos: pos(50, 5), ID: "j1",
				Diff: diffOf(map[string]any{
					"schedule": map[string]any{"daily": map[string]any{"localTime": "23:00"}},
					"script":   "#!/bin/sh\nset -e\necho starting backup\nrun --fast\n",
				}, map[string]any{
					"schedule": map[string]any{"daily": map[string]any{"localTime": "22:00"}},
					"script":   "#!/bin/sh\nset -eu\necho starting nightly backup\nrun --fast\n",
				}),
			},
			{
				Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-old"}, Action: engine.Delete,
				Policy: engine.PolicyManage, Risk: "destructive", Pos: pos(60, 5), ID: "d1",
			},
			{
				Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-same"}, Action: engine.NoOp,
				Policy: engine.PolicyManage, Risk: "maintenance", Pos: pos(70, 5), ID: "s1",
			},
			{
				Addr: engine.Addr{Target: "vspc", Kind: "vspc.company", Name: "acme"}, Action: engine.NoOp,
				Policy: engine.PolicyNoDelete, Risk: "maintenance", Pos: pos(80, 5), ID: "co1",
				Reason: "policy no_delete holds back the delete",
			},
		},
		Steps: []engine.StepRun{
			{ID: "retry_failed", Name: "Retry failed agent jobs", Action: "vbr.job.retry", Target: "vbr", Risk: "disruptive",
				Status: engine.StepWillRun, Pos: pos(90, 5), Summary: "retry 2 failed agent jobs: A, B", Items: []string{"A", "B"}},
			{ID: "cleanup", Action: "vbr.restorepoint.delete", Target: "vbr", Risk: "destructive",
				Status: engine.StepWillSkip, Pos: pos(100, 5), Reason: "when `env.STAGE == 'prod'` was false"},
			{ID: "report", Action: "log", Risk: "read", Status: engine.StepDependsOn, Pos: pos(110, 5),
				Reason: "reads steps.retry_failed.results"},
		},
		Fingerprints: []engine.Fingerprint{
			{Target: "vbr", Kind: "vbr.repository", Name: "repo-lon", ID: "88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec", Hash: "sha256:1111"},
			{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams", Hash: "absent"},
		},
		Summary: engine.Summary{Create: 1, Update: 2, Delete: 1, Drift: 1, NoOp: 2, Steps: 2},
	}
}

// emptyPlan is a plan with nothing to do.
func emptyPlan() *engine.Plan {
	return &engine.Plan{
		FormatVersion: engine.FormatVersion, Playbook: "playbooks/quickstart.yaml", Name: "quickstart",
		PlaybookHash: "sha256:abcd",
		Targets:      []engine.Target{{Name: "vbr", API: "vbr", URL: "https://vbr.example:9419"}},
		Changes: []engine.Change{{Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams"},
			Action: engine.NoOp, Policy: engine.PolicyManage, Risk: "maintenance", ID: "r1"}},
		Summary: engine.Summary{NoOp: 1},
	}
}

// diffOf is the diff tree between two documents as the engine builds it
// for values without a kind's rules (engine.DiffValues), for fixtures.
func diffOf(before, after map[string]any) []engine.DiffNode {
	return engine.DiffValues(nil, before, after).Fields
}
