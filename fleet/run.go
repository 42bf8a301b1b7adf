package fleet

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Report is the outcome of one member's work.
type Report struct {
	Member string
	// Changes counts what the member's plan would change (resources and
	// steps to run), or what its apply did.
	Changes int
	// Failures counts what failed (1 when the member could not be planned
	// at all).
	Failures int
	// Duration is the member's wall time.
	Duration time.Duration
	// Err is the member's error; ErrSkipped when --fail-fast stopped the
	// fleet before it started.
	Err error
}

// ErrSkipped marks a member not started because an earlier one failed
// with fail-fast on, or because the run was interrupted.
var ErrSkipped = errors.New("fleet: not started")

// Options bound a Run.
type Options struct {
	// Parallelism is how many members run at once; < 1 means 1.
	Parallelism int
	// FailFast stops launching members after the first failure; members
	// in flight finish (stopping them mid-apply could lose work).
	FailFast bool
}

// Run calls work once per member, up to o.Parallelism at once, and returns
// the reports in member order. A member's failure does not stop the others
// unless o.FailFast; members not started once ctx ends or fail-fast
// tripped are reported with ErrSkipped. work must fill in Changes,
// Failures and Err; Run sets Member and Duration.
func Run(ctx context.Context, ms []Member, o Options, work func(context.Context, Member) Report) []Report {
	par := max(o.Parallelism, 1)
	reports := make([]Report, len(ms))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for i, m := range ms {
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		mu.Lock()
		stop := ctx.Err() != nil || (o.FailFast && failed)
		mu.Unlock()
		if stop {
			if acquired {
				<-sem
			}
			reports[i] = Report{Member: m.Name, Err: ErrSkipped}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			start := time.Now()
			r := work(ctx, m)
			r.Member, r.Duration = m.Name, time.Since(start)
			reports[i] = r
			if r.Err != nil {
				mu.Lock()
				failed = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return reports
}

// Totals sum a fleet's reports.
type Totals struct {
	Members     int `json:"members"`
	WithChanges int `json:"with_changes"`
	Failed      int `json:"failed"`
	Skipped     int `json:"not_started"`
	Changes     int `json:"changes"`
	Failures    int `json:"failures"`
}

// Sum totals reports.
func Sum(rs []Report) Totals {
	t := Totals{Members: len(rs)}
	for _, r := range rs {
		t.Changes += r.Changes
		t.Failures += r.Failures
		switch {
		case errors.Is(r.Err, ErrSkipped):
			t.Skipped++
		case r.Err != nil:
			t.Failed++
		}
		if r.Changes > 0 {
			t.WithChanges++
		}
	}
	return t
}
