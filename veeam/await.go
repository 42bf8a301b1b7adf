package veeam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// PollFunc observes a long-running operation once and reports whether it
// has finished. A transient error (see PollRetryable) is retried; any
// other error ends the wait.
type PollFunc func(ctx context.Context) (p Progress, done bool, err error)

// pollFailureWindow bounds how long polls may keep failing in a row when
// neither AwaitOptions.Timeout nor the context's deadline (a step's
// timeout) does: a server that stays unreachable ends the wait, the work's
// outcome unknown.
const pollFailureWindow = 10 * time.Minute

// PollRetryable reports whether a failed poll is worth another try: a poll
// is a read, so a 5xx, 429 or 408 answer and a lost or refused connection
// say nothing about the work being watched. 4xx answers (404: the server
// does not know the work), certificate problems, cancellation and outcomes
// (*AsyncError) are final.
func PollRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrUncertain) || errors.Is(err, ErrAwaitTimeout) {
		return false
	}
	var ae *AsyncError
	if errors.As(err, &ae) {
		return false
	}
	var fe *FingerprintError
	if errors.As(err, &fe) {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Status >= 500 || api.Status == http.StatusTooManyRequests || api.Status == http.StatusRequestTimeout
	}
	return transient(err)
}

// Await is the one polling loop of the three clients. It polls at once,
// then after PollMin, each interval half again as long as the last, up to
// PollMax. Each distinct observation goes to OnProgress (repeats are
// dropped). A poll that fails transiently (PollRetryable: a 500, a dropped
// connection) is retried on the same backoff until Timeout, the context's
// deadline or, with neither, ten minutes of failures in a row: one bad
// answer never abandons work that is still running. It returns nil when
// poll reports done, an error wrapping ErrAwaitTimeout when Timeout passes
// first, the last poll error when polls kept failing, or the context's
// error when ctx ends. Neither a timeout nor a cancelled context stops the
// server-side work.
func Await(ctx context.Context, clock Clock, o AwaitOptions, poll PollFunc) error {
	if clock == nil {
		clock = SystemClock{}
	}
	o = o.withDefaults()
	start := clock.Now()
	delay := o.PollMin
	var last Progress
	seen := false
	var failingSince time.Time // zero while polls succeed
	// The bound is generous: at PollMin 1ns it still allows ~11 days of
	// PollMax 5s polls; in practice Timeout or ctx ends the loop.
	for range 10_000_000 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("await %s %s: %w", last.Kind, last.ID, err)
		}
		p, done, err := poll(ctx)
		if err != nil {
			if !PollRetryable(err) || ctx.Err() != nil {
				return err
			}
			if failingSince.IsZero() {
				failingSince = clock.Now()
			}
			if _, hasDeadline := ctx.Deadline(); o.Timeout <= 0 && !hasDeadline && clock.Now().Sub(failingSince) >= pollFailureWindow {
				return fmt.Errorf("polls failed for %s: %w", pollFailureWindow, err)
			}
			p = last // keep the last observation for the timeout message
		} else {
			failingSince = time.Time{}
		}
		if err == nil && observe(o, p, done, &last, &seen) {
			return nil
		}
		wait := delay
		if o.Timeout > 0 {
			left := o.Timeout - clock.Now().Sub(start)
			if left <= 0 {
				if err != nil {
					return fmt.Errorf("%s %s: %w after %s (polls failing: %w); the server keeps working",
						p.Kind, p.ID, ErrAwaitTimeout, o.Timeout, err)
				}
				return fmt.Errorf("%s %s %s: %w after %s (last state %s%s); the server keeps working",
					p.Kind, p.ID, quoteName(p.Name), ErrAwaitTimeout, o.Timeout, stateOr(p.State), percent(p.Percent))
			}
			wait = min(wait, left)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("await %s %s: %w", p.Kind, p.ID, ctx.Err())
		case <-clock.After(wait):
		}
		delay = min(max(delay*3/2, delay+1), o.PollMax)
	}
	return fmt.Errorf("await %s %s: too many polls", last.Kind, last.ID)
}

// observe reports one successful poll to OnProgress (repeats dropped) and
// returns whether the work is done.
func observe(o AwaitOptions, p Progress, done bool, last *Progress, seen *bool) bool {
	p.Done = done
	if (!*seen || p != *last) && o.OnProgress != nil {
		o.OnProgress(p)
	}
	*last, *seen = p, true
	return done
}

func quoteName(s string) string {
	if s == "" {
		return `""`
	}
	return fmt.Sprintf("%q", s)
}

func stateOr(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func percent(p int) string {
	if p < 0 {
		return ""
	}
	return fmt.Sprintf(" %d%%", p)
}
