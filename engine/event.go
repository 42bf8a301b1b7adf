package engine

import "time"

// Event is one transition during apply. It is a closed set: consumers
// type-switch over the types in this file.
type Event interface{ event() }

// Observer receives apply events. It is called from several goroutines and
// must not block for long.
type Observer interface{ Observe(Event) }

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// NopObserver discards every event.
var NopObserver Observer = ObserverFunc(func(Event) {})

// ApplyStarted opens the stream.
type ApplyStarted struct {
	Time     time.Time
	Playbook string
	Changes  int // resource changes to apply
	Steps    int // steps to run
	// Pending names the work apply will start, in plan order: resource
	// addresses (Addr.String()) and "step.ID", for progress displays.
	Pending []string
}

// ResourceStarted says apply began work on a resource.
type ResourceStarted struct {
	Time   time.Time
	Addr   Addr
	Action Action
}

// StepStarted says a step (or one iteration of its loop) began.
type StepStarted struct {
	Time   time.Time
	StepID string
	Action string
	Item   string // the loop item's display form, "" outside loops
}

// Progress is an observation of a Veeam session, EM task or VSPC async
// action that a resource or step is waiting on.
type Progress struct {
	Time    time.Time
	Owner   string // Addr.String() or step id
	Kind    string // session, task, async_action, watch
	ID      string // session/task/action id
	Name    string // session name or task operation
	State   string
	Percent int // -1 when unknown
	Message string
}

// ResourceDone says a resource finished, successfully or not.
type ResourceDone struct {
	Time     time.Time
	Addr     Addr
	Action   Action
	Duration time.Duration
	Err      error // nil on success; its message carries the server's words
}

// StepSkipped says a step did not run and why.
type StepSkipped struct {
	Time   time.Time
	StepID string
	Reason string
}

// StepDone says a step (or one iteration) finished.
type StepDone struct {
	Time     time.Time
	StepID   string
	Item     string
	Duration time.Duration
	Err      error
	Ignored  bool // failed, but continue_on_error was set
}

// LogLine is a message from the `log` action or a warning from the engine.
type LogLine struct {
	Time    time.Time
	Level   string // info, warn
	Message string
}

// Warning is a problem that does not stop the run: an insecure TLS
// setting, a plain HTTP target, a stale apply lock taken over. Unlike the
// other events it may come outside apply (while locking, connecting and
// planning), so every view shows it: text on stderr, a "warning" object
// in -o json, a line in the terminal UI.
type Warning struct {
	Time    time.Time
	Message string
}

// ApplyDone closes the stream with the outcome.
type ApplyDone struct {
	Time        time.Time
	Result      *Result
	Interrupted bool
}

func (ApplyStarted) event()    {}
func (ResourceStarted) event() {}
func (StepStarted) event()     {}
func (Progress) event()        {}
func (ResourceDone) event()    {}
func (StepSkipped) event()     {}
func (StepDone) event()        {}
func (LogLine) event()         {}
func (Warning) event()         {}
func (ApplyDone) event()       {}

// Outcome is what happened to one planned item.
type Outcome string

// Outcomes listed in the apply summary.
const (
	OutcomeDone         Outcome = "done"
	OutcomeFailed       Outcome = "failed"
	OutcomeNotAttempted Outcome = "not_attempted"
	OutcomeSkipped      Outcome = "skipped"
	OutcomeRunning      Outcome = "still_running" // left running on the server (interrupted)
)

// ItemResult is the outcome of one resource change, step, or iteration of
// a step's loop.
type ItemResult struct {
	Addr    string  `json:"address"` // Addr.String(), "step.<id>" or "step.<id>[<item>]"
	Action  string  `json:"action"`
	Outcome Outcome `json:"outcome"`
	// Continued marks a failure the playbook allowed (continue_on_error):
	// counted as failed, but it does not fail the apply.
	Continued bool   `json:"continued,omitempty"`
	Error     string `json:"error,omitempty"`
	// Running lists server-side work left running (session ids) when
	// interrupted.
	Running  []string      `json:"running,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Result is the summary of an apply.
type Result struct {
	Items    []ItemResult  `json:"items"`
	Duration time.Duration `json:"duration_ns"`
	// Stats counts requests per "METHOD path-template", when --stats asked.
	Stats map[string]int `json:"stats,omitempty"`
}

// Counts counts the items of a Result by outcome. FailedContinued counts
// the failures the playbook allowed with continue_on_error; Failed counts
// the others.
type Counts struct {
	Done            int `json:"done"`
	Failed          int `json:"failed"`
	FailedContinued int `json:"failed_continued"`
	NotAttempted    int `json:"not_attempted"`
	Skipped         int `json:"skipped"`
	StillRunning    int `json:"still_running"`
}

// Count counts items by outcome.
func Count(items []ItemResult) Counts {
	var c Counts
	for _, it := range items {
		switch it.Outcome {
		case OutcomeDone:
			c.Done++
		case OutcomeFailed:
			if it.Continued {
				c.FailedContinued++
			} else {
				c.Failed++
			}
		case OutcomeNotAttempted:
			c.NotAttempted++
		case OutcomeSkipped:
			c.Skipped++
		case OutcomeRunning:
			c.StillRunning++
		}
	}
	return c
}

// Failed reports whether any item failed in a way the playbook did not
// allow (continue_on_error failures do not count).
func (r *Result) Failed() bool {
	for _, it := range r.Items {
		if it.Outcome == OutcomeFailed && !it.Continued {
			return true
		}
	}
	return false
}

// StillRunning lists the server-side work left running, as
// "ADDRESS: KIND ID", in item order.
func (r *Result) StillRunning() []string {
	var out []string
	for _, it := range r.Items {
		for _, w := range it.Running {
			out = append(out, it.Addr+": "+w)
		}
	}
	return out
}
