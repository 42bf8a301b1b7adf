package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui"
)

// view shows one plan or apply run in the output format its flags chose,
// once, when the command started (terraform's views.NewPlan(viewType)):
// human text or Markdown (humanView), JSON (jsonView) or the terminal UI
// (tuiView). Command bodies call it and never branch on the format.
type view interface {
	// Diagnostics shows problems found in the user's files and flags.
	Diagnostics(ds diag.Diagnostics, src map[string][]byte)
	// Plan shows a plan for the use given; for planAsk it reports whether
	// the user approved it.
	Plan(ctx context.Context, p *engine.Plan, use planUse) (approved bool, err error)
	// Observe shows a warning, at any time, or an apply event, after
	// Plan(planRun) (engine.Observer).
	Observe(engine.Event)
	// Result ends the run's output once the command is done: the terminal
	// UI closes its screen below the summary, JSON writes the warnings it
	// held. It returns what the view itself failed at; calling it again
	// does nothing.
	Result() error
}

// planUse says why a command shows a plan.
type planUse int

const (
	// planResult is the command's output: vplay plan, or an apply with
	// nothing to do.
	planResult planUse = iota
	// planAsk asks for approval before apply.
	planAsk
	// planRefused is a plan apply refuses to run without approval, shown
	// for the record.
	planRefused
	// planRun is the plan apply is about to run, above its events.
	planRun
)

// noter is a view that shows notes for people (the text views); JSON
// keeps its output to the document or the event stream.
type noter interface{ note(msg string) }

// viewOptions are the flags and hooks a view needs beyond --output.
type viewOptions struct {
	budget   int  // -o markdown: maximum size in characters
	detailed bool // plan --detailed-exitcode: no review screen
	logJSON  bool // apply --log-format json: slog records for events
	// interrupt and hold connect the terminal UI's stop question to the
	// apply (engine.ApplyOptions Stop, Abandon and Hold).
	interrupt func(hard bool)
	hold      *engine.Hold
}

// newView chooses the view of a plan or apply run from its flags; it is
// the one place that looks at --output.
func (a *app) newView(f *runFlags, o viewOptions) view {
	switch {
	case f.output == "json":
		return &jsonView{a: a}
	case a.useTUI(f):
		return &tuiView{humanView: humanView{a: a, o: o}}
	}
	return &humanView{a: a, o: o, markdown: f.output == "markdown"}
}

// humanView writes text (or Markdown) for people: the plan on stdout,
// apply events as timestamped lines (or slog records with --log-format
// json), warnings and notes on stderr.
type humanView struct {
	a        *app
	o        viewOptions
	markdown bool

	mu     sync.Mutex
	events engine.Observer // created by Plan(planRun)
}

func (v *humanView) Diagnostics(ds diag.Diagnostics, src map[string][]byte) {
	if len(ds) > 0 {
		fmt.Fprint(v.a.Err, diag.Format(ds, src))
	}
}

func (v *humanView) text(p *engine.Plan) error {
	return render.Text(v.a.Out, p, render.TextOptions{Color: v.a.useColor(v.a.Out)})
}

func (v *humanView) Plan(_ context.Context, p *engine.Plan, use planUse) (bool, error) {
	switch use {
	case planResult:
		if v.markdown {
			return false, render.Markdown(v.a.Out, p, render.MarkdownOptions{Budget: v.o.budget})
		}
		return false, v.text(p)
	case planAsk:
		if err := v.text(p); err != nil {
			return false, err
		}
		return v.a.askYes(v.a.Out), nil
	case planRefused:
		_ = v.text(p) // the refusal is the error the command returns
		return false, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.o.logJSON {
		v.events = slogObserver(v.a.Out)
		return false, nil
	}
	if err := v.text(p); err != nil {
		return false, err
	}
	fmt.Fprintln(v.a.Out)
	v.events = render.TextObserver(v.a.Out, render.TextOptions{Color: v.a.useColor(v.a.Out)})
	return false, nil
}

func (v *humanView) Observe(e engine.Event) {
	if w, ok := e.(engine.Warning); ok {
		v.note("warning: " + w.Message)
		return
	}
	v.mu.Lock()
	events := v.events
	v.mu.Unlock()
	if events != nil {
		events.Observe(e)
	}
}

func (v *humanView) Result() error { return nil }

func (v *humanView) note(msg string) { fmt.Fprintln(v.a.Err, msg) }

// askYes asks on w whether to apply and reads the answer from stdin:
// only "yes" approves.
func (a *app) askYes(w io.Writer) bool {
	fmt.Fprint(w, "\nDo you want to apply this plan? Only 'yes' will be accepted: ")
	flush(w)
	line, _ := bufio.NewReader(a.In).ReadString('\n')
	return strings.TrimSpace(line) == "yes"
}

// jsonView writes machine-readable output on stdout: the plan as one
// versioned document (render.JSON), or apply's events as one JSON object
// per line (render.JSONObserver). Warnings are objects of that stream too
// ({"type":"warning"}); those that come before a stream (while locking and
// planning) are held, and written into the stream when apply starts, or
// on stderr when stdout gets one document instead.
type jsonView struct {
	a *app

	mu     sync.Mutex
	events engine.Observer // created by Plan(planRun)
	held   []engine.Event
}

func (v *jsonView) Diagnostics(ds diag.Diagnostics, src map[string][]byte) {
	if len(ds) > 0 {
		fmt.Fprint(v.a.Err, diag.Format(ds, src))
	}
}

func (v *jsonView) Plan(_ context.Context, p *engine.Plan, use planUse) (bool, error) {
	switch use {
	case planResult:
		v.flushHeld(render.JSONObserver(v.a.Err))
		return false, render.JSON(v.a.Out, p)
	case planAsk:
		// stdout is for the machine: the question goes to the terminal's
		// stderr with the plan as text.
		if err := render.Text(v.a.Err, p, render.TextOptions{Color: v.a.useColor(v.a.Err)}); err != nil {
			return false, err
		}
		return v.a.askYes(v.a.Err), nil
	case planRefused:
		return false, nil
	}
	events := render.JSONObserver(v.a.Out)
	v.flushHeld(events)
	v.mu.Lock()
	v.events = events
	v.mu.Unlock()
	return false, nil
}

// flushHeld writes the held warnings to obs.
func (v *jsonView) flushHeld(obs engine.Observer) {
	v.mu.Lock()
	held := v.held
	v.held = nil
	v.mu.Unlock()
	for _, e := range held {
		obs.Observe(e)
	}
}

func (v *jsonView) Observe(e engine.Event) {
	v.mu.Lock()
	events := v.events
	if events == nil {
		if _, ok := e.(engine.Warning); ok {
			v.held = append(v.held, e)
		}
		v.mu.Unlock()
		return
	}
	v.mu.Unlock()
	events.Observe(e)
}

func (v *jsonView) Result() error {
	v.flushHeld(render.JSONObserver(v.a.Err))
	return nil
}

// tuiView opens the terminal UI: the review screen for a plan (and for
// approval), the progress screen for apply's events. What it does not
// show on a screen it writes as humanView does.
type tuiView struct {
	humanView

	screen chan engine.Event // open while the progress screen runs
	done   chan error        // the progress screen's outcome
}

func (v *tuiView) options() tui.Options {
	return tui.Options{In: v.a.In, Out: v.a.tuiOut(), NoColor: !v.a.useColor(v.a.Out)}
}

func (v *tuiView) Plan(ctx context.Context, p *engine.Plan, use planUse) (bool, error) {
	switch use {
	case planResult:
		// A plan without changes, and a drift check, print text and
		// return at once: no full-screen view waits for a key. After the
		// review the text plan is printed, so the diff stays in the
		// scrollback.
		if p.HasChanges() && !v.o.detailed {
			if _, err := tui.Review(ctx, p, v.options()); err != nil {
				return false, err
			}
		}
		return false, v.text(p)
	case planAsk:
		o := v.options()
		o.Approve = true
		return tui.Review(ctx, p, o)
	case planRefused:
		return v.humanView.Plan(ctx, p, use)
	}
	o := v.options()
	o.OnInterrupt = v.o.interrupt
	if v.o.hold != nil {
		o.OnQuestion = v.o.hold.Set // nothing launches while the screen asks whether to stop
	}
	events, done := make(chan engine.Event, 256), make(chan error, 1)
	go func() { done <- tui.Progress(ctx, events, o) }()
	v.mu.Lock()
	v.screen, v.done = events, done
	v.mu.Unlock()
	return false, nil
}

func (v *tuiView) Observe(e engine.Event) {
	v.mu.Lock()
	screen := v.screen
	v.mu.Unlock()
	if screen == nil {
		v.humanView.Observe(e) // warnings before the screen opens
		return
	}
	screen <- e
}

func (v *tuiView) Result() error {
	v.mu.Lock()
	screen, done := v.screen, v.done
	v.screen, v.done = nil, nil
	v.mu.Unlock()
	if screen == nil {
		return nil
	}
	close(screen)
	return <-done
}
