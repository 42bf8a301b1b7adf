package steps

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestVBRShapesFresh fails when vbr_shapes.json is not what the vendor
// documents say today: run `go generate ./steps`.
func TestVBRShapesFresh(t *testing.T) {
	t.Parallel()
	b, err := VBRShapes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, shapesJSON) {
		t.Errorf("steps/vbr_shapes.json is stale: run go generate ./steps")
	}
}

// TestFocus: the kinds a playbook uses keep their revision's exact schema;
// the other table kinds accept any object; every name stays known.
func TestFocus(t *testing.T) {
	t.Parallel()
	cat := Builtin().At("1.3-rev2")
	f := cat.Focus([]string{"vbr.job", "vbr.repository"})
	if diff := cmp.Diff(cat.Names(), f.Names()); diff != "" {
		t.Errorf("names -want +got:\n%s", diff)
	}
	job, _ := f.Kind("vbr.job")
	if job.JSONSchema()["$defs"] == nil {
		t.Errorf("vbr.job lost its vendor schema: %v", job.JSONSchema()["description"])
	}
	cred, _ := f.Kind("vbr.credential")
	if got := cred.JSONSchema(); got["type"] != "object" || got["$defs"] != nil {
		t.Errorf("vbr.credential, not used, keeps a vendor schema: %v", got)
	}
	if again := cat.Focus([]string{"vbr.repository", "vbr.job", "vbr.job"}); again != f {
		t.Errorf("Focus is not cached per set of kinds")
	}
}
