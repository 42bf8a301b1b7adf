package schema

import (
	"bytes"
	"os"
	"testing"

	"github.com/vplay-dev/vplay/veeam/openapi"
)

// TestRevisionFilesAreFresh fails when a per-revision schema for editors no
// longer matches the catalogue: run `go generate ./schema`.
func TestRevisionFilesAreFresh(t *testing.T) {
	t.Parallel()
	for _, doc := range openapi.Revisions {
		want, err := GenerateAt(Catalog(), doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(RevisionFile(doc))
		if err != nil {
			t.Fatalf("%v: run `go generate ./schema`", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("schema/%s is stale: run `go generate ./schema`", RevisionFile(doc))
		}
	}
}

// TestRevisionFiles checks what an editor sees with each schema: the rev2
// mount-server spelling only where the revision defines it, and api_version
// limited to the revisions a document describes.
func TestRevisionFiles(t *testing.T) {
	t.Parallel()
	playbook := func(rev, mountType string) map[string]any {
		return map[string]any{
			"vplay":   1,
			"targets": map[string]any{"vbr": map[string]any{"type": "vbr", "url": "https://vbr:9419", "api_version": rev}},
			"resources": []any{map[string]any{"kind": "vbr.repository", "name": "r", "spec": map[string]any{
				"type": "LinuxLocal", "hostId": "5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10", "repository": map[string]any{"path": "/b"},
				"mountServer": map[string]any{"mountServerSettingsType": mountType, "linux": map[string]any{
					"mountServerId": "5a2e0d4f-6f4c-4e51-9a38-2f1d6a4d7c10", "writeCacheFolder": "/c", "vPowerNFSEnabled": true}},
			}}},
		}
	}
	tests := map[string]struct {
		doc, rev, mount string
		ok              bool
	}{
		"rev2 spelling at rev2":       {"1.3-rev2", "1.3-rev2", "Linux", true},
		"rev2 spelling at rev1":       {"1.3-rev1", "1.3-rev1", "Linux", true},
		"rev2 spelling at rev0":       {"1.3-rev0", "1.3-rev0", "Linux", false},
		"rev0 spelling at rev0":       {"1.3-rev0", "1.3-rev0", "linux", true},
		"nested form at 1.1":          {"1.1-rev0", "1.1-rev0", "linux", false},
		"1.2-rev0 uses 1.1's schema":  {"1.1-rev0", "1.2-rev0", "linux", false},
		"another document's version":  {"1.3-rev2", "1.3-rev0", "Linux", false},
		"template api_version":        {"1.3-rev2", "${{ vars.api }}", "Linux", true},
		"the default accepts any rev": {"", "1.3-rev0", "linux", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := JSON()
			if tc.doc != "" {
				var err error
				if doc, err = os.ReadFile(RevisionFile(tc.doc)); err != nil {
					t.Fatal(err)
				}
			}
			v, err := NewValidator(doc)
			if err != nil {
				t.Fatal(err)
			}
			got := v.Validate(playbook(tc.rev, tc.mount))
			if (len(got) == 0) != tc.ok {
				t.Errorf("valid = %v, want %v: %v", len(got) == 0, tc.ok, got)
			}
		})
	}
}
