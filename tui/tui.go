package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/vplay-dev/vplay/engine"
)

// Options configures a screen. The zero value uses the process's terminal.
type Options struct {
	// In is the keyboard input; nil means the terminal (stdin or /dev/tty).
	In io.Reader
	// Out receives the view and the final summary; nil means stdout.
	Out io.Writer
	// Width and Height fix the screen size; 0 means the terminal's size.
	Width, Height int
	// NoColor renders plain text without colour or other attributes.
	NoColor bool
	// Approve makes the review screen ask for approval (apply) instead of
	// only showing the plan (plan).
	Approve bool
	// OnInterrupt is called from the progress screen when the user stops the
	// apply: first with hard=false after the user confirmed that no new work
	// should start (work in flight continues and is still shown), then with
	// hard=true on a second Ctrl-C, after which the screen exits at once. It
	// runs on the UI goroutine and must not block. Nil ignores interrupts
	// except for leaving the screen on the second Ctrl-C.
	OnInterrupt func(hard bool)
	// OnQuestion is called from the progress screen with true when it asks
	// whether to stop launching new work and with false once the question
	// is answered or gone, so the caller holds new work meanwhile. It runs
	// on the UI goroutine and must not block.
	OnQuestion func(open bool)
	// Now is the clock for elapsed times; nil means time.Now. Tests inject a
	// fixed clock so views are reproducible.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o Options) out() io.Writer {
	if o.Out != nil {
		return o.Out
	}
	return os.Stdout
}

// programOptions turns Options into bubbletea program options.
func (o Options) programOptions() []tea.ProgramOption {
	var opts []tea.ProgramOption
	if o.In != nil {
		opts = append(opts, tea.WithInput(o.In))
	}
	opts = append(opts, tea.WithOutput(o.out()))
	if o.Width > 0 && o.Height > 0 {
		opts = append(opts, tea.WithWindowSize(o.Width, o.Height))
	}
	if o.NoColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	return opts
}

// Review shows the plan. With o.Approve it asks for approval and returns
// true only when the user approved with `a` or by typing `yes`; q, esc or
// Ctrl-C abort without touching anything. Without o.Approve it returns
// false when the user quits. A cancelled ctx closes the screen and returns
// ctx's error.
func Review(ctx context.Context, p *engine.Plan, o Options) (approved bool, err error) {
	if p == nil {
		return false, errors.New("tui: no plan to review")
	}
	m := NewReviewModel(p, o)
	opts := append(o.programOptions(),
		tea.WithContext(ctx),
		// SIGINT arrives as a signal only when input is not a terminal;
		// treat it as the abort key instead of killing the program.
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.InterruptMsg); ok {
				return abortMsg{}
			}
			return msg
		}))
	final, err := tea.NewProgram(m, opts...).Run()
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return false, fmt.Errorf("tui: plan review: %w", err)
	}
	rm, ok := final.(*ReviewModel)
	if !ok {
		return false, errors.New("tui: plan review ended without its model")
	}
	// The review uses the alternate screen; leave one line behind so the
	// terminal keeps the outcome.
	fmt.Fprintln(o.out(), rm.Outcome())
	return rm.Approved(), nil
}

// Progress runs the apply progress screen. It consumes events until the
// stream is closed (the engine sends ApplyDone and closes it), prints the
// final summary below the view and returns. Interrupt decisions go back
// through o.OnInterrupt. After a hard interrupt (second Ctrl-C) it returns
// at once, listing the sessions still running on the server; the rest of
// the stream is drained in the background so the engine never blocks on it.
// A cancelled ctx is shown as an interrupt already decided by the caller:
// the screen keeps showing work in flight until the stream closes.
func Progress(ctx context.Context, events <-chan engine.Event, o Options) error {
	if events == nil {
		return errors.New("tui: no event stream")
	}
	m := newProgressModel(o, events, ctx.Done())
	opts := append(o.programOptions(),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.InterruptMsg); ok {
				return interruptMsg{}
			}
			return msg
		}))
	final, err := tea.NewProgram(m, opts...).Run()
	pm, ok := final.(*ProgressModel)
	if err != nil || !ok || pm.Hard() {
		go drain(events)
	}
	if err != nil {
		return fmt.Errorf("tui: apply progress: %w", err)
	}
	if !ok {
		return errors.New("tui: apply progress ended without its model")
	}
	return pm.WriteFinal(o.out())
}

// drain reads the stream until it is closed.
func drain(events <-chan engine.Event) {
	for range events { //nolint:revive // discard
	}
}
