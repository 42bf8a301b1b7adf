package steps

import (
	"bytes"
	"testing"
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
