package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/veeam"
)

const fanBody = `
vars:
  items: [a, b, c, d]
steps:
  - id: fan
    action: vbr.thing.poke
    target: vbr
    for_each: "${{ vars.items }}"
    with: { what: "${{ each }}" }
`

func outcomes(res *Result) map[string]Outcome {
	out := map[string]Outcome{}
	for _, it := range res.Items {
		out[it.Addr] = it.Outcome
	}
	return out
}

func waitStarted(t *testing.T, s *fakeStore) {
	t.Helper()
	select {
	case <-s.started:
	case <-time.After(5 * time.Second):
		t.Fatal("poke never started")
	}
}

// TestStopWhileWaitingForSlot: an item waiting for its parallelism slot
// when the first interrupt arrives never starts (the check is made after
// the slot is acquired), and the summary says so.
func TestStopWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.slow, s.started = make(chan struct{}), make(chan struct{}, 4)
	e := fakeEngine(t, s)
	pb := load(t, s, fanBody+"    parallel: 1\n")
	p := mustPlan(t, e, pb)
	stop := make(chan struct{})
	done := make(chan *Result, 1)
	go func() {
		res, _ := e.Apply(context.Background(), pb, p, ApplyOptions{Stop: stop}, nil)
		done <- res
	}()
	waitStarted(t, s) // item a runs; item b waits for the slot
	close(stop)
	s.slow <- struct{}{}
	res := <-done
	want := map[string]Outcome{"step.fan[a]": OutcomeDone, "step.fan[b]": OutcomeNotAttempted,
		"step.fan[c]": OutcomeNotAttempted, "step.fan[d]": OutcomeNotAttempted}
	if diff := cmp.Diff(want, outcomes(res)); diff != "" || s.pokes != 1 {
		t.Errorf("after stop: %d pokes, outcomes -want +got:\n%s", s.pokes, diff)
	}
}

// TestDrainAbandons: after Stop, work in flight has ApplyOptions.Drain to
// finish; then it is abandoned (its context is cancelled) and apply
// returns. Abandon does the same at once. This is the interrupt
// policy the CLI used to implement itself.
func TestDrainAbandons(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]func(stop, abandon chan struct{}) ApplyOptions{
		"drain passes": func(stop, _ chan struct{}) ApplyOptions {
			return ApplyOptions{Stop: stop, Drain: time.Millisecond}
		},
		"abandon": func(_, abandon chan struct{}) ApplyOptions { return ApplyOptions{Abandon: abandon} },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.slow, s.started = make(chan struct{}), make(chan struct{}, 4)
			e := fakeEngine(t, s)
			pb := load(t, s, fanBody+"    parallel: 1\n")
			stop, abandon := make(chan struct{}), make(chan struct{})
			done := make(chan *Result, 1)
			go func() {
				res, err := e.Apply(context.Background(), pb, mustPlan(t, e, pb), opts(stop, abandon), nil)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Apply = %v, want context.Canceled (interrupted)", err)
				}
				done <- res
			}()
			waitStarted(t, s) // item a runs and never ends by itself
			close(stop)
			close(abandon)
			var res *Result
			select {
			case res = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("apply did not abandon work in flight")
			}
			// The fake poke tracks no session, so the abandoned item is a
			// failure rather than "still running" (that needs a session id).
			want := map[string]Outcome{"step.fan[a]": OutcomeFailed, "step.fan[b]": OutcomeNotAttempted,
				"step.fan[c]": OutcomeNotAttempted, "step.fan[d]": OutcomeNotAttempted}
			if diff := cmp.Diff(want, outcomes(res)); diff != "" {
				t.Errorf("outcomes -want +got:\n%s", diff)
			}
		})
	}
}

// TestHoldPausesLaunching: while the terminal asks whether to stop, no
// item starts; answering yes then starts none.
func TestHoldPausesLaunching(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.slow, s.started = make(chan struct{}), make(chan struct{}, 4)
	e := fakeEngine(t, s)
	pb := load(t, s, fanBody+"    parallel: 1\n")
	p := mustPlan(t, e, pb)
	stop := make(chan struct{})
	hold := &Hold{}
	done := make(chan *Result, 1)
	go func() {
		res, _ := e.Apply(context.Background(), pb, p, ApplyOptions{Stop: stop, Hold: hold}, nil)
		done <- res
	}()
	waitStarted(t, s)
	hold.Set(true)       // Ctrl-C: the question opens
	s.slow <- struct{}{} // item a ends while the question is open
	select {
	case <-s.started:
		t.Fatal("an item started while the question was open")
	case <-time.After(100 * time.Millisecond):
	}
	close(stop) // "y"
	hold.Set(false)
	res := <-done
	if s.pokes != 1 || res.Items[1].Outcome != OutcomeNotAttempted {
		t.Errorf("%d pokes, outcomes %v; want 1 and the rest not attempted", s.pokes, outcomes(res))
	}
}

// TestContinueOnErrorCounted: failures allowed by continue_on_error are
// counted as failed (continued), per loop item, and do not fail the apply;
// without continue_on_error they do.
func TestContinueOnErrorCounted(t *testing.T) {
	t.Parallel()
	boom := errors.New("server said no")
	for _, cont := range []bool{true, false} {
		s := newFakeStore()
		s.pokeErr = []error{nil, boom, nil, boom}
		e := fakeEngine(t, s)
		body := fanBody + "    parallel: 1\n"
		if cont {
			body += "    continue_on_error: true\n"
		}
		res, err := e.Apply(context.Background(), load(t, s, body), mustPlan(t, e, load(t, s, body)), ApplyOptions{}, nil)
		c := Count(res.Items)
		if cont {
			if err != nil || res.Failed() || c != (Counts{Done: 2, FailedContinued: 2}) {
				t.Errorf("continue_on_error: err %v, counts %+v; want success with 2 done, 2 failed (continued)", err, c)
			}
			continue
		}
		if err == nil || !res.Failed() || c.Failed != 2 || c.FailedContinued != 0 {
			t.Errorf("no continue_on_error: err %v, counts %+v; want failure with 2 failed", err, c)
		}
	}
}

const owedBody = `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: /a }
steps:
  - id: gate
    action: assert
    with: { that: "${{ vars.ok }}", message: not now }
  - id: rescan
    action: vbr.thing.poke
    target: vbr
    when: changed("vbr.thing")
    with: { what: rescan }
vars:
  ok: false
`

// TestOwedStepSurvivesFailedRun: the run that changes a resource fails
// before the step gated on changed() of it; the next run (a new engine,
// as a new process would be) plans the step as owed and runs it once,
// though nothing changed this time; the run after that owes nothing.
func TestOwedStepSurvivesFailedRun(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	if _, err := e.Apply(context.Background(), load(t, s, owedBody), mustPlan(t, e, load(t, s, owedBody)), ApplyOptions{}, nil); err == nil {
		t.Fatal("first apply succeeded, want the gate to fail")
	}
	if s.pokes != 0 {
		t.Fatalf("rescan ran %d times in the failed run", s.pokes)
	}
	e2 := New(e.cfg) // same journal directory, new process
	pb := load(t, s, strings.Replace(owedBody, "ok: false", "ok: true", 1))
	p := mustPlan(t, e2, pb)
	var rescan StepRun
	for _, sr := range p.Steps {
		if sr.ID == "rescan" {
			rescan = sr
		}
	}
	if rescan.Status != StepWillRun || !strings.Contains(rescan.Reason, "owed since") || !strings.Contains(rescan.Reason, "changed vbr.thing did not reach this step") {
		t.Fatalf("rescan planned as %+v, want will_run, owed", rescan)
	}
	if _, err := e2.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if s.pokes != 1 {
		t.Errorf("rescan ran %d times, want once", s.pokes)
	}
	if again := mustPlan(t, New(e.cfg), pb); again.HasChanges() {
		t.Errorf("plan after the owed step ran has changes: %+v", again.Steps)
	}
}

// TestStaleEntryNotAdopted: the second Ctrl-C leaves a journal entry; a
// later run against another server (same playbook and target name) must
// not adopt it as its own work: it is dropped with a note and the work is
// done for real.
func TestStaleEntryNotAdopted(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.hang = true
	e := fakeEngine(t, s)
	pb := load(t, s, "resources:\n  - { kind: vbr.thing, target: vbr, name: thing-a, spec: { path: /a } }\n")
	ctx, cancel := context.WithCancel(context.Background())
	obs := ObserverFunc(func(ev Event) {
		if p, ok := ev.(Progress); ok && p.ID == "session-thing-a" {
			cancel()
		}
	})
	if _, err := e.Apply(ctx, pb, mustPlan(t, e, pb), ApplyOptions{}, obs); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply = %v, want interrupted", err)
	}
	s.hang = false
	s.mu.Lock()
	delete(s.objs, "thing-a") // the other server has no such object
	s.mu.Unlock()
	cfg := e.cfg
	cfg.Env = map[string]string{"VBR_URL": "https://other.example:9419"}
	other := New(cfg)
	var notes []string
	_, err := other.Apply(context.Background(), pb, mustPlan(t, other, pb), ApplyOptions{}, ObserverFunc(func(ev Event) {
		if l, ok := ev.(LogLine); ok {
			notes = append(notes, l.Message)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.resumed) != 0 || strings.Count(strings.Join(s.writes(), ","), "create thing-a") != 2 {
		t.Errorf("resumed %v, writes %v; want no adoption and a real create", s.resumed, s.writes())
	}
	if !strings.Contains(strings.Join(notes, "\n"), "not adopted") {
		t.Errorf("no note about the dropped entry: %q", notes)
	}
}

// TestEntryKeptUntilOutcomeSeen: an await that ends without seeing its
// work end (polls that kept failing) keeps the journal entry, so the
// re-run waits for that work instead of sending the create again; an
// await that saw the work fail drops it.
func TestEntryKeptUntilOutcomeSeen(t *testing.T) {
	t.Parallel()
	pollFailed := &veeam.APIError{API: veeam.VBR, Method: "GET", Path: "/api/v1/sessions/session-thing-a", Status: 500, Message: "Internal error"}
	sessionFailed := &veeam.AsyncError{Kind: veeam.KindSession, ID: "session-thing-a", Result: "Failed", Message: "disk full"}
	for name, tc := range map[string]struct {
		err         error
		wantResumed int
	}{
		"polls failed: re-attach": {pollFailed, 1},
		"session failed: retry":   {sessionFailed, 0},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.afterTrack = tc.err
			e := fakeEngine(t, s)
			pb := load(t, s, "resources:\n  - { kind: vbr.thing, target: vbr, name: thing-a, spec: { path: /a } }\n")
			if _, err := e.Apply(context.Background(), pb, mustPlan(t, e, pb), ApplyOptions{}, nil); err == nil {
				t.Fatal("first apply succeeded")
			}
			s.afterTrack = nil
			if _, err := New(e.cfg).Apply(context.Background(), pb, mustPlan(t, New(e.cfg), pb), ApplyOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			creates := strings.Count(strings.Join(s.writes(), ","), "create thing-a")
			if len(s.resumed) != tc.wantResumed || creates != 2-tc.wantResumed {
				t.Errorf("resumed %v, %d creates; want %d resumed", s.resumed, creates, tc.wantResumed)
			}
		})
	}
}

// TestOwedByRestrictedApply: an apply narrowed with --target to the
// resource leaves the step out of the run, but the change still obliges
// it; and a debt of a step removed from the playbook is dropped.
func TestOwedByRestrictedApply(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	pb := load(t, s, strings.Replace(owedBody, "ok: false", "ok: true", 1))
	p, err := mustPlan(t, e, pb).Restrict([]string{"vbr/vbr.thing/thing-a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if s.pokes != 0 {
		t.Fatalf("the restricted apply ran the step")
	}
	owed := mustPlan(t, e, pb)
	if st := owed.Steps[1]; st.ID != "rescan" || st.Status != StepWillRun || !strings.Contains(st.Reason, "owed since") {
		t.Fatalf("rescan after the restricted apply: %+v, want owed", st)
	}
	// The step leaves the playbook: its debt goes with it.
	gone := load(t, s, "resources:\n  - { kind: vbr.thing, target: vbr, name: thing-a, spec: { path: /a } }\n")
	if _, err := e.Apply(context.Background(), gone, mustPlan(t, e, gone), ApplyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if again := mustPlan(t, e, pb); again.HasChanges() {
		t.Errorf("a debt outlived its step: %+v", again.Steps)
	}
}
