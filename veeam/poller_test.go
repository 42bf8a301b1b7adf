package veeam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOps is a server of operations that run for a fixed duration from
// when they are added, on the real clock (the poller's loop waits on
// timers; the test waits on Wait, never sleeps).
type fakeOps struct {
	mu    sync.Mutex
	ops   map[string]fakeOp
	gets  atomic.Int64
	lists atomic.Int64
	// firstGet records, per operation, how long after it started the
	// first GET came.
	firstGet map[string]time.Duration
	// fail makes the next n GETs of every operation fail with err.
	fail    map[string]int
	failErr error
}

type fakeOp struct {
	start time.Time
	dur   time.Duration
}

func newFakeOps() *fakeOps {
	return &fakeOps{ops: map[string]fakeOp{}, firstGet: map[string]time.Duration{}, fail: map[string]int{}}
}

func (f *fakeOps) add(id string, d time.Duration) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.ops[id] = fakeOp{start: now, dur: d}
	return now
}

func (f *fakeOps) observe(id string, op fakeOp, now time.Time) Observation {
	el := now.Sub(op.start)
	o := Observation{Progress: Progress{Kind: KindSession, ID: id, State: "Working", Percent: min(99, int(100*el/op.dur))}, Created: op.start}
	if el >= op.dur {
		o.Done, o.Progress.State, o.Progress.Percent = true, "Stopped", 100
		o.Took = op.dur
	}
	return o
}

func (f *fakeOps) get(_ context.Context, id string) (Observation, error) {
	f.gets.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	op, ok := f.ops[id]
	if !ok {
		return Observation{}, &APIError{Status: http.StatusNotFound, Message: "no such operation"}
	}
	if _, seen := f.firstGet[id]; !seen {
		f.firstGet[id] = time.Since(op.start)
	}
	if f.fail[id] > 0 {
		f.fail[id]--
		return Observation{}, f.failErr
	}
	return f.observe(id, op, time.Now()), nil
}

func (f *fakeOps) list(_ context.Context, since time.Time) (map[string]Observation, error) {
	f.lists.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]Observation{}
	now := time.Now()
	for id, op := range f.ops {
		if !op.start.Before(since) {
			out[id] = f.observe(id, op, now)
		}
	}
	return out, nil
}

// waitAll starts n operations of duration d, one every gap, and awaits
// them all; it returns how late each was seen finished.
func waitAll(t testing.TB, p *Poller, f *fakeOps, prefix string, n int, d, gap time.Duration, created bool) []time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	late := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		start := f.add(id, d)
		var c time.Time
		if created {
			c = start
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := p.Wait(ctx, id, c, AwaitOptions{})
			if err == nil && !o.Done {
				err = errors.New("returned before done")
			}
			errs[i] = err
			late[i] = time.Since(start.Add(d))
		}()
		if gap > 0 {
			<-time.After(gap) // staggered starts, as a parallel apply makes them
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("operation %d: %v", i, err)
		}
	}
	return late
}

func TestPollerListsOncePerTickForAllInFlight(t *testing.T) {
	f := newFakeOps()
	p := NewPoller(PollerConfig{Get: f.get, List: f.list, Floor: 5 * time.Millisecond})
	const n = 50
	waitAll(t, p, f, "op", n, 100*time.Millisecond, 0, true)
	if g := f.gets.Load(); g != 0 {
		t.Errorf("%d per-operation GETs, want none: every operation's start is known, so the list covers it", g)
	}
	// 50 operations started together: a handful of ticks, not one per
	// operation and poll.
	if l := f.lists.Load(); l > 10 {
		t.Errorf("%d lists for %d operations in flight together, want a few ticks", l, n)
	}
}

// TestPollerListMin: with ListMin 2, a lone operation is read with its own
// GET (a list that leaves out finished operations would cost a GET more),
// while operations due together share one list.
func TestPollerListMin(t *testing.T) {
	f := newFakeOps()
	p := NewPoller(PollerConfig{Get: f.get, List: f.list, ListMin: 2, Floor: 5 * time.Millisecond})
	waitAll(t, p, f, "lone", 1, 30*time.Millisecond, 0, true)
	if l, g := f.lists.Load(), f.gets.Load(); l != 0 || g == 0 {
		t.Errorf("one operation in flight: %d lists and %d GETs, want GETs only", l, g)
	}
	gets := f.gets.Load()
	waitAll(t, p, f, "many", 20, 30*time.Millisecond, 0, true)
	if l := f.lists.Load(); l == 0 {
		t.Errorf("20 operations due together: no list")
	}
	if g := f.gets.Load() - gets; g >= 20 {
		t.Errorf("20 operations due together: %d GETs, want the list to cover most", g)
	}
}

func TestPollerFirstPollAtLearnedDuration(t *testing.T) {
	f := newFakeOps()
	p := NewPoller(PollerConfig{Get: f.get, Floor: 5 * time.Millisecond})
	const d = 120 * time.Millisecond
	// Nothing learned: the first poll is PollMin after the start, not at once.
	waitAll(t, p, f, "first", 1, d, 0, false)
	if got := f.firstGet["first-0"]; got < 100*time.Millisecond {
		t.Errorf("first poll %s after the start with nothing learned, want PollMin (%s)", got, AwaitOptions{}.withDefaults().PollMin)
	}
	// Learned: later operations are first looked at near their duration.
	waitAll(t, p, f, "warm", 5, d, 0, false)
	waitAll(t, p, f, "next", 5, d, 0, false)
	for i := range 5 {
		if got := f.firstGet[fmt.Sprintf("next-%d", i)]; got < d/2 {
			t.Errorf("next-%d: first poll %s after the start, want near the learned %s", i, got, d)
		}
	}
	// Each operation costs a few GETs, not a poll every floor interval.
	if g := f.gets.Load(); g > 3*11 {
		t.Errorf("%d GETs for 11 operations", g)
	}
}

func TestPollerRetriesFailedPolls(t *testing.T) {
	f := newFakeOps()
	f.failErr = &APIError{Status: http.StatusServiceUnavailable, Message: "busy"}
	p := NewPoller(PollerConfig{Get: f.get, Floor: 2 * time.Millisecond})
	f.fail["op-0"] = 3
	waitAll(t, p, f, "op", 1, 20*time.Millisecond, 0, false)
	if f.fail["op-0"] != 0 {
		t.Errorf("the failing polls were not all made: %d left", f.fail["op-0"])
	}
}

func TestPollerPermanentErrorEndsTheWait(t *testing.T) {
	f := newFakeOps()
	p := NewPoller(PollerConfig{Get: f.get, Floor: 2 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.Wait(ctx, "unknown", time.Time{}, AwaitOptions{PollMin: time.Millisecond})
	if !IsStatus(err, http.StatusNotFound) {
		t.Fatalf("err = %v, want the 404", err)
	}
	if g := f.gets.Load(); g != 1 {
		t.Errorf("a 404 was polled %d times, want once", g)
	}
}

func TestPollerTimeoutAndCancel(t *testing.T) {
	f := newFakeOps()
	p := NewPoller(PollerConfig{Get: f.get, Floor: 2 * time.Millisecond})
	f.add("slow", time.Hour)
	_, err := p.Wait(context.Background(), "slow", time.Time{}, AwaitOptions{PollMin: time.Millisecond, Timeout: 30 * time.Millisecond})
	if !errors.Is(err, ErrAwaitTimeout) {
		t.Fatalf("err = %v, want ErrAwaitTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx, "slow", time.Time{}, AwaitOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The loop ends with the last waiter.
	p.mu.Lock()
	left := len(p.watches)
	p.mu.Unlock()
	if left != 0 {
		t.Errorf("%d watches left after every waiter returned", left)
	}
}

// BenchmarkPoller500 awaits 500 operations in flight together (100 ms
// each, started over 100 ms) once the poller has seen a few, and reports
// requests per operation and the mean lateness: with a filtered list (VBR
// sessions) and with a GET per operation (EM tasks).
func BenchmarkPoller500(b *testing.B) {
	for _, mode := range []string{"list", "get"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				f := newFakeOps()
				cfg := PollerConfig{Get: f.get}
				if mode == "list" {
					cfg.List = f.list
				}
				p := NewPoller(cfg)
				waitAll(b, p, f, "warm", 10, 100*time.Millisecond, 0, true)
				f.lists.Store(0)
				f.gets.Store(0)
				b.StartTimer()
				late := waitAll(b, p, f, "op", 500, 100*time.Millisecond, 200*time.Microsecond, true)
				var sum time.Duration
				for _, l := range late {
					sum += l
				}
				b.ReportMetric(float64(f.lists.Load()+f.gets.Load())/500, "requests/op")
				b.ReportMetric(float64(sum.Milliseconds())/500, "late-ms/op")
			}
		})
	}
}

func TestPollerFallsBackToGetsWhenListIsRefused(t *testing.T) {
	f := newFakeOps()
	var lists atomic.Int32
	refuse := func(context.Context, time.Time) (map[string]Observation, error) {
		lists.Add(1)
		return nil, &APIError{Status: http.StatusBadRequest, Message: "unknown filter"}
	}
	p := NewPoller(PollerConfig{Get: f.get, List: refuse, Floor: 2 * time.Millisecond})
	waitAll(t, p, f, "op", 5, 30*time.Millisecond, 0, true)
	if n := lists.Load(); n != 1 {
		t.Errorf("a refused list was sent %d times, want once", n)
	}
	if f.gets.Load() == 0 {
		t.Error("no per-operation GETs after the list was refused")
	}
}

func TestRemaining(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		percent int
		elapsed time.Duration
		want    time.Duration
	}{
		"no progress":       {0, time.Second, 0},
		"done":              {100, time.Second, 0},
		"not started":       {50, 0, 0},
		"half (50.5 %)":     {50, 505 * time.Millisecond, 495 * time.Millisecond},
		"late (80.5 %)":     {80, 805 * time.Millisecond, 195 * time.Millisecond},
		"early (10.5 %)":    {10, 105 * time.Millisecond, 895 * time.Millisecond},
		"last percent (99)": {99, 995 * time.Millisecond, 5 * time.Millisecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := remaining(tc.percent, tc.elapsed); got != tc.want {
				t.Errorf("remaining(%d, %s) = %s, want %s", tc.percent, tc.elapsed, got, tc.want)
			}
		})
	}
}
