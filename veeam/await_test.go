package veeam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAwait(t *testing.T) {
	t.Parallel()
	type obs struct {
		state string
		pct   int
		done  bool
	}
	tests := map[string]struct {
		script    []obs // observations in order; the last repeats
		timeout   time.Duration
		wantErr   error
		wantSeen  []string // "state pct done" of each reported progress
		wantWaits []time.Duration
	}{
		"finishes and deduplicates progress": {
			script:   []obs{{"Starting", 0, false}, {"Working", 10, false}, {"Working", 10, false}, {"Working", 60, false}, {"Stopped", 100, true}},
			wantSeen: []string{"Starting 0 false", "Working 10 false", "Working 60 false", "Stopped 100 true"},
			wantWaits: []time.Duration{
				100 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond, 337500 * time.Microsecond,
			},
		},
		"backs off to PollMax": {
			script: []obs{{"Working", 1, false}, {"Working", 2, false}, {"Working", 3, false}, {"Working", 4, false},
				{"Working", 5, false}, {"Working", 6, false}, {"Stopped", 100, true}},
			wantSeen: []string{"Working 1 false", "Working 2 false", "Working 3 false", "Working 4 false", "Working 5 false", "Working 6 false", "Stopped 100 true"},
			wantWaits: []time.Duration{100 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond, 337500 * time.Microsecond,
				400 * time.Millisecond, 400 * time.Millisecond},
		},
		"outlives its timeout": {
			script:   []obs{{"Working", 5, false}},
			timeout:  time.Second,
			wantErr:  ErrAwaitTimeout,
			wantSeen: []string{"Working 5 false"},
			// 100+150+225+337.5 = 812.5ms, then the 187.5ms left, then the deadline.
			wantWaits: []time.Duration{100 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond, 337500 * time.Microsecond, 187500 * time.Microsecond},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			var seen []string
			i := 0
			err := Await(context.Background(), clock, AwaitOptions{
				Timeout: tc.timeout, PollMin: 100 * time.Millisecond, PollMax: 400 * time.Millisecond,
				OnProgress: func(p Progress) {
					seen = append(seen, p.State+" "+strconv.Itoa(p.Percent)+" "+strconv.FormatBool(p.Done))
				},
			}, func(context.Context) (Progress, bool, error) {
				o := tc.script[min(i, len(tc.script)-1)]
				i++
				return Progress{Kind: KindSession, ID: "s1", State: o.state, Percent: o.pct}, o.done, nil
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Await() error = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantSeen, seen); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantWaits, clock.Waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAwaitStopsOnContextAndPollError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	err := Await(ctx, newFakeClock(), AwaitOptions{}, func(context.Context) (Progress, bool, error) {
		polls++
		if polls == 3 {
			cancel()
		}
		return Progress{Kind: KindTask, ID: "task-1", State: "Running"}, false, nil
	})
	if !errors.Is(err, context.Canceled) || polls != 3 {
		t.Errorf("Await() = %v after %d polls, want context.Canceled after 3", err, polls)
	}
	boom := errors.New("boom")
	err = Await(context.Background(), newFakeClock(), AwaitOptions{}, func(context.Context) (Progress, bool, error) {
		return Progress{}, false, fmt.Errorf("poll: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Errorf("Await() = %v, want boom", err)
	}
}

func TestPagesGetsEveryObjectOnce(t *testing.T) {
	t.Parallel()
	const total = 1000
	tests := map[string]struct {
		limit     int
		noTotal   bool
		wantCount int
		wantCalls int
	}{
		"1000 objects in pages of 50": {limit: 50, wantCount: total, wantCalls: 20},
		"page larger than total":      {limit: 5000, wantCount: total, wantCalls: 1},
		"uneven pages":                {limit: 333, wantCount: total, wantCalls: 4},
		"no total: one page":          {limit: 50, noTotal: true, wantCount: 50, wantCalls: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			docs, err := CollectPages(context.Background(), tc.limit, func(_ context.Context, offset, limit int) (Page, error) {
				calls++
				var items []Doc
				for i := offset; i < min(offset+limit, total); i++ {
					items = append(items, Doc{"id": strconv.Itoa(i)})
				}
				return Page{Items: items, Total: total, HasTotal: !tc.noTotal}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, d := range docs {
				seen[String(d, "id")]++
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("object %s seen %d times", id, n)
				}
			}
			if len(seen) != tc.wantCount || calls != tc.wantCalls {
				t.Errorf("got %d objects in %d calls, want %d in %d", len(seen), calls, tc.wantCount, tc.wantCalls)
			}
		})
	}
}

func TestPagesStopsOnEmptyPage(t *testing.T) {
	t.Parallel()
	calls := 0
	docs, err := CollectPages(context.Background(), 10, func(_ context.Context, offset, _ int) (Page, error) {
		calls++
		if offset >= 10 {
			return Page{Total: 100, HasTotal: true}, nil // the server lied about total
		}
		return Page{Items: make([]Doc, 10), Total: 100, HasTotal: true}, nil
	})
	if err != nil || len(docs) != 10 || calls != 2 {
		t.Errorf("CollectPages() = %d docs, %d calls, %v; want 10, 2, nil", len(docs), calls, err)
	}
}

// TestAwaitSurvivesBadPolls: a poll is a read, so a 500 or a dropped
// connection is retried on the polling backoff; final answers (404) and
// outcomes end the wait, and failures in a row end it only at the timeout
// or after the failure window.
func TestAwaitSurvivesBadPolls(t *testing.T) {
	t.Parallel()
	internal := &APIError{API: VBR, Method: "GET", Path: "/api/v1/sessions/s1", Status: 500, Message: "Internal error"}
	dropped := fmt.Errorf("vbr GET /api/v1/sessions/s1: %w", io.ErrUnexpectedEOF)
	notFound := &APIError{API: VBR, Method: "GET", Path: "/api/v1/sessions/s1", Status: 404, Message: "not found"}
	tests := map[string]struct {
		errs      []error // poll i fails with errs[i] when non-nil; after them the work is done
		always    error   // every poll fails with this instead
		timeout   time.Duration
		wantErr   error
		wantPolls int
	}{
		"one 500":                 {errs: []error{nil, internal}, wantPolls: 3},
		"a dropped connection":    {errs: []error{dropped, dropped}, wantPolls: 3},
		"404 is final":            {errs: []error{nil, notFound}, wantErr: notFound, wantPolls: 2},
		"failing until timeout":   {always: internal, timeout: time.Minute, wantErr: ErrAwaitTimeout},
		"failing past the window": {always: dropped, wantErr: io.ErrUnexpectedEOF},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			polls := 0
			err := Await(context.Background(), clock, AwaitOptions{Timeout: tc.timeout, PollMin: time.Second, PollMax: 5 * time.Second},
				func(context.Context) (Progress, bool, error) {
					polls++
					if tc.always != nil {
						return Progress{}, false, tc.always
					}
					if polls <= len(tc.errs) {
						if e := tc.errs[polls-1]; e != nil {
							return Progress{}, false, e
						}
						return Progress{Kind: KindSession, ID: "s1", State: "Working"}, false, nil
					}
					return Progress{Kind: KindSession, ID: "s1", State: "Stopped"}, true, nil
				})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Await() error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantPolls > 0 && polls != tc.wantPolls {
				t.Errorf("polls = %d, want %d", polls, tc.wantPolls)
			}
			if tc.always != nil && tc.timeout == 0 {
				if elapsed := clock.Now().Sub(newFakeClock().Now()); elapsed < pollFailureWindow || elapsed > pollFailureWindow+10*time.Second {
					t.Errorf("gave up after %s of failures, want %s", elapsed, pollFailureWindow)
				}
			}
		})
	}
}
