package render

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine"
)

// TextObserver returns an observer that prints one line per apply event,
// for runs without a terminal UI: starts, throttled progress (a line when a
// session's state changes or its percent moves by 25 points or more), each
// finish with its duration, failures with the server's message, skipped
// steps with their reason, log lines, and on ApplyDone the Summary of the
// result, as the Report it feeds holds it (so callers using it do not
// print Summary again). Lines start with the event's time (15:04:05) when
// it is set. It is safe for concurrent use.
func TextObserver(w io.Writer, o TextOptions) engine.Observer {
	return &textObserver{w: w, pt: painter(o.Color), last: map[string]progressMark{}, rep: NewReport(time.Time{})}
}

type progressMark struct {
	state   string
	percent int
}

type textObserver struct {
	mu   sync.Mutex
	w    io.Writer
	pt   painter
	last map[string]progressMark // by owner and async id
	rep  *Report                 // the apply so far, for its summary
}

// Observe prints the event's line.
func (t *textObserver) Observe(e engine.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rep.Observe(e)
	e = CleanEvent(e)
	pt := t.pt
	line := func(at time.Time, s string) {
		if !at.IsZero() {
			s = pt.paint(ansiDim, at.Format("15:04:05")) + " " + s
		}
		fmt.Fprintln(t.w, s)
	}
	switch ev := e.(type) {
	case engine.ApplyStarted:
		what := []string{plural(ev.Changes, "resource change"), plural(ev.Steps, "step")}
		name := ""
		if ev.Playbook != "" {
			name = " " + ev.Playbook
		}
		line(ev.Time, pt.paint(ansiBold, fmt.Sprintf("Applying%s: %s.", name, strings.Join(what, ", "))))
	case engine.ResourceStarted:
		line(ev.Time, pt.action(ev.Action, ev.Addr.String())+": "+Gerund(ev.Action)+"...")
	case engine.StepStarted:
		line(ev.Time, StepLabel(ev.StepID, ev.Item)+": "+ev.Action+" started")
	case engine.Progress:
		key := ev.Owner + "\x00" + ev.ID
		prev, seen := t.last[key]
		if seen && prev.state == ev.State && !percentMoved(prev.percent, ev.Percent) {
			return
		}
		t.last[key] = progressMark{state: ev.State, percent: ev.Percent}
		owner := ev.Owner
		if !strings.Contains(owner, "/") { // a step id, not an address
			owner = StepLabel(owner, "")
		}
		s := owner + ": " + ProgressText(ev)
		line(ev.Time, s)
	case engine.ResourceDone:
		if ev.Err != nil {
			line(ev.Time, pt.paint(ansiRed, fmt.Sprintf("%s: %s failed after %s: %s",
				ev.Addr, ev.Action.String(), Duration(ev.Duration), ev.Err)))
			return
		}
		line(ev.Time, pt.action(ev.Action, ev.Addr.String())+": "+PastTense(ev.Action)+" in "+Duration(ev.Duration))
	case engine.StepSkipped:
		s := StepLabel(ev.StepID, "") + ": skipped"
		if ev.Reason != "" {
			s += ": " + ev.Reason
		}
		line(ev.Time, pt.paint(ansiDim, s))
	case engine.StepDone:
		label := StepLabel(ev.StepID, ev.Item)
		switch {
		case ev.Err != nil && ev.Ignored:
			line(ev.Time, pt.paint(ansiYellow, fmt.Sprintf("%s: failed after %s (ignored, continue_on_error): %s",
				label, Duration(ev.Duration), ev.Err)))
		case ev.Err != nil:
			line(ev.Time, pt.paint(ansiRed, fmt.Sprintf("%s: failed after %s: %s", label, Duration(ev.Duration), ev.Err)))
		default:
			line(ev.Time, pt.paint(ansiGreen, label+": done in "+Duration(ev.Duration)))
		}
	case engine.LogLine:
		lvl := ev.Level
		if lvl == "" {
			lvl = "info"
		}
		s := lvl + ": " + ev.Message
		if lvl == "warn" {
			s = pt.paint(ansiYellow, s)
		}
		line(ev.Time, s)
	case engine.Warning:
		line(ev.Time, pt.paint(ansiYellow, "warning: "+ev.Message))
	case engine.ApplyDone:
		if t.rep.Interrupted() {
			msg := "Apply interrupted: no new work was started after the signal."
			if len(t.rep.StillRunning()) > 0 {
				msg = "Apply interrupted: no new work was started after the signal; work in flight was abandoned and still runs on the server."
			}
			line(ev.Time, pt.paint(ansiBold+ansiYellow, msg))
		}
		if t.rep.Result() != nil {
			fmt.Fprintln(t.w)
			writeSummary(t.w, pt, t.rep)
		}
	}
}

// percentMoved reports whether progress moved enough to print again: by 25
// points or more, or between known and unknown.
func percentMoved(prev, cur int) bool {
	if (prev < 0) != (cur < 0) {
		return true
	}
	d := cur - prev
	return d >= 25 || d <= -25
}

// Summary writes the outcome of an apply: what was done, what failed (with
// its error), what was skipped, what was not attempted and what is still
// running on the server (with session ids), then
// "Apply complete: N done, N failed, N not attempted.".
func Summary(w io.Writer, r *engine.Result) error {
	bw := bufio.NewWriter(w)
	writeSummary(bw, painter(false), resultReport(r))
	return bw.Flush()
}

// SummaryText is Summary with TextOptions, for coloured output on a terminal.
func SummaryText(w io.Writer, r *engine.Result, o TextOptions) error {
	bw := bufio.NewWriter(w)
	writeSummary(bw, painter(o.Color), resultReport(r))
	return bw.Flush()
}

// resultReport is the report of an apply known only by its result.
func resultReport(r *engine.Result) *Report {
	rep := NewReport(time.Time{})
	rep.Observe(engine.ApplyDone{Result: r})
	return rep
}

// writeSummary writes the summary of the apply rep ended (its result).
func writeSummary(w io.Writer, pt painter, rep *Report) {
	section := func(o engine.Outcome, title, style string, detail func(engine.ItemResult) string) {
		items := rep.Outcome(o)
		if len(items) == 0 {
			return
		}
		fmt.Fprintln(w, pt.paint(ansiBold+style, fmt.Sprintf("%s (%d):", title, len(items))))
		for _, it := range items {
			s := "  " + it.Addr
			if it.Action != "" {
				s += " (" + it.Action + ")"
			}
			if d := detail(it); d != "" {
				s += ": " + d
			}
			fmt.Fprintln(w, s)
		}
	}
	section(engine.OutcomeDone, "Done", ansiGreen, func(it engine.ItemResult) string {
		return Duration(it.Duration)
	})
	section(engine.OutcomeFailed, "Failed", ansiRed, func(it engine.ItemResult) string {
		if it.Continued {
			return "(continued) " + it.Error
		}
		return it.Error
	})
	section(engine.OutcomeSkipped, "Skipped", ansiDim, func(it engine.ItemResult) string {
		return it.Error
	})
	section(engine.OutcomeNotAttempted, "Not attempted", ansiYellow, func(engine.ItemResult) string { return "" })
	section(engine.OutcomeRunning, "Still running on the server", ansiMagenta, func(it engine.ItemResult) string {
		if len(it.Running) == 0 {
			return it.Error
		}
		return strings.Join(it.Running, ", ")
	})
	known := map[engine.Outcome]bool{engine.OutcomeDone: true, engine.OutcomeFailed: true, engine.OutcomeSkipped: true,
		engine.OutcomeNotAttempted: true, engine.OutcomeRunning: true}
	for _, it := range rep.Result().Items {
		if !known[it.Outcome] {
			fmt.Fprintf(w, "  %s: %s\n", it.Addr, it.Outcome)
		}
	}
	fmt.Fprintln(w, pt.paint(ansiBold, "Apply complete: "+CountLine(rep.Tally())+"."))
}

// JSONObserver returns an observer that writes one JSON object per event
// and line, for log collectors: {"type":"resource_started","time":...}.
// Types are the event type names in snake_case (apply_started,
// resource_started, step_started, progress, resource_done, step_skipped,
// step_done, log_line, warning); ApplyDone is written as the final "summary" object
// carrying the Result, with the counts and outcome of the Report it feeds.
// Errors are strings. It is safe for concurrent use.
func JSONObserver(w io.Writer) engine.Observer {
	return &jsonObserver{w: w, rep: NewReport(time.Time{})}
}

type jsonObserver struct {
	mu  sync.Mutex
	w   io.Writer
	rep *Report // the apply so far, for its summary
}

// jsonEvent is one line of the event stream; see FORMAT.md.
type jsonEvent struct {
	Type          string     `json:"type"`
	Time          *time.Time `json:"time,omitempty"`
	FormatVersion string     `json:"format_version,omitempty"`
	Playbook      string     `json:"playbook,omitempty"`
	Changes       *int       `json:"changes,omitempty"`
	Steps         *int       `json:"steps,omitempty"`
	Address       string     `json:"address,omitempty"`
	Action        string     `json:"action,omitempty"`
	Step          string     `json:"step,omitempty"`
	Item          string     `json:"item,omitempty"`
	Owner         string     `json:"owner,omitempty"`
	Kind          string     `json:"kind,omitempty"`
	ID            string     `json:"id,omitempty"`
	Name          string     `json:"name,omitempty"`
	State         string     `json:"state,omitempty"`
	Percent       *int       `json:"percent,omitempty"`
	Message       string     `json:"message,omitempty"`
	Level         string     `json:"level,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	DurationNS    *int64     `json:"duration_ns,omitempty"`
	Error         string     `json:"error,omitempty"`
	Ignored       bool       `json:"ignored,omitempty"`
	Interrupted   *bool      `json:"interrupted,omitempty"`
	// OK (summary) is true when the apply succeeded: nothing failed except
	// what the playbook allowed (continue_on_error), nothing interrupted.
	OK *bool `json:"ok,omitempty"`
	// StillRunning (summary) lists work left running on the server:
	// "ADDRESS: KIND ID".
	StillRunning []string `json:"still_running,omitempty"`
	// Counts (summary) counts the result's items by outcome.
	Counts *engine.Counts `json:"counts,omitempty"`
	Result *engine.Result `json:"result,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Observe feeds the event to the report and writes its JSON line.
func (j *jsonObserver) Observe(e engine.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rep.Observe(e)
	var ev jsonEvent
	switch x := e.(type) {
	case engine.ApplyStarted:
		ev = jsonEvent{Type: "apply_started", Time: timePtr(x.Time), FormatVersion: engine.FormatVersion,
			Playbook: x.Playbook, Changes: ptr(x.Changes), Steps: ptr(x.Steps)}
	case engine.ResourceStarted:
		ev = jsonEvent{Type: "resource_started", Time: timePtr(x.Time), Address: x.Addr.String(), Action: ActionWord(x.Action)}
	case engine.StepStarted:
		ev = jsonEvent{Type: "step_started", Time: timePtr(x.Time), Step: x.StepID, Action: x.Action, Item: x.Item}
	case engine.Progress:
		ev = jsonEvent{Type: "progress", Time: timePtr(x.Time), Owner: x.Owner, Kind: x.Kind, ID: x.ID, Name: x.Name,
			State: x.State, Percent: ptr(x.Percent), Message: x.Message}
	case engine.ResourceDone:
		ev = jsonEvent{Type: "resource_done", Time: timePtr(x.Time), Address: x.Addr.String(), Action: ActionWord(x.Action),
			DurationNS: ptr(int64(x.Duration)), Error: errString(x.Err)}
	case engine.StepSkipped:
		ev = jsonEvent{Type: "step_skipped", Time: timePtr(x.Time), Step: x.StepID, Reason: x.Reason}
	case engine.StepDone:
		ev = jsonEvent{Type: "step_done", Time: timePtr(x.Time), Step: x.StepID, Item: x.Item,
			DurationNS: ptr(int64(x.Duration)), Error: errString(x.Err), Ignored: x.Ignored}
	case engine.LogLine:
		ev = jsonEvent{Type: "log_line", Time: timePtr(x.Time), Level: x.Level, Message: x.Message}
	case engine.Warning:
		ev = jsonEvent{Type: "warning", Time: timePtr(x.Time), Message: x.Message}
	case engine.ApplyDone:
		rep := j.rep
		ev = jsonEvent{Type: "summary", Time: timePtr(x.Time), Interrupted: ptr(rep.Interrupted()), Result: rep.ExactResult()}
		if rep.Result() != nil {
			ev.OK = ptr(rep.OK())
			ev.StillRunning = rep.StillRunning()
			ev.Counts = ptr(rep.Tally())
		}
	default:
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		// Every field is a plain value; a failure here is a broken
		// invariant, reported in the stream rather than dropped.
		b = []byte(fmt.Sprintf(`{"type":"error","error":%s}`, quote(err.Error())))
	}
	j.w.Write(append(b, '\n')) //nolint:errcheck // an observer cannot report write errors
}
