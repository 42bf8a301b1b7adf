package veeam

import (
	"context"
	"net/url"
	"sync"
)

// listCache memoizes complete list results for one read-only phase.
type listCache struct {
	mu sync.Mutex
	m  map[string][]Doc
}

type listCacheKey struct{}

// WithListCache returns a context under which List calls of every client
// are memoized by API, path and query: a plan that reads the same
// collection for a resource kind and for a step's preview lists it once.
// Use it only where nothing writes (plan); results are deep-copied on the
// way out, so callers may modify them.
func WithListCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, listCacheKey{}, &listCache{m: map[string][]Doc{}})
}

// CachedList returns the memoized result of fetch for (api, path, q) when
// ctx carries a list cache, and calls fetch otherwise.
func CachedList(ctx context.Context, api API, path string, q url.Values, fetch func() ([]Doc, error)) ([]Doc, error) {
	c, ok := ctx.Value(listCacheKey{}).(*listCache)
	if !ok {
		return fetch()
	}
	key := string(api) + " " + path + "?" + q.Encode()
	c.mu.Lock()
	docs, hit := c.m[key]
	c.mu.Unlock()
	if !hit {
		var err error
		if docs, err = fetch(); err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.m[key] = docs
		c.mu.Unlock()
	}
	out := make([]Doc, len(docs))
	for i, d := range docs {
		out[i], _ = copyValue(d).(Doc)
	}
	return out, nil
}

// copyValue deep-copies a decoded JSON value.
func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = copyValue(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = copyValue(x)
		}
		return l
	}
	return v
}
