package steps

import (
	"context"
	"sync"
)

// runMemo holds values computed once for one run of a step (every
// iteration of a for_each, and every preview of a plan), such as the
// indexed list of EM agent jobs a retry selects from.
type runMemo struct {
	mu sync.Mutex
	m  map[string]*memoEntry
}

// memoEntry is one value being computed or computed; done closes when
// the computation ends.
type memoEntry struct {
	done chan struct{}
	v    any
	err  error
}

type runMemoKey struct{}

// WithRunMemo returns a context under which entries compute what every
// iteration of a step shares (the live list an action selects from) once,
// instead of once per iteration. The engine starts one for each step run
// and one for each plan; values are shared and must not be modified.
func WithRunMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, runMemoKey{}, &runMemo{m: map[string]*memoEntry{}})
}

// memoize returns the value computed by fetch for key in ctx's run memo,
// calling fetch once for all concurrent callers. A failed fetch is not
// kept: a caller that waited for it fetches again, so one iteration's
// cancelled context does not fail the others. Without a memo in ctx it
// calls fetch.
func memoize[T any](ctx context.Context, key string, fetch func(ctx context.Context) (T, error)) (T, error) {
	m, ok := ctx.Value(runMemoKey{}).(*runMemo)
	if !ok {
		return fetch(ctx)
	}
	// Bounded: each round either returns or finds an entry some other caller
	// failed and removed; a caller that finds no entry fetches itself.
	for range 1000 {
		m.mu.Lock()
		e, found := m.m[key]
		if !found {
			e = &memoEntry{done: make(chan struct{})}
			m.m[key] = e
		}
		m.mu.Unlock()
		if !found {
			v, err := fetch(ctx)
			e.v, e.err = v, err
			if err != nil {
				m.mu.Lock()
				delete(m.m, key)
				m.mu.Unlock()
			}
			close(e.done)
			return v, err
		}
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if e.err == nil {
			v, _ := e.v.(T)
			return v, nil
		}
	}
	return fetch(ctx)
}
