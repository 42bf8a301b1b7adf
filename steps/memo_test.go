package steps

import (
	"context"
	"errors"
	"testing"
)

// TestRunMemoReusable: a later run starts only from the values their
// entries marked reusable, that finished without error.
func TestRunMemoReusable(t *testing.T) {
	t.Parallel()
	m := NewRunMemo()
	ctx := WithMemo(context.Background(), m)
	calls := map[string]int{}
	fetch := func(key string, err error) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			calls[key]++
			return key, err
		}
	}
	boom := errors.New("boom")
	_, _ = memoizeReusable(ctx, "list", fetch("list", nil))
	_, _ = memoize(ctx, "claims", fetch("claims", nil))
	_, _ = memoizeReusable(ctx, "failed", fetch("failed", boom))

	later := WithMemo(context.Background(), m.Reusable())
	for _, key := range []string{"list", "claims", "failed"} {
		if v, err := memoize(later, key, fetch(key, nil)); err != nil || v != key {
			t.Fatalf("memoize(%q) = %q, %v", key, v, err)
		}
	}
	want := map[string]int{"list": 1, "claims": 2, "failed": 2}
	for k, n := range want {
		if calls[k] != n {
			t.Errorf("%s fetched %d times, want %d (reused only when reusable and successful)", k, calls[k], n)
		}
	}
}
