package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every typed field of an entry schema accepts a ${{ }} template (integers,
// uuid strings, enums, lists), while literal values are checked, and
// reported, as before.
func TestTemplatesAccepted(t *testing.T) {
	t.Parallel()
	repo := func(spec map[string]any) map[string]any {
		return map[string]any{"vplay": 1, "resources": []any{map[string]any{"kind": "vbr.repository", "name": "r", "spec": spec}}}
	}
	spec := func(maxTasks, hostID, mountType any) map[string]any {
		return map[string]any{
			"type": "LinuxLocal", "hostId": hostID,
			"repository": map[string]any{"path": "/b", "maxTaskCount": maxTasks},
			"mountServer": map[string]any{"mountServerSettingsType": mountType, "linux": map[string]any{
				"mountServerId": hostID, "writeCacheFolder": "/c", "vPowerNFSEnabled": false}},
		}
	}
	const uuid = "3251ddfc-3691-4d20-a43e-860dc275147e"
	tests := map[string]struct {
		inst any
		want []Violation
	}{
		"literals":  {repo(spec(4, uuid, "linux")), nil},
		"templates": {repo(spec("${{ vars.n }}", "${{ data.host.id }}", "${{ vars.mode }}")), nil},
		"string for integer": {repo(spec("four", uuid, "linux")), []Violation{{
			Path: []string{"resources", "0", "spec", "repository", "maxTaskCount"}, Keyword: "type",
			Message: `expected integer, got string "four"`}}},
		"boolean for integer": {repo(spec(true, uuid, "linux")), []Violation{{
			Path: []string{"resources", "0", "spec", "repository", "maxTaskCount"}, Keyword: "type",
			Message: "expected integer, got boolean true"}}},
		"wrong enum": {repo(spec(4, uuid, "linuks")), []Violation{{
			Path: []string{"resources", "0", "spec", "mountServer", "mountServerSettingsType"}, Keyword: "enum",
			Message: `"linuks" is not an accepted value`, Expected: []string{"windows", "linux", "both"}}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Validate(tc.inst)); diff != "" {
				t.Errorf("Validate(%s) (-want +got):\n%s", name, diff)
			}
		})
	}
}
