package openapi

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vplay-dev/vplay/veeam/openapi/internal/trim"
)

// TestOperationsUpToDate proves each embedded operation index is what the
// generator makes from the vendor file (run `go generate ./veeam/openapi`
// when it fails) and that Operations answers from it, including
// operations the trimmed document leaves out.
func TestOperationsUpToDate(t *testing.T) {
	t.Parallel()
	for _, rev := range Revisions {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join(vendorDir, "vbr_rest_"+rev+".json"))
			if err != nil {
				t.Fatalf("vendor document missing from third_party/veeam-openapi: %v", err)
			}
			want, err := trim.Operations(src)
			if err != nil {
				t.Fatalf("trim.Operations: %v", err)
			}
			got, err := opsEmbedded.ReadFile("ops_" + rev + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("embedded operation index of %s is stale: run go generate ./veeam/openapi", rev)
			}
			ops, err := Operations(rev)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range []string{"GET /api/v1/sessions", "GET /api/v1/jobs", "POST /api/v1/jobs/{id}/start"} {
				if !ops[op] {
					t.Errorf("Operations(%s) lacks %s", rev, op)
				}
			}
			if ops["GET /api/v1/nothing"] || ops["DELETE /api/v1/sessions"] {
				t.Errorf("Operations(%s) has an undocumented operation", rev)
			}
		})
	}
	if _, err := Operations("9.9-rev9"); err == nil {
		t.Error("Operations of an unknown revision succeeded")
	}
}
