package veeam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Observation is one look at a long-running operation.
type Observation struct {
	Progress Progress
	Done     bool
	// Doc is the operation as the server returned it.
	Doc Doc
	// Created is when the server says the operation started (server
	// clock); zero when unknown.
	Created time.Time
	// Took is the server's own duration of a finished operation; zero when
	// unknown.
	Took time.Duration
}

// PollerConfig says how a Poller observes the operations of one target.
type PollerConfig struct {
	// Clock is the time source; nil is the system clock.
	Clock Clock
	// Floor is the shortest wait between two polls of an operation
	// (default 10ms): the bound that keeps a fast operation from being
	// polled in a tight loop.
	Floor time.Duration
	// Max is the longest wait between two polls (default 5s).
	Max time.Duration
	// Get observes one operation.
	Get func(ctx context.Context, id string) (Observation, error)
	// List, when set, observes with one request every operation the server
	// started at or after since (server clock). Operations whose start is
	// not known yet, or which the answer misses, are observed with Get.
	List func(ctx context.Context, since time.Time) (map[string]Observation, error)
	// ListMin is the least number of operations due in a tick for which
	// List is used instead of Gets (default 1). A list that leaves out
	// finished operations (VSPC lists running async actions only) needs a
	// Get for each finished one anyway, so for one due operation a Get
	// alone is cheaper.
	ListMin int
	// Permanent reports whether a failed poll is final; other failures are
	// retried with backoff until the waiter's timeout or context ends. Nil
	// means a 4xx answer other than 408 and 429 is final.
	Permanent func(error) bool
}

// Poller awaits many operations of one target together: one loop, one
// filtered list per tick where the vendor has one (every operation in
// flight is observed by it) and per-operation GETs otherwise. The first
// poll of an operation happens when operations seen before took to
// finish, and the next when the server's progress says it will end, never
// at a fixed "immediately". Safe for concurrent use; its loop runs only
// while something is awaited.
type Poller struct {
	cfg PollerConfig

	mu      sync.Mutex
	watches []*watch
	running bool
	wake    chan struct{}
	took    []time.Duration // recent durations, newest last
	// lastList is when the last list was sent: lists, which observe every
	// operation at once, are spaced by the floor instead of each operation.
	lastList time.Time
}

// watch is one waiter.
type watch struct {
	id       string
	created  time.Time // server clock; zero until known
	started  time.Time // local clock
	lastSeen time.Time // local time of the last not-done observation
	due      time.Time
	delay    time.Duration
	failures int
	finished bool // seen done (or failed for good): never looked at again
	out      chan watchResult
}

type watchResult struct {
	obs Observation
	err error
}

// progressMargin is added to the end a progress percentage predicts: whole
// percents round the prediction, and a look just before the end costs a
// list more.
const progressMargin = 3 * time.Millisecond

// maxLearned bounds the remembered durations.
const maxLearned = 64

// NewPoller returns a poller for the operations cfg observes.
func NewPoller(cfg PollerConfig) *Poller {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Floor <= 0 {
		cfg.Floor = 10 * time.Millisecond
	}
	if cfg.Max <= 0 {
		cfg.Max = 5 * time.Second
	}
	if cfg.Max < cfg.Floor {
		cfg.Max = cfg.Floor
	}
	if cfg.Permanent == nil {
		cfg.Permanent = PermanentStatus
	}
	cfg.ListMin = max(cfg.ListMin, 1)
	return &Poller{cfg: cfg, wake: make(chan struct{}, 1)}
}

// PermanentStatus reports whether a failed poll is final: a 4xx answer
// other than 408 and 429. Anything else (5xx, a lost connection) is
// retried.
func PermanentStatus(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// Wait awaits operation id and returns its last observation, done. created
// is when the server started it (zero when unknown). Each distinct
// observation goes to o.OnProgress. It returns an error wrapping
// ErrAwaitTimeout when o.Timeout passes first, the context's error when ctx
// ends, or the poll's error when it is permanent. Neither stops the
// server-side work.
func (p *Poller) Wait(ctx context.Context, id string, created time.Time, o AwaitOptions) (Observation, error) {
	clock := p.cfg.Clock
	now := clock.Now()
	w := &watch{id: id, created: created, started: now, out: make(chan watchResult, 16)}
	p.mu.Lock()
	w.due = now.Add(p.firstWait(o))
	p.watches = append(p.watches, w)
	if !p.running {
		p.running = true
		// The loop outlives no waiter: it ends when the last one leaves.
		go p.loop(context.WithoutCancel(ctx))
	}
	p.mu.Unlock()
	p.poke()
	defer p.remove(w)

	var timeout <-chan time.Time
	if o.Timeout > 0 {
		timeout = clock.After(o.Timeout)
	}
	var last Progress
	seen := false
	for {
		select {
		case r := <-w.out:
			if r.err != nil {
				return r.obs, r.err
			}
			pr := r.obs.Progress
			pr.Done = r.obs.Done
			if (!seen || pr != last) && o.OnProgress != nil {
				o.OnProgress(pr)
			}
			last, seen = pr, true
			if r.obs.Done {
				return r.obs, nil
			}
		case <-timeout:
			return Observation{}, fmt.Errorf("%s %s %s: %w after %s (last state %s%s); the server keeps working",
				last.Kind, id, quoteName(last.Name), ErrAwaitTimeout, o.Timeout, stateOr(last.State), percentOf(last, seen))
		case <-ctx.Done():
			return Observation{}, fmt.Errorf("await %s %s: %w", last.Kind, id, ctx.Err())
		}
	}
}

func percentOf(p Progress, seen bool) string {
	if !seen {
		return ""
	}
	return percent(p.Percent)
}

// schedule is where in the distribution of recent durations an operation
// is looked at: first when 40% of recent operations had finished, then at
// 75% and at the slowest. Two or three looks catch most operations within
// a fraction of the spread of durations; past the slowest, waits grow from
// the floor.
var schedule = []float64{0.4, 0.75, 1}

// firstWait is when to look at a new operation first: at the first point
// of the schedule, or o.PollMin before anything was learned. Callers hold
// p.mu.
func (p *Poller) firstWait(o AwaitOptions) time.Duration {
	if len(p.took) == 0 {
		return o.withDefaults().PollMin
	}
	// Capped: a long operation is still looked at (and its progress
	// reported) every Max.
	return min(max(p.quantile(schedule[0]), p.cfg.Floor), p.cfg.Max)
}

// quantile returns the q-quantile of the recent durations. Callers hold
// p.mu and know there is one.
func (p *Poller) quantile(q float64) time.Duration {
	s := slices.Clone(p.took)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

// learn records how long a finished operation took.
func (p *Poller) learn(d time.Duration) {
	if d <= 0 {
		return
	}
	p.took = append(p.took, d)
	if len(p.took) > maxLearned {
		p.took = p.took[len(p.took)-maxLearned:]
	}
}

func (p *Poller) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Poller) remove(w *watch) {
	p.mu.Lock()
	p.watches = slices.DeleteFunc(p.watches, func(x *watch) bool { return x == w })
	p.mu.Unlock()
	p.poke()
}

// loop polls while anything is awaited.
func (p *Poller) loop(ctx context.Context) {
	clock := p.cfg.Clock
	for {
		p.mu.Lock()
		if len(p.watches) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		next := p.watches[0].due
		for _, w := range p.watches[1:] {
			if w.due.Before(next) {
				next = w.due
			}
		}
		if p.cfg.List != nil && next.Before(p.lastList.Add(p.cfg.Floor)) {
			// One list observes everything: the floor spaces the lists.
			next = p.lastList.Add(p.cfg.Floor)
		}
		p.mu.Unlock()
		if d := next.Sub(clock.Now()); d > 0 {
			select {
			case <-clock.After(d):
			case <-p.wake:
				continue
			}
		}
		p.tick(ctx)
	}
}

// tick observes what is due: with List, every operation in flight whose
// start is known (one request); with Get, each due operation the list did
// not cover.
func (p *Poller) tick(ctx context.Context) {
	now := p.cfg.Clock.Now()
	p.mu.Lock()
	var due []*watch
	var since time.Time
	for _, w := range p.watches {
		if w.finished {
			continue
		}
		if !w.due.After(now) {
			due = append(due, w)
		}
		if !w.created.IsZero() && (since.IsZero() || w.created.Before(since)) {
			since = w.created
		}
	}
	all := slices.Clone(p.watches)
	p.mu.Unlock()
	if len(due) == 0 {
		return
	}
	seen := map[string]Observation{}
	var listErr error
	if p.cfg.List != nil && !since.IsZero() && len(due) >= p.cfg.ListMin {
		p.mu.Lock()
		p.lastList = now
		p.mu.Unlock()
		// A second of margin for servers that round creation times.
		seen, listErr = p.cfg.List(ctx, since.Add(-time.Second))
		if seen == nil {
			seen = map[string]Observation{}
		}
		if listErr != nil && p.cfg.Permanent(listErr) {
			// A server that refuses the filtered list (an older version,
			// a filter it lacks) is polled per operation from now on.
			p.mu.Lock()
			p.cfg.List = nil
			p.mu.Unlock()
		}
	}
	var errs map[string]error
	var need []string
	for _, w := range due {
		if _, ok := seen[w.id]; !ok && !slices.Contains(need, w.id) {
			need = append(need, w.id)
		}
	}
	if len(need) > 0 {
		got, gotErrs := p.getAll(ctx, need)
		for id, o := range got {
			seen[id] = o
		}
		errs = gotErrs
	}
	at := p.cfg.Clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range all {
		if w.finished {
			continue
		}
		o, ok := seen[w.id]
		isDue := !w.due.After(now)
		if !ok {
			if !isDue {
				continue
			}
			err := errs[w.id]
			if err == nil {
				err = listErr
			}
			if err == nil {
				err = fmt.Errorf("%s: no answer", w.id)
			}
			p.failed(w, err, at)
			continue
		}
		w.failures = 0
		if !o.Created.IsZero() {
			w.created = o.Created
		}
		if o.Done {
			took := o.Took
			if took <= 0 {
				// Finished between the last look and this one: the middle.
				from := w.started
				if !w.lastSeen.IsZero() {
					from = w.lastSeen
				}
				took = from.Sub(w.started) + at.Sub(from)/2
			}
			p.learn(took)
			p.deliver(w, watchResult{obs: o})
			w.finished, w.due = true, at.Add(p.cfg.Max) // the waiter leaves
			continue
		}
		w.lastSeen = at
		p.deliver(w, watchResult{obs: o})
		left := remaining(o.Progress.Percent, at.Sub(w.started))
		if !isDue && left <= 0 {
			continue // observed for free; keep its schedule
		}
		w.due = at.Add(p.nextWait(w, left, at))
	}
}

// remaining is how long an operation percent done after elapsed has left
// at the same pace; zero when its progress says nothing. Servers report
// whole percents, rounded down (VBR's progressPercent): the operation is
// taken to be half a percent further, which is right on average, where
// the bare percent predicts the end a few milliseconds late every time.
func remaining(percent int, elapsed time.Duration) time.Duration {
	if percent <= 0 || percent >= 100 || elapsed <= 0 {
		return 0
	}
	return elapsed * time.Duration(199-2*percent) / time.Duration(2*percent+1)
}

// nextWait is how long to wait before looking at a running operation
// again: until its progress says it ends; else the next point of the
// schedule not yet passed; else half again as long as the last wait, from
// the floor. Callers hold p.mu.
func (p *Poller) nextWait(w *watch, left time.Duration, at time.Time) time.Duration {
	if left > 0 && p.cfg.List != nil {
		// Lists are spaced by the floor already (loop): look right when
		// the progress says the operation ends.
		return min(max(left+progressMargin, time.Millisecond), p.cfg.Max)
	}
	if left > 0 {
		return min(max(left, p.cfg.Floor), p.cfg.Max)
	}
	if len(p.took) > 0 {
		elapsed := at.Sub(w.started)
		for _, q := range schedule[1:] {
			if d := p.quantile(q) - elapsed; d >= p.cfg.Floor {
				return min(d, p.cfg.Max)
			}
		}
	}
	if w.delay <= 0 {
		w.delay = p.cfg.Floor
	} else {
		w.delay = min(max(w.delay*3/2, w.delay+1), p.cfg.Max)
	}
	return w.delay
}

// failed hands a permanent error to the waiter, or retries with backoff.
// Callers hold p.mu.
func (p *Poller) failed(w *watch, err error, at time.Time) {
	if p.cfg.Permanent(err) {
		p.deliver(w, watchResult{err: err})
		w.finished, w.due = true, at.Add(p.cfg.Max)
		return
	}
	w.failures++
	backoff := p.cfg.Floor
	for range min(w.failures, 16) {
		backoff = min(backoff*2, p.cfg.Max)
	}
	w.due = at.Add(backoff)
}

// deliver passes r to the waiter without blocking; a waiter that fell
// behind keeps the newest results.
func (p *Poller) deliver(w *watch, r watchResult) {
	for {
		select {
		case w.out <- r:
			return
		default:
		}
		select {
		case <-w.out:
		default:
		}
	}
}

// getAll observes ids one GET each, at most 8 at a time.
func (p *Poller) getAll(ctx context.Context, ids []string) (map[string]Observation, map[string]error) {
	out := make(map[string]Observation, len(ids))
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			o, err := p.cfg.Get(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[id] = err
				return
			}
			out[id] = o
		}()
	}
	wg.Wait()
	return out, errs
}
