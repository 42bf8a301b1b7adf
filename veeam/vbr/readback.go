package vbr

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/veeam"
)

// The first create ready to read its object back may wait for other
// creates of the same collection still in flight on the client, so that
// creates whose sessions finish about together share one list. It waits at
// most a quarter of its own time so far (Expect to Read), at least
// minReadBackWindow and at most maxReadBackWindow; and only for creates
// expected to be ready within that window (started a typical create
// duration ago, learned from the creates already read back; before any is
// learned, every create in flight). A lone create reads at once. The wait
// delays when the create reports done, not the next create: the engine
// frees a create's parallelism slot once its session has ended
// (steps.Env.Release), before the read back.
const (
	readBackShare     = 4
	minReadBackWindow = 10 * time.Millisecond
	maxReadBackWindow = time.Second
	maxReadBackLearn  = 64
)

// collectionReads coalesces the read backs of one collection of one client.
type collectionReads struct {
	path string
	mu   sync.Mutex
	// out holds the creates in flight (Expect called, neither Read nor
	// Leave yet), with when each was announced.
	out     map[*ReadBack]time.Time
	pending *readBatch // collecting names, not read yet; nil when none
	// changed is closed and replaced whenever a create leaves out.
	changed chan struct{}
	took    []time.Duration // recent Expect-to-Read durations, newest last
}

// readBatch is one list shared by the creates that joined it.
type readBatch struct {
	names []string
	done  chan struct{} // closed when docs and err are set
	docs  []veeam.Doc
	err   error
}

// ReadBack is one create's share of its collection's read backs: taken
// before the create is sent (Expect), it lets the first create whose
// session finishes wait briefly for the others, so that one list returns
// all of their objects. Read or Leave ends it; Leave may be deferred.
type ReadBack struct {
	c     *Client
	rb    *collectionReads
	since time.Time // when Expect was called (client clock)
	once  sync.Once
}

// Expect announces a create in collection path whose object will be read
// back by name, and returns its share of the read backs.
func (c *Client) Expect(path string) *ReadBack {
	c.readMu.Lock()
	rb := c.readBacks[path]
	if rb == nil {
		if c.readBacks == nil {
			c.readBacks = map[string]*collectionReads{}
		}
		rb = &collectionReads{path: path, out: map[*ReadBack]time.Time{}, changed: make(chan struct{})}
		c.readBacks[path] = rb
	}
	c.readMu.Unlock()
	r := &ReadBack{c: c, rb: rb, since: c.t.Clock().Now()}
	rb.mu.Lock()
	rb.out[r] = r.since
	rb.mu.Unlock()
	return r
}

// Leave ends a create that will not read back (it failed, or its answer
// was lost and it re-reads on its own), so no other create waits for it.
// It does nothing after Read or a first Leave.
func (r *ReadBack) Leave() {
	r.once.Do(func() {
		r.rb.mu.Lock()
		defer r.rb.mu.Unlock()
		r.rb.leave(r)
	})
}

// leave takes r out of the creates in flight; callers hold mu.
func (rb *collectionReads) leave(r *ReadBack) {
	delete(rb.out, r)
	close(rb.changed)
	rb.changed = make(chan struct{})
}

// Read returns the objects of the collection called name, read after the
// call (never from a list sent before it): with one list shared by every
// create of the collection that asks while the first waits, name-filtered
// for a single name and otherwise the fewest reads ListNamed finds. Call it
// once the create's session has finished; the caller decides what several
// objects with one name mean.
func (r *ReadBack) Read(ctx context.Context, name string) ([]veeam.Doc, error) {
	b, leader := r.join(name)
	if leader {
		r.lead(ctx, b)
	} else {
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if b.err != nil {
		if ctx.Err() == nil && (errors.Is(b.err, context.Canceled) || errors.Is(b.err, context.DeadlineExceeded)) {
			// The leader's context ended, not this caller's: read alone.
			return r.c.readNamed(ctx, r.rb.path, []string{name})
		}
		return nil, b.err
	}
	return slices.DeleteFunc(slices.Clone(b.docs), func(d veeam.Doc) bool { return veeam.String(d, "name") != name }), nil
}

// join adds name to the collecting batch, starting one when there is none;
// leader is true for the caller that started it.
func (r *ReadBack) join(name string) (b *readBatch, leader bool) {
	rb := r.rb
	now := r.c.t.Clock().Now()
	rb.mu.Lock()
	defer rb.mu.Unlock()
	b = rb.pending
	if b == nil {
		b = &readBatch{done: make(chan struct{})}
		rb.pending, leader = b, true
	}
	if !slices.Contains(b.names, name) {
		b.names = append(b.names, name)
	}
	r.once.Do(func() {
		if _, ok := rb.out[r]; ok {
			rb.took = append(rb.took, now.Sub(r.since))
			if len(rb.took) > maxReadBackLearn {
				rb.took = rb.took[len(rb.took)-maxReadBackLearn:]
			}
		}
		rb.leave(r)
	})
	return b, leader
}

// lead waits for the creates in flight expected to be ready within the
// window, closes the batch to newcomers and reads it.
func (r *ReadBack) lead(ctx context.Context, b *readBatch) {
	rb := r.rb
	clock := r.c.t.Clock()
	now := clock.Now()
	window := min(max(now.Sub(r.since)/readBackShare, minReadBackWindow), maxReadBackWindow)
	deadline := now.Add(window)
	var timeout <-chan time.Time
	// Bounded: each round ends on a create leaving out (finitely many),
	// the window, or ctx.
	for range 1 << 20 {
		rb.mu.Lock()
		worth := rb.expectedBy(deadline)
		changed := rb.changed
		rb.mu.Unlock()
		if !worth {
			break
		}
		if timeout == nil {
			timeout = clock.After(window)
		}
		select {
		case <-changed:
			continue
		case <-timeout:
		case <-ctx.Done():
		}
		break
	}
	rb.mu.Lock()
	rb.pending = nil
	names := b.names
	rb.mu.Unlock()
	b.docs, b.err = r.c.readNamed(ctx, rb.path, names)
	close(b.done)
}

// expectedBy reports whether a create in flight is expected to ask by
// deadline: announced at least the median learned duration before it, or
// any create while nothing is learned. Callers hold mu.
func (rb *collectionReads) expectedBy(deadline time.Time) bool {
	if len(rb.out) == 0 {
		return false
	}
	if len(rb.took) == 0 {
		return true
	}
	s := slices.Clone(rb.took)
	slices.Sort(s)
	typical := s[len(s)/2]
	for _, since := range rb.out {
		if !since.Add(typical).After(deadline) {
			return true
		}
	}
	return false
}

// readNamed reads the objects called names, uncached: one name-filtered
// list for a single exact name, otherwise ListNamed's fewest reads.
func (c *Client) readNamed(ctx context.Context, path string, names []string) ([]veeam.Doc, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(names) == 1 && names[0] != "" && !strings.ContainsAny(names[0], "*?") {
		return c.list(ctx, path, url.Values{"nameFilter": {names[0]}})
	}
	return c.listNamed(ctx, path, names, false)
}
