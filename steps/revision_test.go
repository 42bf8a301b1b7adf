package steps

import (
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

const (
	uuid       = "5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10"
	flatMount  = `{mountServerId: ` + uuid + `, writeCacheFolder: /c, vPowerNFSEnabled: true}`
	rev0Mount  = `{mountServerSettingsType: linux, linux: ` + flatMount + `}`
	rev1Mount  = `{mountServerSettingsType: Linux, linux: ` + flatMount + `}`
	linuxLocal = `{type: LinuxLocal, hostId: ` + uuid + `, repository: {path: /b}`
)

// TestRepositorySchemaPerRevision checks that a spec is validated against
// the RepositorySpec of its revision: the mount server spellings and the
// rev2-only optional mountServer.
func TestRepositorySchemaPerRevision(t *testing.T) {
	t.Parallel()
	specs := map[string]string{
		"flat mount server":   linuxLocal + `, mountServer: ` + flatMount + `}`,
		"rev0 spelling":       linuxLocal + `, mountServer: ` + rev0Mount + `}`,
		"rev2 spelling":       linuxLocal + `, mountServer: ` + rev1Mount + `}`,
		"no mount server":     linuxLocal + `}`,
		"1.1 task limit name": `{type: AzureDataBox, account: {serviceEndpoint: e, credentialsId: ` + uuid + `}, container: {}, enableTaskLimit: true}`,
	}
	// want[rev] lists the specs valid at rev.
	want := map[string][]string{
		"1.1-rev0": {"flat mount server", "1.1 task limit name"},
		"1.2-rev1": {"flat mount server"},
		"1.3-rev0": {"flat mount server", "rev0 spelling"},
		"1.3-rev1": {"rev2 spelling"},
		"1.3-rev2": {"rev2 spelling", "no mount server"},
	}
	cat := Builtin()
	for _, rev := range openapi.Revisions {
		sch := compileSchema(t, "vbr.repository@"+rev, cat.At(rev).kinds["vbr.repository"].Schema)
		for name, spec := range specs {
			var v any
			if err := yaml.Unmarshal([]byte(spec), &v); err != nil {
				t.Fatal(err)
			}
			err := sch.Validate(asJSON(t, v))
			ok := false
			for _, w := range want[rev] {
				ok = ok || w == name
			}
			if got := err == nil; got != ok {
				t.Errorf("%s: %s valid = %v, want %v (%v)", rev, name, got, ok, err)
			}
		}
	}
	// The catalogue without a revision accepts what any revision accepts.
	anyRev := compileSchema(t, "vbr.repository", cat.kinds["vbr.repository"].Schema)
	for name, spec := range specs {
		var v any
		if err := yaml.Unmarshal([]byte(spec), &v); err != nil {
			t.Fatal(err)
		}
		if err := anyRev.Validate(asJSON(t, v)); err != nil {
			t.Errorf("any revision: %s rejected: %v", name, err)
		}
	}
}

func TestScaleOutDaysPerRevision(t *testing.T) {
	t.Parallel()
	cat := Builtin()
	tests := map[string]struct{ ok, bad string }{
		"1.1-rev0": {"saturday", "Saturday"},
		"1.3-rev0": {"saturday", "Saturday"},
		"1.3-rev1": {"Saturday", "saturday"},
		"1.3-rev2": {"Saturday", "saturday"},
	}
	for rev, tc := range tests {
		sch := compileSchema(t, "sobr@"+rev, cat.At(rev).kinds["vbr.scale_out_repository"].Schema)
		spec := func(day string) any {
			var v any
			s := `{performanceTier: {performanceExtents: [{name: a}]}, capacityTier: {isEnabled: true, offloadWindow: {days: [{day: ` + day + `, hours: "111111111111111111111111"}]}}}`
			if err := yaml.Unmarshal([]byte(s), &v); err != nil {
				t.Fatal(err)
			}
			return asJSON(t, v)
		}
		if err := sch.Validate(spec(tc.ok)); err != nil {
			t.Errorf("%s: day %s rejected: %v", rev, tc.ok, err)
		}
		if err := sch.Validate(spec(tc.bad)); err == nil {
			t.Errorf("%s: day %s accepted", rev, tc.bad)
		}
	}
}

func TestCatalogAtIsCached(t *testing.T) {
	t.Parallel()
	cat := Builtin()
	if cat.At("1.3-rev2") != cat.At("1.3-rev2") {
		t.Error("At built the revision's catalogue twice")
	}
	if cat.At("1.3-rev9") != cat {
		t.Error("At of an unknown revision is not the catalogue itself")
	}
	if cat.At("1.3-rev0").kinds["vbr.recovery_token"] != cat.kinds["vbr.recovery_token"] {
		t.Error("an entry whose schema does not follow the revision was copied")
	}
}

func TestDefined(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		entry, doc string
		since      string // "" when defined
	}{
		"repository everywhere":             {"vbr.repository", "1.1-rev0", ""},
		"protection groups from 1.3":        {"vbr.protection_groups", "1.2-rev1", "1.3-rev0"},
		"protection groups at 1.3-rev0":     {"vbr.protection_groups", "1.3-rev0", ""},
		"protected computers from 1.2":      {"vbr.protected_computers", "1.1-rev0", "1.2-rev1"},
		"rescan from 1.2":                   {"vbr.repository.rescan", "1.1-rev0", "1.2-rev1"},
		"install agent at 1.2-rev1":         {"vbr.discovered_entity.install_agent", "1.2-rev1", "1.3-rev0"},
		"other APIs are defined everywhere": {"vspc.backup_agent.restart", "1.1-rev0", ""},
		"built-ins are defined everywhere":  {"wait", "1.1-rev0", ""},
		"scale-out maintenance at 1.1-rev0": {"vbr.scale_out_repository.enable_maintenance_mode", "1.1-rev0", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := Defined(tc.entry, tc.doc)
			if tc.since == "" {
				if err != nil {
					t.Fatalf("Defined(%q, %q) = %v, want nil", tc.entry, tc.doc, err)
				}
				return
			}
			if !errors.Is(err, ErrUndefined) {
				t.Fatalf("Defined(%q, %q) = %v, want ErrUndefined", tc.entry, tc.doc, err)
			}
			if !strings.Contains(err.Error(), "added in "+tc.since) {
				t.Errorf("Defined(%q, %q) = %v, want it to name %s", tc.entry, tc.doc, err, tc.since)
			}
		})
	}
}

// TestVendorOperationsListed keeps the availability table honest: every
// VBR entry has a row, and every listed operation exists in the newest
// document (so a typo cannot make an entry look unavailable).
func TestVendorOperationsListed(t *testing.T) {
	t.Parallel()
	cat := Builtin()
	var names []string
	for _, k := range cat.Kinds() {
		names = append(names, k.Name)
	}
	for _, a := range cat.Actions() {
		if a.API == veeam.VBR {
			names = append(names, a.Name)
		}
	}
	for _, q := range cat.Queries() {
		if q.API == veeam.VBR {
			names = append(names, q.Name)
		}
	}
	for _, n := range names {
		if APIOf(n) == veeam.VBR && len(vendorOperations[n]) == 0 {
			t.Errorf("%s calls VBR but lists no vendor operations", n)
		}
	}
	newest := openapi.Revisions[len(openapi.Revisions)-1]
	have, err := documentOps(newest)
	if err != nil {
		t.Fatal(err)
	}
	for entry, ops := range vendorOperations {
		if _, ok := cat.Kind(entry); !ok {
			if _, ok := cat.Action(entry); !ok {
				if _, ok := cat.Query(entry); !ok {
					t.Errorf("vendorOperations lists %s, which is no catalogue entry", entry)
				}
			}
		}
		for _, op := range ops {
			if !have[op] {
				t.Errorf("%s: %s is not in the %s document", entry, op, newest)
			}
		}
	}
}
