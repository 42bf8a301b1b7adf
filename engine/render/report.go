package render

import (
	"strings"
	"time"

	"github.com/vplay-dev/vplay/engine"
)

// Report is an apply folded from its events: the work announced, every
// resource and step iteration with its state, latest Veeam session,
// duration and error, the recent log lines and warnings, and the result.
// It is the one accumulator of an apply's report: the terminal UI draws
// it, and the text and JSON observers, which write each event as it comes,
// feed one and take the apply's summary from it (its outcomes, counts and
// what is left running). Servers' words are cleaned of control characters
// as they are folded in; the result is also kept exactly as the engine
// gave it, for the JSON stream. A Report is not safe for concurrent use:
// its owner feeds and reads it from one goroutine.
type Report struct {
	playbook    string
	start, end  time.Time
	total       int      // changes + steps announced by ApplyStarted
	pending     []string // what ApplyStarted said apply will work on
	items       map[string]*ReportItem
	order       []string // item keys in the order they appear
	finished    []string // item keys in the order they finished
	seen        map[string]bool
	logs        []engine.LogLine
	result      *engine.Result // cleaned
	exact       *engine.Result // as ApplyDone carried it
	byOutcome   map[engine.Outcome][]engine.ItemResult
	done        bool
	interrupted bool
}

// ItemState is where one resource or step iteration is.
type ItemState int

// Item states.
const (
	ItemRunning ItemState = iota
	ItemDone
	ItemFailed
	ItemIgnored // failed under continue_on_error
	ItemSkipped
)

// ReportItem is one resource change or step iteration of a Report.
type ReportItem struct {
	Key      string
	Label    string // address, or StepLabel
	Marker   string // action symbol, "»" for steps
	Owner    string // the Progress.Owner that feeds it
	State    ItemState
	Started  time.Time
	Duration time.Duration
	// The latest observation of the Veeam session, task or action it
	// waits on.
	SessionKind, SessionID, SessionName, SessionState string
	Percent                                           int // -1 unknown
	Message                                           string
	Err                                               string
	Reason                                            string // why skipped
}

// MaxReportLogs is how many log lines and warnings a Report keeps.
const MaxReportLogs = 3

// NewReport returns an empty report of an apply starting at start (the
// ApplyStarted event's time replaces it when set).
func NewReport(start time.Time) *Report {
	return &Report{start: start, items: map[string]*ReportItem{}, seen: map[string]bool{}}
}

// Observe folds one event into the report.
func (r *Report) Observe(e engine.Event) {
	if d, ok := e.(engine.ApplyDone); ok {
		r.exact = d.Result
	}
	switch e := CleanEvent(e).(type) {
	case engine.ApplyStarted:
		r.playbook = e.Playbook
		r.total = e.Changes + e.Steps
		r.pending = e.Pending
		if !e.Time.IsZero() {
			r.start = e.Time
		}
	case engine.ResourceStarted:
		k := e.Addr.String()
		r.seen[k] = true
		it := r.item(k, k, string(e.Action), k)
		it.State, it.Started = ItemRunning, e.Time
	case engine.StepStarted:
		r.seen["step."+e.StepID] = true
		it := r.item(stepKey(e.StepID, e.Item), StepLabel(e.StepID, e.Item), "»", e.StepID)
		it.State, it.Started = ItemRunning, e.Time
	case engine.Progress:
		it := r.owner(e.Owner)
		if it == nil {
			return
		}
		it.SessionKind, it.SessionID, it.SessionName = e.Kind, e.ID, e.Name
		it.SessionState, it.Percent, it.Message = e.State, e.Percent, e.Message
	case engine.ResourceDone:
		k := e.Addr.String()
		r.seen[k] = true
		r.finish(r.item(k, k, string(e.Action), k), e.Duration, e.Err, false)
	case engine.StepDone:
		r.seen["step."+e.StepID] = true
		r.finish(r.item(stepKey(e.StepID, e.Item), StepLabel(e.StepID, e.Item), "»", e.StepID), e.Duration, e.Err, e.Ignored)
	case engine.StepSkipped:
		r.seen["step."+e.StepID] = true
		it := r.item(stepKey(e.StepID, ""), StepLabel(e.StepID, ""), "»", e.StepID)
		it.State, it.Reason = ItemSkipped, e.Reason
		r.finished = append(r.finished, it.Key)
	case engine.LogLine:
		r.log(e)
	case engine.Warning:
		r.log(engine.LogLine{Time: e.Time, Level: "warn", Message: "warning: " + e.Message})
	case engine.ApplyDone:
		r.done, r.result, r.interrupted = true, e.Result, e.Interrupted
		r.byOutcome = map[engine.Outcome][]engine.ItemResult{}
		if e.Result != nil {
			for _, it := range e.Result.Items {
				r.byOutcome[it.Outcome] = append(r.byOutcome[it.Outcome], it)
			}
		}
		r.end = e.Time
		if r.end.IsZero() && e.Result != nil {
			r.end = r.start.Add(e.Result.Duration)
		}
	}
}

func (r *Report) log(l engine.LogLine) {
	r.logs = append(r.logs, l)
	if len(r.logs) > MaxReportLogs {
		r.logs = r.logs[len(r.logs)-MaxReportLogs:]
	}
}

func stepKey(id, it string) string { return "step." + id + "\x00" + it }

// item returns the item with key k, creating it on first sight.
func (r *Report) item(k, label, marker, owner string) *ReportItem {
	if it, ok := r.items[k]; ok {
		return it
	}
	it := &ReportItem{Key: k, Label: label, Marker: marker, Owner: owner, Percent: -1}
	r.items[k] = it
	r.order = append(r.order, k)
	return it
}

// owner finds the running item a Progress event belongs to: the resource
// with that address, or the latest running iteration of that step.
func (r *Report) owner(owner string) *ReportItem {
	if it, ok := r.items[owner]; ok {
		return it
	}
	for i := len(r.order) - 1; i >= 0; i-- {
		it := r.items[r.order[i]]
		if it.Owner == owner && it.State == ItemRunning {
			return it
		}
	}
	return nil
}

func (r *Report) finish(it *ReportItem, d time.Duration, err error, ignored bool) {
	it.Duration = d
	switch {
	case err == nil:
		it.State = ItemDone
	case ignored:
		it.State, it.Err = ItemIgnored, err.Error()
	default:
		it.State, it.Err = ItemFailed, err.Error()
	}
	r.finished = append(r.finished, it.Key)
}

// Playbook is the playbook ApplyStarted named.
func (r *Report) Playbook() string { return r.playbook }

// Start is when the apply started.
func (r *Report) Start() time.Time { return r.start }

// End is when the apply ended (ApplyDone), zero before.
func (r *Report) End() time.Time { return r.end }

// Done reports whether ApplyDone was observed.
func (r *Report) Done() bool { return r.done }

// Interrupted reports whether ApplyDone said the apply was interrupted.
func (r *Report) Interrupted() bool { return r.interrupted }

// Result is the apply's result from ApplyDone, nil before it.
func (r *Report) Result() *engine.Result { return r.result }

// ExactResult is the result as ApplyDone carried it, its servers' words
// not cleaned: for machine-readable output, which escapes them.
func (r *Report) ExactResult() *engine.Result { return r.exact }

// Outcome lists the result's items with outcome o, in result order; none
// before ApplyDone.
func (r *Report) Outcome(o engine.Outcome) []engine.ItemResult { return r.byOutcome[o] }

// Tally counts the result's items by outcome; zero before ApplyDone.
func (r *Report) Tally() engine.Counts {
	if r.result == nil {
		return engine.Counts{}
	}
	return engine.Count(r.result.Items)
}

// OK reports whether the apply ended and succeeded: not interrupted, and
// nothing failed except what the playbook allowed (continue_on_error).
func (r *Report) OK() bool { return r.result != nil && !r.interrupted && !r.result.Failed() }

// StillRunning lists the work the result left running on the server, as
// "ADDRESS: KIND ID" exactly as the engine reported it; none before
// ApplyDone.
func (r *Report) StillRunning() []string {
	if r.exact == nil {
		return nil
	}
	return r.exact.StillRunning()
}

// Logs are the latest log lines and warnings, oldest first.
func (r *Report) Logs() []engine.LogLine { return r.logs }

// Finished lists the items that ended (done, failed, skipped), in the
// order they ended.
func (r *Report) Finished() []*ReportItem {
	return r.list(r.finished, func(*ReportItem) bool { return true })
}

// Running lists the items still running, in the order they started.
func (r *Report) Running() []*ReportItem {
	return r.list(r.order, func(it *ReportItem) bool { return it.State == ItemRunning })
}

func (r *Report) list(keys []string, keep func(*ReportItem) bool) []*ReportItem {
	var out []*ReportItem
	for _, k := range keys {
		if it := r.items[k]; keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// Counts returns how many items are done, failed, running and pending.
// Failures allowed by continue_on_error are in neither done nor failed:
// see Continued. A loop step counts once towards pending.
func (r *Report) Counts() (done, failed, running, pending int) {
	for _, k := range r.order {
		switch r.items[k].State {
		case ItemDone:
			done++
		case ItemFailed:
			failed++
		case ItemRunning:
			running++
		}
	}
	pending = max(0, r.total-len(r.seen))
	if r.done {
		pending = 0
	}
	return done, failed, running, pending
}

// Continued returns how many items failed under continue_on_error.
func (r *Report) Continued() int {
	n := 0
	for _, k := range r.order {
		if r.items[k].State == ItemIgnored {
			n++
		}
	}
	return n
}

// PendingNames lists the work announced but not started yet, in order
// (steps by id).
func (r *Report) PendingNames() []string {
	if r.done {
		return nil
	}
	var names []string
	for _, n := range r.pending {
		if !r.seen[n] {
			names = append(names, strings.TrimPrefix(n, "step."))
		}
	}
	return names
}

// RunningSessions lists the work still running: one line per running item
// with its Veeam session, task or action id, for what an interrupted view
// leaves on the screen.
func (r *Report) RunningSessions() []string {
	var out []string
	for _, it := range r.Running() {
		line := it.Label
		switch {
		case it.SessionID != "":
			line += ": " + it.SessionKind + " " + it.SessionID
			if it.SessionName != "" {
				line += " (" + it.SessionName + ")"
			}
		default:
			line += ": no session reported yet"
		}
		out = append(out, line)
	}
	return out
}
