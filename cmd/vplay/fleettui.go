package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vplay-dev/vplay/fleet"
	"github.com/vplay-dev/vplay/tui"
)

// fleetTUI is the fleet progress screen of `plan|apply --fleet` on a
// terminal: a row per member with its state, counts, duration and latest
// output line. Its interrupt keys act as the signals do on a text run:
// the first q or Ctrl-C cancels the run's context (no further member
// starts; running members finish), a second Ctrl-C runs the handler the
// command registered with onHardInterrupt (apply: abandon work in flight).
type fleetTUI struct {
	verb   string // "plan" or "apply"
	cancel context.CancelFunc
	hard   *hardStop
}

// fleetTUI returns the screen when this run shows one (nil otherwise: a
// text run), and the context the run must use from here on. The rule is
// the single-target one (useTUI), with text log lines for apply.
func (a *app) fleetTUI(ctx context.Context, rf *runFlags, logFormat, verb string) (*fleetTUI, context.Context) {
	if !a.useTUI(rf) || logFormat != "text" {
		return nil, ctx
	}
	return newFleetTUI(ctx, verb)
}

// newFleetTUI returns the screen's interrupt wiring for a run on ctx, and
// the context the run uses from here on.
func newFleetTUI(ctx context.Context, verb string) (*fleetTUI, context.Context) {
	parent, h := ctx, &hardStop{}
	ctx, cancel := context.WithCancel(context.WithValue(parent, hardStopKey{}, h))
	ui := &fleetTUI{verb: verb, cancel: cancel, hard: h}
	// The command registers its handler on ctx; a second SIGTERM (or a
	// SIGINT sent from elsewhere) still reaches it.
	onHardInterrupt(parent, ui.hardStop)
	return ui, ctx
}

// interrupt is the screen's OnInterrupt.
func (ui *fleetTUI) interrupt(hard bool) {
	ui.cancel()
	if !hard {
		return
	}
	go ui.hardStop() // the UI goroutine must not block
}

// hardStop runs the handler the command registered, if any.
func (ui *fleetTUI) hardStop() {
	ui.hard.mu.Lock()
	fn := ui.hard.fn
	ui.hard.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// runFleetUI runs work over the fleet (runFleet), on the fleet screen when
// ui is not nil. While the screen is up, member output (stdout) feeds the
// screen's latest-line column and stderr is held back; after it closes,
// the held-back lines and (apply) the failed members' errors are printed.
// The caller prints the summary table as on a text run.
func (a *app) runFleetUI(ui *fleetTUI, ctx context.Context, r *fleetRun, work func(context.Context, fleet.Member) memberOutcome) []memberOutcome {
	if ui == nil {
		return a.runFleet(ctx, r, work)
	}
	names := make([]string, len(r.members))
	for i, m := range r.members {
		names[i] = m.Name
	}
	o := tui.Options{In: a.In, Out: a.tuiOut(), NoColor: !a.useColor(a.Out)}
	o.OnInterrupt = ui.interrupt
	out, errw := a.Out, a.Err
	var held bytes.Buffer // stderr while the screen is up
	var outs []memberOutcome
	title := fmt.Sprintf("vplay %s --fleet · %s · %s", ui.verb, r.playbook, r.fleet.File)
	uiErr := tui.Fleet(title, names, o, func(send func(tea.Msg)) {
		router := &memberLines{names: names, send: send, known: a.Known.Mask, applying: ui.verb == "apply", seen: map[string]bool{}}
		a.Out, a.Err = router, &lockedWriter{w: &held}
		defer func() { a.Out, a.Err = out, errw }()
		outs = a.runFleet(ctx, r, func(ctx context.Context, m fleet.Member) memberOutcome {
			send(tui.FleetMemberMsg{Member: m.Name, State: tui.MemberPlanning})
			start := time.Now()
			o := work(ctx, m)
			st := tui.MemberDone
			if o.report.Err != nil {
				st = tui.MemberFailed
			}
			send(tui.FleetMemberMsg{Member: m.Name, State: st, Changes: o.report.Changes, Failures: o.report.Failures, Duration: time.Since(start)})
			return o
		})
		for _, o := range outs {
			if errors.Is(o.report.Err, fleet.ErrSkipped) {
				send(tui.FleetMemberMsg{Member: o.member.Name, State: tui.MemberNotStarted})
			}
		}
	})
	fmt.Fprintln(a.Out)
	if uiErr != nil {
		fmt.Fprintf(a.Err, "warning: %v\n", uiErr)
	}
	_, _ = a.Err.Write(held.Bytes())
	if ui.verb == "apply" { // plan prints every member's section after
		for i, o := range outs {
			if o.report.Err != nil && !errors.Is(o.report.Err, fleet.ErrSkipped) {
				fmt.Fprintln(a.Out, memberHeader(i, len(outs), o.member))
				io.WriteString(a.Out, o.detail)
				fmt.Fprintln(a.Out)
			}
		}
	}
	return outs
}

// memberLines takes the member-prefixed output lines of a fleet run
// ("[member] text", memberOutput) and sends each member's latest line to
// the fleet screen; with applying, a member's first line (its plan) marks
// it as applying.
type memberLines struct {
	mu       sync.Mutex
	names    []string
	send     func(tea.Msg)
	known    func(string) string // masks the run's secrets
	applying bool
	seen     map[string]bool
	pending  []byte
}

func (w *memberLines) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, b...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.pending[:i]))
		w.pending = w.pending[i+1:]
	}
	return len(b), nil
}

// line routes one line to the member it names (the longest matching
// prefix, as one member's name may start another's).
func (w *memberLines) line(l string) {
	member := ""
	for _, n := range w.names {
		if len(n) > len(member) && strings.HasPrefix(l, "["+n+"] ") {
			member = n
		}
	}
	if member == "" {
		return
	}
	text := strings.TrimSpace(ansi.Strip(w.known(l[len(member)+3:])))
	if text == "" {
		return
	}
	if w.applying && !w.seen[member] {
		w.seen[member] = true
		w.send(tui.FleetMemberMsg{Member: member, State: tui.MemberApplying})
	}
	w.send(tui.FleetLineMsg{Member: member, Line: text})
}

// lockedWriter serialises writes from members running at once.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
