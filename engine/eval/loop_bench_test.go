package eval

import (
	"fmt"
	"testing"
)

// BenchmarkEvalInLoop evaluates a step's with-expression once per item of
// a 500-item for_each over a data query, as steps-500 does: a compiled
// program run against a fresh scope per item.
func BenchmarkEvalInLoop(b *testing.B) {
	d := testDecl()
	d.Each = true
	v, ds := CompileValue(scalar(`${{ each.id }}-${{ upper(each.name) }}`), d)
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	items := make([]any, 500)
	for i := range items {
		items[i] = map[string]any{"id": fmt.Sprintf("%08x", i), "name": fmt.Sprintf("job-%d", i), "lastResult": "Failed"}
	}
	jobs := map[string]any{"jobs": items}
	b.ReportAllocs()
	for range b.N {
		for _, it := range items {
			s := &Scope{Vars: map[string]any{"max": 4}, Data: jobs, Each: it, HasEach: true}
			if _, err := v.Eval(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}
