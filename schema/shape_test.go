package schema

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// repo is a LinuxLocal repository resource like the ones a large site
// declares, with overrides applied to its spec.
func repo(name string, spec map[string]any) map[string]any {
	s := map[string]any{
		"type": "LinuxLocal", "description": "declared " + name, "hostId": "3251ddfc-3691-4d20-a43e-860dc275147e",
		"repository": map[string]any{"path": "/backups/" + name, "taskLimitEnabled": true, "maxTaskCount": 4,
			"advancedSettings": map[string]any{"RotatedDriveCleanupMode": "Disabled", "alignDataBlocks": true, "perVmBackup": true}},
		"mountServer": map[string]any{"mountServerSettingsType": "linux", "linux": map[string]any{
			"mountServerId": "3251ddfc-3691-4d20-a43e-860dc275147e", "writeCacheFolder": "/var/lib/veeam/cache", "vPowerNFSEnabled": false}},
	}
	for k, v := range spec {
		if v == nil {
			delete(s, k)
			continue
		}
		s[k] = v
	}
	return map[string]any{"kind": "vbr.repository", "name": name, "spec": s}
}

func revisionValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := ForCatalog(Catalog().At("1.3-rev0"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestShapeKeys: resources that differ only in their names, descriptions
// and paths have one shape; a different type, a non-string description,
// an unknown key or a different enum value make another.
func TestShapeKeys(t *testing.T) {
	t.Parallel()
	sh := revisionValidator(t).shapes["resources"]
	if sh == nil {
		t.Fatal("no shapes for resources")
	}
	base := sh.key(repo("repo-00001", nil))
	if got := sh.key(repo("another-name", nil)); got != base {
		t.Errorf("name, description and path changed: another shape\n%s\n%s", base, got)
	}
	for name, r := range map[string]map[string]any{
		"type":            repo("a", map[string]any{"type": "WinLocal"}),
		"int description": repo("a", map[string]any{"description": 5}),
		"unknown key":     repo("a", map[string]any{"descripton": "x"}),
		"enum value": repo("a", map[string]any{"repository": map[string]any{"path": "/x", "advancedSettings": map[string]any{
			"RotatedDriveCleanupMode": "ClearBackupFolder"}}}),
	} {
		if sh.key(r) == base {
			t.Errorf("%s: same shape as the base resource", name)
		}
	}
}

// TestValidateByShapeSameAsEachItem: validating items by shape reports
// exactly what validating every item on its own reports, for valid and
// invalid resources, many of them of the same shape.
func TestValidateByShapeSameAsEachItem(t *testing.T) {
	t.Parallel()
	v := revisionValidator(t)
	variants := []map[string]any{
		nil,
		{"type": "WinLocal"},
		{"description": 5},
		{"descripton": "typo"},
		{"hostId": "not-a-uuid"},
		{"repository": map[string]any{"path": "/x", "maxTaskCount": "four"}},
		{"repository": map[string]any{"path": "/x", "advancedSettings": map[string]any{"RotatedDriveCleanupMode": "Sometimes"}}},
		{"mountServer": nil},
		{"type": nil},
		{"type": "Nfs", "share": map[string]any{"sharePath": "srv:/b"}},
	}
	var items []any
	for i := range 300 {
		r := repo("r-"+strconv.Itoa(i), variants[i%len(variants)])
		if i%37 == 0 {
			r["depends_on"] = "not-a-list"
		}
		items = append(items, r)
	}
	got := v.Validate(map[string]any{"vplay": 1, "resources": items})
	var want []Violation
	for i, it := range items {
		want = append(want, v.violations(v.lists["resources"], it, []string{"resources", strconv.Itoa(i)})...)
	}
	want = sortViolations(want)
	if len(want) == 0 {
		t.Fatal("no violations: the variants should have some")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("by shape (-each item +by shape):\n%s", diff)
	}
	shapes := map[string]bool{}
	for _, it := range items {
		shapes[v.shapes["resources"].key(it)] = true
	}
	if len(shapes) > 2*len(variants) {
		t.Errorf("%d shapes among %d items of %d variants", len(shapes), len(items), len(variants))
	}
	t.Logf("%d items, %d shapes, %d violations", len(items), len(shapes), len(got))
}

// TestForUseSameViolations: the validator of the entries a playbook uses
// reports what the whole catalogue's does, for the used entries' errors
// and for names the catalogue does not have.
func TestForUseSameViolations(t *testing.T) {
	t.Parallel()
	cat := Catalog().At("1.3-rev0")
	whole := revisionValidator(t)
	use := Use{Kinds: []string{"vbr.repository", "vbr.nope"}, Actions: []string{"log", "vbr.job.start"}, Queries: []string{"vbr.repositories"}}
	part, err := ForUse(cat, use)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ForUse(cat, Use{Kinds: []string{"vbr.nope", "vbr.repository", "vbr.repository"}, Actions: use.Actions, Queries: use.Queries}); again != part {
		t.Error("ForUse compiled the same use twice")
	}
	inst := map[string]any{"vplay": 1,
		"resources": []any{
			repo("ok", nil),
			repo("bad", map[string]any{"description": 5, "hostId": nil, "descripton": "x", "repository": map[string]any{"maxTaskCount": "four"}}),
			map[string]any{"kind": "vbr.nope", "name": "n", "spec": map[string]any{"x": 1}},
		},
		"steps": []any{
			map[string]any{"id": "a", "action": "log", "with": map[string]any{"nope": 1}},
			map[string]any{"id": "b", "action": "vbr.job.start", "with": "text"},
		},
		"data": map[string]any{"r": map[string]any{"query": "vbr.repositories", "params": map[string]any{"limit": "x"}}},
	}
	want := whole.Validate(inst)
	if len(want) < 5 {
		t.Fatalf("the instance has %d violations, want several to compare: %v", len(want), want)
	}
	if diff := cmp.Diff(want, part.Validate(inst)); diff != "" {
		t.Errorf("ForUse(%v).Validate() differs from ForCatalog's (-want +got):\n%s", use, diff)
	}
}
