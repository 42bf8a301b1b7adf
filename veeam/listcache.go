package veeam

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
)

// listCache memoizes complete list results for one read-only phase.
type listCache struct {
	mu sync.Mutex
	m  map[string][]Doc
}

type listCacheKey struct{}

// WithListCache returns a context under which List calls of every client
// are memoized by client, API, path and query: a plan that reads the same
// collection for a resource kind and for a step's preview lists it once.
// Use it only where nothing writes (plan).
//
// The listed documents are shared by every caller, not copied: they are
// immutable. A caller that changes a document (adds a computed field,
// resolves names) changes a copy (maps.Clone for the top level, a deep copy
// for nested values); the slice itself is the caller's own.
func WithListCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, listCacheKey{}, &listCache{m: map[string][]Doc{}})
}

// CachedList returns the memoized result of fetch for (client, api, path,
// q) when ctx carries a list cache, and calls fetch otherwise. client is
// the calling client (compared by identity): two targets of one playbook
// are two servers, or two API revisions of one, and list different
// objects. The documents are shared with every other caller and must not
// be modified.
func CachedList(ctx context.Context, client any, api API, path string, q url.Values, fetch func() ([]Doc, error)) ([]Doc, error) {
	c, ok := ctx.Value(listCacheKey{}).(*listCache)
	if !ok {
		return fetch()
	}
	key := fmt.Sprintf("%p %s %s?%s", client, api, path, q.Encode())
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
	// The slice is copied (callers may sort or filter it in place); the
	// documents are not.
	return slices.Clone(docs), nil
}
