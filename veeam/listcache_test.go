package veeam

import (
	"context"
	"net/url"
	"testing"
)

func TestCachedList(t *testing.T) {
	t.Parallel()
	calls := 0
	fetch := func() ([]Doc, error) {
		calls++
		return []Doc{{"name": "a", "nested": map[string]any{"n": 1}}}, nil
	}
	q := url.Values{"typeFilter": {"LinuxLocal"}}
	if _, err := CachedList(context.Background(), t, VBR, "/p", q, fetch); err != nil {
		t.Fatal(err)
	}
	if _, err := CachedList(context.Background(), t, VBR, "/p", q, fetch); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("without a cache: %d fetches, want 2", calls)
	}
	ctx := WithListCache(context.Background())
	first, _ := CachedList(ctx, t, VBR, "/p", q, fetch)
	first[0] = Doc{"name": "replaced"} // the slice is the caller's own
	second, _ := CachedList(ctx, t, VBR, "/p", q, fetch)
	if calls != 3 {
		t.Errorf("with a cache: %d fetches, want 3", calls)
	}
	if got := second[0]["name"]; got != "a" {
		t.Errorf("cached slice was modified through a previous caller: %v", got)
	}
	// Documents are shared, not copied: a hit costs no deep copy.
	third, _ := CachedList(ctx, t, VBR, "/p", q, fetch)
	third[0]["probe"] = true
	if _, shared := second[0]["probe"]; !shared {
		t.Error("documents were copied on a cache hit; they should be shared")
	}
	if _, _ = CachedList(ctx, t, VBR, "/p", url.Values{}, fetch); calls != 4 {
		t.Errorf("another query must fetch again: %d fetches", calls)
	}
	// Another client (another target: another server or API revision)
	// lists its own objects.
	other := new(int)
	if _, _ = CachedList(ctx, other, VBR, "/p", q, fetch); calls != 5 {
		t.Errorf("another client must fetch again: %d fetches", calls)
	}
}
