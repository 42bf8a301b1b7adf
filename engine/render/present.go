package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
)

// The presentation helpers every view shares (text, Markdown, the event
// stream and the terminal UI), so a source, a label, a duration or a risk
// flag reads the same wherever it is shown.

// Source is where the playbook declares a change or step, as
// file:line:col, or "" when unknown.
func Source(pos diag.Pos) string { return pos.String() }

func changeSource(c engine.Change) string { return Source(c.Pos) }

func stepSource(s engine.StepRun) string { return Source(s.Pos) }

// Duration rounds a duration for display: milliseconds under a second,
// tenths of a second under a minute, seconds above ("850ms", "6.2s",
// "1m5s").
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// ChangeFlag returns the risk word a change is flagged with ("destructive"
// for every delete, or the change's risk when it is destructive or
// disruptive), or "" for ordinary work.
func ChangeFlag(c engine.Change) string {
	switch {
	case c.Action == engine.NoOp || c.Action == engine.Drift:
		return ""
	case c.Risk == engine.RiskDestructive || c.Risk == engine.RiskDisruptive:
		return string(c.Risk)
	case c.Action == engine.Delete:
		return "destructive"
	}
	return ""
}

// StepFlag returns "destructive" or "disruptive" for a step that will or
// may run with that risk, or "".
func StepFlag(s engine.StepRun) string {
	if s.Status != engine.StepWillSkip && (s.Risk == engine.RiskDestructive || s.Risk == engine.RiskDisruptive) {
		return string(s.Risk)
	}
	return ""
}

// StepStatusText renders a step status as words: "will run", "skipped",
// "depends on apply".
func StepStatusText(s engine.StepStatus) string {
	switch s {
	case engine.StepWillRun:
		return "will run"
	case engine.StepWillSkip:
		return "skipped"
	case engine.StepDependsOn:
		return "depends on apply"
	}
	return string(s)
}

// StepLabel names one run of a step as every view shows it: "step.<id>",
// with "[item]" for an iteration of a for_each.
func StepLabel(id, item string) string {
	s := "step." + id
	if item != "" {
		s += "[" + item + "]"
	}
	return s
}

// Gerund is what a resource is undergoing while its change runs:
// creating, updating, deleting, or checking.
func Gerund(a engine.Action) string {
	switch a {
	case engine.Create:
		return "creating"
	case engine.Update:
		return "updating"
	case engine.Delete:
		return "deleting"
	}
	return "checking"
}

// PastTense is what a finished change did: created, updated, deleted, or
// done.
func PastTense(a engine.Action) string {
	switch a {
	case engine.Create:
		return "created"
	case engine.Update:
		return "updated"
	case engine.Delete:
		return "deleted"
	}
	return "done"
}

// CountLine is the summary's count line: "5 done, 2 failed (continued), 0
// not attempted". Failures the playbook allowed (continue_on_error) are
// counted apart from the others, never hidden; work left running on the
// server is counted when there is any.
func CountLine(c engine.Counts) string {
	parts := []string{fmt.Sprintf("%d done", c.Done)}
	if c.Failed > 0 || c.FailedContinued == 0 {
		parts = append(parts, fmt.Sprintf("%d failed", c.Failed))
	}
	if c.FailedContinued > 0 {
		parts = append(parts, fmt.Sprintf("%d failed (continued)", c.FailedContinued))
	}
	parts = append(parts, fmt.Sprintf("%d not attempted", c.NotAttempted))
	if c.StillRunning > 0 {
		parts = append(parts, fmt.Sprintf("%d still running on the server", c.StillRunning))
	}
	return strings.Join(parts, ", ")
}

// ProgressText describes the latest observation of a Veeam session, task
// or action: kind, "name", (id), state, percent and the server's message.
func ProgressText(ev engine.Progress) string {
	var sb strings.Builder
	sb.WriteString(ev.Kind)
	if ev.Name != "" {
		sb.WriteString(" " + quote(ev.Name))
	}
	if ev.ID != "" {
		sb.WriteString(" (" + ev.ID + ")")
	}
	if ev.State != "" {
		sb.WriteString(" " + ev.State)
	}
	if ev.Percent >= 0 {
		fmt.Fprintf(&sb, " %d%%", ev.Percent)
	}
	if ev.Message != "" {
		sb.WriteString(": " + ev.Message)
	}
	return sb.String()
}
