package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
)

// TestReportSummary checks the apply summary the text and JSON observers
// take from the Report: outcomes grouped in result order, their counts,
// success, and the work left running, exact for the JSON stream while the
// result shown to people is cleaned.
func TestReportSummary(t *testing.T) {
	t.Parallel()
	rep := NewReport(t0)
	if rep.OK() || rep.Tally() != (engine.Counts{}) || rep.StillRunning() != nil || rep.Outcome(engine.OutcomeDone) != nil {
		t.Fatal("a report before ApplyDone has a summary")
	}
	for _, e := range failedRun() {
		rep.Observe(e)
	}
	if got, want := rep.Tally(), (engine.Counts{Done: 1, Failed: 1, NotAttempted: 2, Skipped: 1}); got != want {
		t.Errorf("Tally = %+v, want %+v", got, want)
	}
	var notAttempted []string
	for _, it := range rep.Outcome(engine.OutcomeNotAttempted) {
		notAttempted = append(notAttempted, it.Addr)
	}
	if diff := cmp.Diff([]string{jobNew.String(), "step.retry"}, notAttempted); diff != "" {
		t.Errorf("not attempted (-want +got):\n%s", diff)
	}
	if rep.OK() {
		t.Error("OK after a failure")
	}

	rep = NewReport(t0)
	for _, e := range interruptedRun() {
		rep.Observe(e)
	}
	if rep.OK() || !rep.Interrupted() {
		t.Errorf("interrupted run: OK %v, Interrupted %v", rep.OK(), rep.Interrupted())
	}
	if diff := cmp.Diff([]string{"step.retry: s-11"}, rep.StillRunning()); diff != "" {
		t.Errorf("StillRunning (-want +got):\n%s", diff)
	}

	const hostile = "s-\x1b[2J9"
	rep = NewReport(t0)
	rep.Observe(engine.ApplyDone{Result: &engine.Result{Items: []engine.ItemResult{
		{Addr: "step.x", Outcome: engine.OutcomeRunning, Running: []string{hostile}},
		{Addr: "step.y", Outcome: engine.OutcomeFailed, Continued: true, Error: "boom"},
	}}})
	if !rep.OK() {
		t.Error("not OK with only a continue_on_error failure")
	}
	if got := rep.StillRunning(); len(got) != 1 || got[0] != "step.x: "+hostile {
		t.Errorf("StillRunning = %q, want the exact session id", got)
	}
	if got := rep.Outcome(engine.OutcomeRunning)[0].Running[0]; got == hostile {
		t.Errorf("Outcome keeps control characters: %q", got)
	}
	if rep.ExactResult().Items[0].Running[0] != hostile {
		t.Error("ExactResult lost the exact text")
	}
}
