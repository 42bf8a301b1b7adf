package vbrsim_test

import (
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/sim/vbrsim"
	"github.com/vplay-dev/vplay/veeam/openapi"
)

// TestCoverage lists, per revision, the operations with hand-written
// behaviour and those served generically from the vendor document (run
// with -v to print the lists). Every hand-written operation is one the
// revision documents.
func TestCoverage(t *testing.T) {
	t.Parallel()
	for _, rev := range openapi.Revisions {
		hand, generic, err := vbrsim.Coverage(rev)
		if err != nil {
			t.Fatal(err)
		}
		if len(hand) == 0 || len(generic) == 0 {
			t.Errorf("%s: %d hand-written, %d generic operations", rev, len(hand), len(generic))
		}
		t.Logf("%s: %d operations, %d hand-written, %d generic\nhand-written:\n  %s\ngeneric:\n  %s",
			rev, len(hand)+len(generic), len(hand), len(generic), strings.Join(hand, "\n  "), strings.Join(generic, "\n  "))
	}
}
