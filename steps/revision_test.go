package steps

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/openapi"
	"github.com/vplay-dev/vplay/veeam/vbr"
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
		sch := compileSchema(t, "vbr.repository@"+rev, cat.At(rev).kinds["vbr.repository"].JSONSchema())
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
	anyRev := compileSchema(t, "vbr.repository", cat.kinds["vbr.repository"].JSONSchema())
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
		sch := compileSchema(t, "sobr@"+rev, cat.At(rev).kinds["vbr.scale_out_repository"].JSONSchema())
		spec := func(day string) any {
			var v any
			on := "isEnabled"
			if rev == "1.1-rev0" {
				on = "enabled" // see TestScaleOutKeysPerRevision
			}
			s := `{performanceTier: {performanceExtents: [{name: a}]}, capacityTier: {` + on + `: true, offloadWindow: {days: [{day: ` + day + `, hours: "111111111111111111111111"}]}}}`
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
	if first, second := cat.At("1.3-rev2"), cat.At("1.3-rev2"); first != second {
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
		if APIOf(n) == veeam.VBR && len(vendorOperations[n]) == 0 && len(tableOperations(n)) == 0 {
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

// TestRepositoryUpdateSpelling checks that an update speaks the target's
// revision: the x-api-version of the client, and a body in that revision's
// spelling (the live document read at that revision, with the declared
// fields, validated against the same revision, merged over it).
func TestRepositoryUpdateSpelling(t *testing.T) {
	t.Parallel()
	flat := map[string]any{"mountServerId": uuid, "writeCacheFolder": "/c", "vPowerNFSEnabled": true}
	tests := map[string]struct {
		rev   string
		mount map[string]any
	}{
		"1.1-rev0 flat":    {"1.1-rev0", flat},
		"1.3-rev0 linux":   {"1.3-rev0", map[string]any{"mountServerSettingsType": "linux", "linux": flat}},
		"1.3-rev2 Linux":   {"1.3-rev2", map[string]any{"mountServerSettingsType": "Linux", "linux": flat}},
		"1.2-rev0 as sent": {"1.2-rev0", flat},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			live := map[string]any{"id": "r1", "name": "repo", "description": "", "type": "LinuxLocal", "hostId": uuid,
				"repository": map[string]any{"path": "/b", "maxTaskCount": 2}, "mountServer": tc.mount}
			var mu sync.Mutex
			var put map[string]any
			var versions []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				versions = append(versions, r.Header.Get("x-api-version"))
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				switch {
				case r.URL.Path == "/api/oauth2/token":
					_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "a", "refresh_token": "r", "token_type": "bearer", "expires_in": 900})
				case r.Method == http.MethodPut:
					mu.Lock()
					_ = json.NewDecoder(r.Body).Decode(&put)
					mu.Unlock()
					w.WriteHeader(http.StatusCreated)
					_ = json.NewEncoder(w).Encode(map[string]any{"id": "s1", "sessionType": "Infrastructure", "state": "Working"})
				case strings.HasPrefix(r.URL.Path, "/api/v1/sessions/"):
					_ = json.NewEncoder(w).Encode(map[string]any{"id": "s1", "name": "Infrastructure Item Saving", "sessionType": "Infrastructure",
						"state": "Stopped", "result": map[string]any{"result": "Success"}, "creationTime": "2026-11-29T10:00:00Z"})
				default:
					_ = json.NewEncoder(w).Encode(live)
				}
			}))
			t.Cleanup(srv.Close)
			cl, err := vbr.New(veeam.Config{URL: srv.URL, Username: "admin", Password: "pw", APIVersion: tc.rev})
			if err != nil {
				t.Fatal(err)
			}
			spec := Doc{"repository": Doc{"maxTaskCount": 4}, "mountServer": tc.mount}
			doc, _ := vbr.DocumentOf(tc.rev)
			sch := compileSchema(t, "repo@"+tc.rev, Builtin().At(doc).kinds["vbr.repository"].JSONSchema())
			if err := sch.Validate(asJSON(t, map[string]any{"type": "LinuxLocal", "hostId": uuid, "repository": map[string]any{"path": "/b", "maxTaskCount": 4}, "mountServer": tc.mount})); err != nil {
				t.Fatalf("the spec is not valid at %s: %v", tc.rev, err)
			}
			c := &Conn{Target: "vbr", API: veeam.VBR, VBR: cl}
			if _, err := vbrRepository().Ops.Update(context.Background(), c, Env{}, Object{ID: "r1", Name: "repo", Doc: live}, spec); err != nil {
				t.Fatalf("Update: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tc.mount, put["mountServer"]); diff != "" {
				t.Errorf("PUT mountServer (-want +got):\n%s", diff)
			}
			for _, v := range versions {
				if v != tc.rev {
					t.Errorf("a request carried x-api-version %q, want %q", v, tc.rev)
				}
			}
		})
	}
}

// TestScaleOutKeysPerRevision checks that the scale-out spec declares the
// keys of the revision's ScaleOutRepositorySpec: 1.1-rev0 spells the
// capacity tier switch enabled and has tag rather than uniqueId, and
// backupHealth exists from 1.3-rev0.
func TestScaleOutKeysPerRevision(t *testing.T) {
	t.Parallel()
	cat := Builtin()
	const extents = `performanceTier: {performanceExtents: [{name: a}]}`
	tests := map[string]struct {
		rev, spec string
		ok        bool
	}{
		"1.1 enabled":              {"1.1-rev0", `{` + extents + `, capacityTier: {enabled: true, extents: [{name: s3}]}}`, true},
		"1.1 isEnabled":            {"1.1-rev0", `{` + extents + `, capacityTier: {isEnabled: true}}`, false},
		"1.1 tag":                  {"1.1-rev0", `{` + extents + `, tag: t}`, true},
		"1.1 uniqueId":             {"1.1-rev0", `{` + extents + `, uniqueId: u}`, false},
		"1.2 isEnabled":            {"1.2-rev1", `{` + extents + `, capacityTier: {isEnabled: true}}`, true},
		"1.2 backupHealth":         {"1.2-rev1", `{` + extents + `, capacityTier: {isEnabled: true, backupHealth: {}}}`, false},
		"1.3-rev0 backupHealth":    {"1.3-rev0", `{` + extents + `, capacityTier: {isEnabled: true, backupHealth: {}}}`, true},
		"1.3-rev2 archive by name": {"1.3-rev2", `{` + extents + `, archiveTier: {isEnabled: true, extent: glacier}}`, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sch := compileSchema(t, "sobr@"+tc.rev, cat.At(tc.rev).kinds["vbr.scale_out_repository"].JSONSchema())
			var v any
			if err := yaml.Unmarshal([]byte(tc.spec), &v); err != nil {
				t.Fatal(err)
			}
			err := sch.Validate(asJSON(t, v))
			if (err == nil) != tc.ok {
				t.Errorf("%s: valid = %v, want %v (%v)", tc.spec, err == nil, tc.ok, err)
			}
		})
	}
}
