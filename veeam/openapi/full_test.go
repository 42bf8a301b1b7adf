package openapi

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vplay-dev/vplay/veeam/openapi/internal/trim"
)

// TestFullUpToDate proves each embedded full model is what the generator
// makes from the vendor file (run `go generate ./veeam/openapi` when it
// fails), that it is a valid document, and that it keeps every vendor path.
func TestFullUpToDate(t *testing.T) {
	t.Parallel()
	for _, rev := range Revisions {
		t.Run(rev, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join(vendorDir, "vbr_rest_"+rev+".json"))
			if err != nil {
				t.Fatalf("vendor document missing from third_party/veeam-openapi: %v", err)
			}
			want, err := trim.Full(src)
			if err != nil {
				t.Fatalf("trim.Full: %v", err)
			}
			got, err := RawFull(rev)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("embedded full model of %s is stale: run go generate ./veeam/openapi", rev)
			}
			doc, err := FullDoc(rev)
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation(), openapi3.DisableExamplesValidation()); err != nil {
				t.Errorf("full model of %s is not a valid document: %v", rev, err)
			}
			var missing []string
			for p := range vendorPathSet(t, rev) {
				if doc.Paths.Value(p) == nil {
					missing = append(missing, p)
				}
			}
			if len(missing) > 0 {
				t.Errorf("full model of %s lacks vendor paths %v", rev, missing)
			}
			if doc.Paths.Value("/api/v1/jobs").Get.Extensions[trim.RolesExtension] == nil {
				t.Errorf("full model of %s: GET /api/v1/jobs has no roles extension", rev)
			}
		})
	}
}

func TestNewFullValidator(t *testing.T) {
	t.Parallel()
	v, err := NewFullValidator("1.3-rev1")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/v1/jobs", nil)
	if tmpl, ok := v.Route(r); !ok || tmpl != "/api/v1/jobs" {
		t.Errorf("Route(GET /api/v1/jobs) = %q, %v; want the documented path", tmpl, ok)
	}
	if _, err := NewFullValidator("1.2-rev0"); err == nil {
		t.Error("NewFullValidator(1.2-rev0) succeeded, want an error")
	}
}
