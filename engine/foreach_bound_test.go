package engine

import (
	"errors"
	"testing"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
)

// TestForEachItemsBound: a loop over live data is bounded like one over
// vars (playbook.MaxLoopItems), at plan time.
func TestForEachItemsBound(t *testing.T) {
	t.Parallel()
	n := &eval.Node{Kind: eval.ScalarNode, Pos: diag.Pos{File: "f.yaml", Line: 1, Col: 1}, Value: "${{ data.many }}"}
	v, ds := eval.CompileValue(n, &eval.Decl{Context: "steps", Data: map[string]bool{"many": false}})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	for _, tc := range []struct {
		items int
		err   error
	}{{playbook.MaxLoopItems, nil}, {playbook.MaxLoopItems + 1, playbook.ErrTooManyItems}} {
		items, _, err := forEachItems(v, &eval.Scope{Data: map[string]any{"many": make([]any, tc.items)}})
		if !errors.Is(err, tc.err) || (err == nil && len(items) != tc.items) {
			t.Errorf("forEachItems(%d items) = %d items, %v; want error %v", tc.items, len(items), err, tc.err)
		}
	}
}
