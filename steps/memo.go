package steps

import (
	"context"
	"sync"
)

// RunMemo holds values computed once for one run (every iteration of a
// for_each, every preview of a plan), such as the indexed list of EM agent
// jobs a retry selects from. Safe for concurrent use.
type RunMemo struct {
	mu sync.Mutex
	m  map[string]*memoEntry
}

// memoEntry is one value being computed or computed; done closes when
// the computation ends.
type memoEntry struct {
	done chan struct{}
	v    any
	err  error
	// reusable marks a value a later run may start from (Reusable): its
	// entry copes with the live state having changed since it was read.
	reusable bool
}

type runMemoKey struct{}

// NewRunMemo returns an empty memo.
func NewRunMemo() *RunMemo { return &RunMemo{m: map[string]*memoEntry{}} }

// WithRunMemo returns a context under which entries compute what every
// iteration of a step shares (the live list an action selects from) once,
// instead of once per iteration: WithMemo with a new memo.
func WithRunMemo(ctx context.Context) context.Context {
	return WithMemo(ctx, NewRunMemo())
}

// WithMemo returns a context under which entries share the values of m.
// The engine gives each plan and each step run one; values are shared and
// must not be modified.
func WithMemo(ctx context.Context, m *RunMemo) context.Context {
	return context.WithValue(ctx, runMemoKey{}, m)
}

// Reusable returns a new memo holding the values of m that their entries
// marked reusable by a later run of the same process: the live lists a plan
// read, which the apply of that plan, moments later, acts on instead of
// reading them again. Such an entry never trusts them blindly: what it
// sends is checked by the server, and a refusal makes it re-read the
// object (em.agent_job.retry). The engine decides how old a memo may be.
func (m *RunMemo) Reusable() *RunMemo {
	out := NewRunMemo()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.m {
		select {
		case <-e.done:
		default:
			continue // still being computed: not this run's to wait for
		}
		if e.reusable && e.err == nil {
			out.m[k] = e
		}
	}
	return out
}

// memoize returns the value computed by fetch for key in ctx's run memo,
// calling fetch once for all concurrent callers. A failed fetch is not
// kept: a caller that waited for it fetches again, so one iteration's
// cancelled context does not fail the others. Without a memo in ctx it
// calls fetch.
func memoize[T any](ctx context.Context, key string, fetch func(ctx context.Context) (T, error)) (T, error) {
	return memo(ctx, key, false, fetch)
}

// memoizeReusable is memoize for a value a later run may reuse (see
// RunMemo.Reusable).
func memoizeReusable[T any](ctx context.Context, key string, fetch func(ctx context.Context) (T, error)) (T, error) {
	return memo(ctx, key, true, fetch)
}

func memo[T any](ctx context.Context, key string, reusable bool, fetch func(ctx context.Context) (T, error)) (T, error) {
	m, ok := ctx.Value(runMemoKey{}).(*RunMemo)
	if !ok {
		return fetch(ctx)
	}
	// Bounded: each round either returns or finds an entry some other caller
	// failed and removed; a caller that finds no entry fetches itself.
	for range 1000 {
		m.mu.Lock()
		e, found := m.m[key]
		if !found {
			e = &memoEntry{done: make(chan struct{}), reusable: reusable}
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
