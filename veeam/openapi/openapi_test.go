package openapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam/openapi/internal/trim"
)

// vendorDir holds the vendor documents the embedded copies are cut from,
// kept in the repository with their provenance.
var vendorDir = filepath.Join("..", "..", "third_party", "veeam-openapi")

// TestEmbeddedUpToDate proves the embedded documents are exactly what the
// generator makes from the vendor files: run `go generate ./veeam/openapi`
// when it fails.
func TestEmbeddedUpToDate(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ src, embedded string }{
		"1.1-rev0": {"vbr_rest_1.1-rev0.json", "vbr_1.1-rev0.json"},
		"1.2-rev1": {"vbr_rest_1.2-rev1.json", "vbr_1.2-rev1.json"},
		"1.3-rev0": {"vbr_rest_1.3-rev0.json", "vbr_1.3-rev0.json"},
		"1.3-rev1": {"vbr_rest_1.3-rev1.json", "vbr_1.3-rev1.json"},
		"1.3-rev2": {"vbr_rest_1.3-rev2.json", "vbr_1.3-rev2.json"},
	}
	for rev, tc := range tests {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join(vendorDir, tc.src))
			if err != nil {
				t.Fatalf("vendor document missing from third_party/veeam-openapi: %v", err)
			}
			want, err := trim.Trim(src)
			if err != nil {
				t.Fatalf("trim.Trim(%s): %v", tc.src, err)
			}
			got, err := Raw(rev)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("embedded %s is stale (run go generate ./veeam/openapi); -want +got:\n%s", tc.embedded, cmp.Diff(string(want), string(got)))
			}
			onDisk, err := os.ReadFile(tc.embedded)
			if err != nil || !bytes.Equal(onDisk, got) {
				t.Errorf("%s on disk differs from the embedded bytes (err %v)", tc.embedded, err)
			}
		})
	}
}

func TestDoc(t *testing.T) {
	t.Parallel()
	for _, rev := range Revisions {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			doc, err := Doc(rev)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Doc(rev)
			if err != nil || again != doc {
				t.Errorf("Doc(%q) loaded twice (got %p then %p, err %v)", rev, doc, again, err)
			}
			if got := doc.Info.Version; got != rev {
				t.Errorf("Info.Version = %q, want %q", got, rev)
			}
			vendorPaths := vendorPathSet(t, rev)
			var missing []string
			for _, p := range trim.Paths {
				if vendorPaths[p] && doc.Paths.Value(p) == nil {
					missing = append(missing, p)
				}
			}
			if diff := cmp.Diff([]string(nil), missing); diff != "" {
				t.Errorf("paths missing from the trimmed document (-want +got):\n%s", diff)
			}
			op := doc.Paths.Value("/api/v1/backupInfrastructure/repositories").Post
			// 1.1-rev0 descriptions carry no "Available to" line, so the
			// trimmer finds no roles there.
			wantRoles := []any{"Backup Administrator"}
			if rev == "1.1-rev0" {
				wantRoles = []any{}
			}
			if diff := cmp.Diff(wantRoles, op.Extensions[trim.RolesExtension]); diff != "" {
				t.Errorf("roles of POST repositories (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]any{"claims": []any{"CreateRepositories"}}, op.Extensions["x-veeam-authorize"]); diff != "" {
				t.Errorf("x-veeam-authorize of POST repositories (-want +got):\n%s", diff)
			}
			if op.Description != "" || op.Summary != "" {
				t.Errorf("prose kept: summary %q, description %q", op.Summary, op.Description)
			}
		})
	}
}

// vendorPathSet returns the paths the vendor document of rev defines.
func vendorPathSet(t *testing.T, rev string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vendorDir, "vbr_rest_"+rev+".json"))
	if err != nil {
		t.Fatalf("vendor document missing from third_party/veeam-openapi: %v", err)
	}
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("decode vendor document %s: %v", rev, err)
	}
	set := map[string]bool{}
	for p := range doc.Paths {
		set[p] = true
	}
	return set
}

func TestUnknownRevision(t *testing.T) {
	t.Parallel()
	if _, err := Doc("1.2-rev0"); err == nil {
		t.Error("Doc(1.2-rev0) succeeded, want an error")
	}
	if _, err := NewValidator("1.2-rev0"); err == nil {
		t.Error("NewValidator(1.2-rev0) succeeded, want an error")
	}
	if _, err := JSONSchema("1.2-rev0", "RepositorySpec"); err == nil {
		t.Error("JSONSchema(1.2-rev0) succeeded, want an error")
	}
	if _, err := JSONSchema("1.3-rev0", "NoSuchSchema"); err == nil {
		t.Error("JSONSchema(NoSuchSchema) succeeded, want an error")
	}
}
