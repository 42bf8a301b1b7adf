package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
)

// Goldens hold the final frame of each run as plain text (no colour) at a
// fixed 100x30 size; go test ./tui -update rewrites them.
const goldenW, goldenH = 100, 30

var finalTimeout = teatest.WithFinalTimeout(5 * time.Second)

func contains(s string) func([]byte) bool {
	return func(b []byte) bool { return bytes.Contains(b, []byte(s)) }
}

func TestReviewGolden(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		approve  bool
		keys     []string
		approved bool
		selected string
	}{
		"plan":        {false, []string{"q"}, false, "vbr/vbr.repository"},
		"navigation":  {false, []string{"j", "j", "d", "j", "j", "j", "enter", "j", "j", "j", "j", "q"}, false, "step.retry"},
		"filter":      {false, []string{"/", "f", "r", "a", "enter", "j", "q"}, false, "vbr/vbr.repository/repo-fra"},
		"help":        {false, []string{"?", "q"}, false, "vbr/vbr.repository"},
		"approve":     {true, []string{"j", "j", "a"}, true, "vbr/vbr.repository/repo-fra"},
		"approve_yes": {true, []string{"y", "e", "s"}, true, "vbr/vbr.repository"},
		"abort":       {true, []string{"j", "esc"}, false, "vbr/vbr.repository/repo-ams"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewReviewModel(testPlan(), Options{NoColor: true, Approve: tc.approve})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(goldenW, goldenH))
			teatest.WaitFor(t, tm.Output(), contains("Plan:"), teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
			for _, k := range tc.keys {
				tm.Send(press(k))
			}
			fm, ok := tm.FinalModel(t, finalTimeout).(*ReviewModel)
			if !ok {
				t.Fatalf("final model is not a *ReviewModel")
			}
			if fm.Approved() != tc.approved || fm.Selected() != tc.selected {
				t.Errorf("final: approved=%v selected=%q, want approved=%v selected=%q", fm.Approved(), fm.Selected(), tc.approved, tc.selected)
			}
			golden.RequireEqual(t, fm.Render())
		})
	}
}

func TestProgressGolden(t *testing.T) {
	t.Parallel()
	t.Run("finished", func(t *testing.T) {
		t.Parallel()
		ch := make(chan engine.Event)
		m := newProgressModel(Options{NoColor: true, Now: fixedClock(t0.Add(12 * time.Second))}, ch, nil)
		m.animate = false
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(goldenW, goldenH))
		go func() {
			defer close(ch)
			for _, e := range script() {
				ch <- e
			}
		}()
		fm, ok := tm.FinalModel(t, finalTimeout).(*ProgressModel)
		if !ok {
			t.Fatalf("final model is not a *ProgressModel")
		}
		var b strings.Builder
		b.WriteString(fm.Render())
		if err := fm.WriteFinal(&b); err != nil {
			t.Fatal(err)
		}
		golden.RequireEqual(t, b.String())
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		ch := make(chan engine.Event)
		var calls []bool
		m := newProgressModel(Options{NoColor: true, Now: fixedClock(t0.Add(7 * time.Second)),
			OnInterrupt: func(hard bool) { calls = append(calls, hard) }}, ch, nil)
		m.animate = false
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(goldenW, goldenH))
		for _, e := range script()[:8] {
			ch <- e
		}
		teatest.WaitFor(t, tm.Output(), contains("already"), teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
		tm.Send(press("ctrl+c"))
		tm.Send(press("y"))
		tm.Send(press("ctrl+c"))
		fm, ok := tm.FinalModel(t, finalTimeout).(*ProgressModel)
		if !ok {
			t.Fatalf("final model is not a *ProgressModel")
		}
		close(ch)
		if diff := cmp.Diff([]bool{false, true}, calls); diff != "" {
			t.Errorf("OnInterrupt calls: -want +got:\n%s", diff)
		}
		var b strings.Builder
		b.WriteString(fm.Render())
		if err := fm.WriteFinal(&b); err != nil {
			t.Fatal(err)
		}
		golden.RequireEqual(t, b.String())
	})
}

func TestReviewRunsOnGivenIO(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		input   string
		approve bool
		want    bool
		line    string
	}{
		"a approves":      {"jja", true, true, "Approved."},
		"yes approves":    {"yes", true, true, "Approved."},
		"q aborts":        {"jq", true, false, "Apply cancelled: nothing was changed."},
		"plan just quits": {"jjq", false, false, "Plan: 2 to create, 1 to update, 1 to delete, 1 step to run.\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			got, err := Review(t.Context(), testPlan(), Options{In: strings.NewReader(tc.input), Out: &out,
				Width: goldenW, Height: goldenH, NoColor: true, Approve: tc.approve})
			if err != nil {
				t.Fatalf("Review: %v", err)
			}
			if got != tc.want {
				t.Errorf("Review() = %v, want %v", got, tc.want)
			}
			if !strings.HasSuffix(out.String(), tc.line+func() string {
				if strings.HasSuffix(tc.line, "\n") {
					return ""
				}
				return "\n"
			}()) {
				t.Errorf("output does not end with %q:\n%q", tc.line, out.String())
			}
		})
	}
}

func TestProgressRunsOnGivenIO(t *testing.T) {
	t.Parallel()
	ch := make(chan engine.Event)
	go func() {
		defer close(ch)
		for _, e := range script() {
			ch <- e
		}
	}()
	var out bytes.Buffer
	err := Progress(t.Context(), ch, Options{In: strings.NewReader(""), Out: &out, Width: goldenW, Height: goldenH,
		NoColor: true, Now: fixedClock(t0)})
	if err != nil {
		t.Fatalf("Progress: %v", err)
	}
	if want := "Apply complete: 3 done, 1 failed, 0 not attempted.\n"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks the summary %q:\n%s", want, out.String())
	}
}

func TestProgressHardExitReturnsAtOnce(t *testing.T) {
	t.Parallel()
	ch := make(chan engine.Event)
	var calls []bool
	var out bytes.Buffer
	// Two Ctrl-C bytes: the first asks, the second exits without waiting
	// for the stream, which stays open.
	err := Progress(t.Context(), ch, Options{In: strings.NewReader("\x03\x03"), Out: &out, Width: goldenW, Height: goldenH,
		NoColor: true, Now: fixedClock(t0), OnInterrupt: func(hard bool) { calls = append(calls, hard) }})
	if err != nil {
		t.Fatalf("Progress: %v", err)
	}
	if diff := cmp.Diff([]bool{true}, calls); diff != "" {
		t.Errorf("OnInterrupt calls: -want +got:\n%s", diff)
	}
	if want := "Exited before apply finished. Nothing was running.\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("output does not end with %q:\n%s", want, out.String())
	}
	// The rest of the stream is drained: the engine never blocks.
	for _, e := range script() {
		ch <- e
	}
	close(ch)
}

func TestReviewCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	approved, err := Review(ctx, testPlan(), Options{In: strings.NewReader(""), Out: io.Discard, Approve: true, NoColor: true})
	if approved || !errors.Is(err, context.Canceled) {
		t.Errorf("Review(cancelled) = %v, %v; want false, context.Canceled", approved, err)
	}
}
