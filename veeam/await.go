package veeam

import (
	"context"
	"fmt"
)

// PollFunc observes a long-running operation once and reports whether it
// has finished. An error ends the wait.
type PollFunc func(ctx context.Context) (p Progress, done bool, err error)

// Await is the one polling loop of the three clients. It polls at once,
// then after PollMin, each interval half again as long as the last, up to
// PollMax. Each distinct observation goes to OnProgress (repeats are
// dropped). It returns nil when poll reports done, an error wrapping
// ErrAwaitTimeout when Timeout passes first, or the context's error when
// ctx ends. Neither a timeout nor a cancelled context stops the
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
	// The bound is generous: at PollMin 1ns it still allows ~11 days of
	// PollMax 5s polls; in practice Timeout or ctx ends the loop.
	for range 10_000_000 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("await %s %s: %w", last.Kind, last.ID, err)
		}
		p, done, err := poll(ctx)
		if err != nil {
			return err
		}
		p.Done = done
		if (!seen || p != last) && o.OnProgress != nil {
			o.OnProgress(p)
		}
		last, seen = p, true
		if done {
			return nil
		}
		wait := delay
		if o.Timeout > 0 {
			left := o.Timeout - clock.Now().Sub(start)
			if left <= 0 {
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
