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
	if _, err := CachedList(context.Background(), VBR, "/p", q, fetch); err != nil {
		t.Fatal(err)
	}
	if _, err := CachedList(context.Background(), VBR, "/p", q, fetch); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("without a cache: %d fetches, want 2", calls)
	}
	ctx := WithListCache(context.Background())
	first, _ := CachedList(ctx, VBR, "/p", q, fetch)
	first[0]["nested"].(map[string]any)["n"] = 99 // callers may modify results
	second, _ := CachedList(ctx, VBR, "/p", q, fetch)
	if calls != 3 {
		t.Errorf("with a cache: %d fetches, want 3", calls)
	}
	if got := second[0]["nested"].(map[string]any)["n"]; got != 1 {
		t.Errorf("cached result was modified through a previous caller: %v", got)
	}
	if _, _ = CachedList(ctx, VBR, "/p", url.Values{}, fetch); calls != 4 {
		t.Errorf("another query must fetch again: %d fetches", calls)
	}
}
