package engine

import (
	"fmt"
	"testing"
)

// largeDoc is a repository-like document with n extents, each a nested
// object, as a scale-out repository with many extents looks.
func largeDoc(n int, drift bool) map[string]any {
	extents := make([]any, n)
	for i := range extents {
		tasks := 4
		if drift && i%10 == 0 {
			tasks = 8
		}
		extents[i] = map[string]any{"id": fmt.Sprintf("%08x-0000-4000-8000-000000000000", i), "name": fmt.Sprintf("extent-%04d", i),
			"repository": map[string]any{"path": fmt.Sprintf("/backups/%d", i), "maxTaskCount": tasks, "taskLimitEnabled": true,
				"advancedSettings": map[string]any{"alignDataBlocks": true, "perVmBackup": true}}}
	}
	return map[string]any{"name": "sobr", "description": "large", "performanceTier": map[string]any{"performanceExtents": extents},
		"placementPolicy": map[string]any{"type": "DataLocality", "settings": []any{"a", "b", "c"}}}
}

// BenchmarkCompareLargeDocument diffs a declared document against a live
// one of 1,000 nested extents, 100 of them drifted.
func BenchmarkCompareLargeDocument(b *testing.B) {
	want, live := largeDoc(1000, false), largeDoc(1000, true)
	b.ReportAllocs()
	for range b.N {
		if d := compareSpec(want, live, []string{"id"}, nil, nil); len(d) == 0 {
			b.Fatal("no difference found")
		}
	}
}
