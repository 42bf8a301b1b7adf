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

// wideDoc is largeDoc plus keys top-level keys, every tenth of them
// drifted, and a nested object of keys/10 fields.
func wideDoc(keys int, drift bool) map[string]any {
	d := largeDoc(1000, drift)
	nested := map[string]any{}
	for i := range keys {
		v := i
		if drift && i%10 == 0 {
			v = -i
		}
		d[fmt.Sprintf("key-%05d", i)] = v
		if i%10 == 0 {
			nested[fmt.Sprintf("field-%04d", i)] = fmt.Sprintf("value %d", v)
		}
	}
	d["nested"] = nested
	return d
}

// BenchmarkCompareLargeDocument diffs a declared document against a live
// one of 1,000 nested extents, 100 of them drifted.
func BenchmarkCompareLargeDocument(b *testing.B) {
	want, live := largeDoc(1000, false), largeDoc(1000, true)
	b.ReportAllocs()
	for range b.N {
		if d := compareSpec(want, live, []string{"id"}, nil, nil, nil); len(d) == 0 {
			b.Fatal("no difference found")
		}
	}
}

// BenchmarkDiffLargeDocuments builds the diff tree of large documents:
// 10,000 top-level keys (1,000 drifted), a nested object of 1,000 fields
// and a 1,000-element list of nested objects (100 drifted), so the cost of
// each part shows: it must grow linearly with the documents.
func BenchmarkDiffLargeDocuments(b *testing.B) {
	want, live := wideDoc(10000, false), wideDoc(10000, true)
	b.ReportAllocs()
	for range b.N {
		if d := compareSpec(want, live, []string{"id"}, []string{"nested.field-0010"}, nil, nil); len(d) < 1000 {
			b.Fatalf("%d differences, want over 1,000", len(d))
		}
	}
}
