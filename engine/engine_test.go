package engine

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/steps"
)

const thingsBody = `
vars:
  names: [a, b]
  tasks: 4
resources:
  - kind: vbr.thing
    target: vbr
    for_each: "${{ vars.names }}"
    name: "thing-${{ each }}"
    spec:
      path: "/backups/${{ each }}"
      maxTaskCount: "${{ vars.tasks }}"
      nested: { keep: true }
`

func TestPlanApplyConverges(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-b", map[string]any{"path": "/backups/b", "maxTaskCount": 3.0, "nested": map[string]any{"keep": true, "serverDefault": 1}})
	s.put("thing-old", map[string]any{"path": "/x"})
	e := fakeEngine(t, s)
	pb := load(t, s, thingsBody+`
  - kind: vbr.thing
    target: vbr
    name: thing-old
    state: absent
`)
	p := mustPlan(t, e, pb)
	want := map[string]Action{"thing-a": Create, "thing-b": Update, "thing-old": Delete}
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	if got := p.Changes[1].Diff; len(got) != 1 || got[0].Path.String() != "maxTaskCount" {
		t.Errorf("update diff = %+v, want only maxTaskCount (server defaults and equal fields ignored)", got)
	}
	if w := s.writes(); len(w) != 0 {
		t.Fatalf("plan wrote to the server: %v", w)
	}
	res, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil)
	if err != nil {
		t.Fatalf("Apply: %v (%+v)", err, res)
	}
	againPB := load(t, s, thingsBody+`
  - kind: vbr.thing
    target: vbr
    name: thing-old
    state: absent
`)
	again := mustPlan(t, e, againPB)
	if again.HasChanges() {
		t.Fatalf("second plan has changes: %+v", again.Summary)
	}
}

func TestNumbersCompareByValue(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/backups/a", "maxTaskCount": 4.0, "nested": map[string]any{"keep": true}})
	s.put("thing-b", map[string]any{"path": "/backups/b", "maxTaskCount": 4, "nested": map[string]any{"keep": "true"}})
	pb := load(t, s, thingsBody)
	p := mustPlan(t, fakeEngine(t, s), pb)
	if p.HasChanges() {
		t.Fatalf("want no changes, got %+v", p.Changes)
	}
}

func TestPolicies(t *testing.T) {
	t.Parallel()
	body := func(policy, state string) string {
		return `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    policy: ` + policy + `
    state: ` + state + `
    spec: { path: /new }
`
	}
	tests := map[string]struct {
		policy, state string
		exists        bool
		want          Action
	}{
		"observe drift":        {"observe", "present", true, Drift},
		"observe missing":      {"observe", "present", false, Drift},
		"update_only create":   {"update_only", "present", false, NoOp},
		"update_only update":   {"update_only", "present", true, Update},
		"no_delete delete":     {"no_delete", "absent", true, NoOp},
		"manage delete":        {"manage", "absent", true, Delete},
		"expression no_delete": {`"${{ env.VBR_URL != '' ? 'no_delete' : 'manage' }}"`, "absent", true, NoOp},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			if tc.exists {
				s.put("thing-a", map[string]any{"path": "/old"})
			}
			e := fakeEngine(t, s)
			pb := load(t, s, body(tc.policy, tc.state))
			p := mustPlan(t, e, pb)
			if got := p.Changes[0].Action; got != tc.want {
				t.Fatalf("action = %v, want %v", got, tc.want)
			}
			if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if tc.want == NoOp || tc.want == Drift {
				if w := s.writes(); len(w) != 0 {
					t.Fatalf("policy %s wrote: %v", tc.policy, w)
				}
			}
		})
	}
}

func TestSecretsNeverInPlan(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/p", "password": "old-server-secret"})
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: /p, password: "${{ secret('REPO_PW') }}", note: "pw is ${{ secret('REPO_PW') }}" }
`)
	p := mustPlan(t, fakeEngine(t, s), pb)
	var buf bytes.Buffer
	if err := WritePlan(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"s3cr3t-REPO_PW", "s3cr3t-PW", "old-server-secret"} {
		if strings.Contains(buf.String(), leak) {
			t.Fatalf("plan JSON contains secret %q:\n%s", leak, buf.String())
		}
	}
	if !strings.Contains(buf.String(), Sensitive) {
		t.Fatalf("plan JSON does not mark sensitive fields:\n%s", buf.String())
	}
}

func TestStalePlanRefused(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/backups/a"})
	e := fakeEngine(t, s)
	pb := load(t, s, thingsBody)
	saved := mustPlan(t, e, pb)
	var buf bytes.Buffer
	if err := WritePlan(&buf, saved, nil); err != nil {
		t.Fatal(err)
	}
	read, err := ReadPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStale(read, mustPlan(t, e, pb)); err != nil {
		t.Fatalf("fresh plan reported stale: %v", err)
	}
	s.put("thing-a", map[string]any{"id": "id-1", "path": "/changed-by-someone"})
	err = CheckStale(read, mustPlan(t, e, pb))
	var stale *StalePlanError
	if !errors.As(err, &stale) {
		t.Fatalf("CheckStale = %v, want *StalePlanError", err)
	}
	if diff := cmp.Diff([]string{"vbr/vbr.thing/thing-a: changed on the server"}, stale.Changed); diff != "" {
		t.Errorf("Changed (-want +got):\n%s", diff)
	}
	// Apply takes a plan read from a file the way it takes a fresh one: it
	// re-derives live state and refuses the stale plan before any write.
	if _, err := e.Apply(context.Background(), pb, read, ApplyOptions{}, nil); !errors.As(err, &stale) {
		t.Errorf("Apply(stale read plan) = %v, want *StalePlanError", err)
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("a stale plan wrote %v", w)
	}
}

// TestSavedPlanApplies: a plan written, read back and applied by another
// engine (another process: nothing of the planning run is left) re-derives
// what it needs from the playbook and live state, runs only the work it
// lists (its restriction), and converges.
func TestSavedPlanApplies(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	pb := load(t, s, thingsBody)
	full := mustPlan(t, fakeEngine(t, s), pb)
	p, err := full.Restrict([]string{"vbr.thing.thing-b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Changes) != 2 || len(p.Changes) != 1 {
		t.Fatalf("Restrict changed its receiver or kept %d changes: %+v", len(p.Changes), p.Changes)
	}
	var buf bytes.Buffer
	if err := WritePlan(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	read, err := ReadPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fakeEngine(t, s).Apply(context.Background(), pb, read, ApplyOptions{}, nil)
	if err != nil {
		t.Fatalf("Apply(read plan) = %v", err)
	}
	if diff := cmp.Diff([]string{"create thing-b"}, s.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if len(res.Items) != 1 || res.Items[0].Addr != "vbr/vbr.thing/thing-b" {
		t.Errorf("result items = %+v, want thing-b only", res.Items)
	}
}

func TestStepsPlanAndApply(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	pb := load(t, s, thingsBody+`
steps:
  - id: first
    action: vbr.thing.poke
    target: vbr
    when: changed("vbr.thing")
    with: { what: one }
  - id: never
    action: vbr.thing.poke
    target: vbr
    when: vars.tasks > 100
    with: { what: never }
  - id: loop
    action: vbr.thing.poke
    target: vbr
    for_each: "${{ vars.names }}"
    with: { what: "${{ each }}" }
  - id: later
    action: log
    with: { message: "first poked ${{ steps.first.result.poked }}" }
  - id: check
    action: assert
    with: { that: "${{ vars.tasks == 4 }}", message: tasks must be 4 }
`)
	p := mustPlan(t, e, pb)
	got := map[string]StepStatus{}
	for _, st := range p.Steps {
		got[st.ID] = st.Status
	}
	want := map[string]StepStatus{"first": StepWillRun, "never": StepWillSkip, "loop": StepWillRun, "later": StepDependsOn, "check": StepWillRun}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("step statuses (-want +got):\n%s", diff)
	}
	if got := p.Steps[2].Items; !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("loop items = %v", got)
	}
	var logs []string
	obs := ObserverFunc(func(ev Event) {
		if l, ok := ev.(LogLine); ok {
			logs = append(logs, l.Message)
		}
	})
	if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{Parallelism: 1}, obs); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !cmp.Equal(logs, []string{"first poked one"}) {
		t.Errorf("log lines = %q", logs)
	}
}

func TestStepFailureModes(t *testing.T) {
	t.Parallel()
	boom := errors.New("server said no")
	tests := map[string]struct {
		step     string
		pokeErr  []error
		wantErr  bool
		wantPoke int
	}{
		"continue_on_error": {"continue_on_error: true", []error{boom}, false, 1},
		"retries recover":   {"retries: { count: 2, delay: 1ms }", []error{boom, boom}, false, 3},
		"retries exhausted": {"retries: { count: 1, delay: 1ms }", []error{boom, boom}, true, 2},
		"until polls":       {"until: steps.p.result.count >= 3\n    retries: { delay: 1ms }", nil, false, 3},
		"timeout":           {"timeout: 20ms\n    until: false\n    retries: { delay: 5ms }", nil, true, -1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.pokeErr = tc.pokeErr
			e := fakeEngine(t, s)
			pb := load(t, s, `
steps:
  - id: p
    action: vbr.thing.poke
    target: vbr
    with: { what: x }
    `+tc.step+`
  - id: after
    action: log
    with: { message: after }
`)
			p := mustPlan(t, e, pb)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := e.Apply(ctx, pb, p, ApplyOptions{}, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Apply err = %v, want error %v; items %+v", err, tc.wantErr, res.Items)
			}
			if tc.wantPoke >= 0 && s.pokes != tc.wantPoke {
				t.Errorf("pokes = %d, want %d", s.pokes, tc.wantPoke)
			}
			last := res.Items[len(res.Items)-1]
			if tc.wantErr && last.Outcome != OutcomeNotAttempted {
				t.Errorf("step after a failure: %+v, want not attempted", last)
			}
		})
	}
}

func TestPartialFailureStopsLaunching(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.fail["create thing-a"] = errors.New(`Repository "thing-a" already exists`)
	e := fakeEngine(t, s)
	pb := load(t, s, thingsBody+`
  - kind: vbr.thing
    target: vbr
    name: dependent
    spec: { ref: "${{ resources['vbr.thing']['thing-a'].id }}" }
steps:
  - id: p
    action: vbr.thing.poke
    target: vbr
    with: { what: x }
`)
	p := mustPlan(t, e, pb)
	res, err := e.Apply(context.Background(), pb, p, ApplyOptions{Parallelism: 1}, nil)
	if err == nil {
		t.Fatal("Apply succeeded, want failure")
	}
	outcomes := map[string]Outcome{}
	for _, it := range res.Items {
		outcomes[it.Addr] = it.Outcome
		if it.Addr == "vbr/vbr.thing/thing-a" && !strings.Contains(it.Error, `already exists`) {
			t.Errorf("failure lost the server message: %q", it.Error)
		}
	}
	if outcomes["vbr/vbr.thing/thing-a"] != OutcomeFailed || outcomes["vbr/vbr.thing/dependent"] != OutcomeNotAttempted || outcomes["step.p"] != OutcomeNotAttempted {
		t.Errorf("outcomes = %v", outcomes)
	}
}

func TestDependentSeesCreatedID(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	pb := load(t, s, thingsBody+`
  - kind: vbr.thing
    target: vbr
    name: dependent
    spec: { ref: "${{ resources['vbr.thing']['thing-a'].id }}" }
`)
	p := mustPlan(t, e, pb)
	for _, c := range p.Changes {
		if c.Addr.Name == "dependent" && c.After["ref"] != KnownAfterApply {
			t.Errorf("dependent ref at plan time = %v, want %q", c.After["ref"], KnownAfterApply)
		}
	}
	if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := s.objs["dependent"]["ref"], s.objs["thing-a"]["id"]; got != want {
		t.Errorf("dependent ref = %v, want the created id %v", got, want)
	}
	if again := mustPlan(t, e, pb); again.HasChanges() {
		t.Errorf("second plan has changes: %+v", again.Changes)
	}
}

func TestInterruptStopsLaunching(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	pb := load(t, s, thingsBody)
	p := mustPlan(t, e, pb)
	stop := make(chan struct{})
	close(stop)
	res, err := e.Apply(context.Background(), pb, p, ApplyOptions{Stop: stop}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply = %v, want interrupted", err)
	}
	for _, it := range res.Items {
		if it.Outcome != OutcomeNotAttempted {
			t.Errorf("%s: %s, want not attempted", it.Addr, it.Outcome)
		}
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("interrupted apply wrote %v", w)
	}
}

func TestJournalReattach(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.hang = true
	e := fakeEngine(t, s)
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-a
    spec: { path: /a }
`)
	ctx, cancel := context.WithCancel(context.Background())
	obs := ObserverFunc(func(ev Event) {
		if p, ok := ev.(Progress); ok && p.ID == "session-thing-a" {
			cancel() // the second SIGINT: abandon work in flight
		}
	})
	res, err := e.Apply(ctx, pb, mustPlan(t, e, pb), ApplyOptions{}, obs)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply = %v, want interrupted", err)
	}
	if it := res.Items[0]; it.Outcome != OutcomeRunning || !slices.Contains(it.Running, "session session-thing-a") {
		t.Errorf("item = %+v, want still running with its session id", it)
	}
	// The re-run waits for the journalled session instead of creating again.
	s.hang = false
	if _, err := e.Apply(context.Background(), pb, mustPlan(t, e, pb), ApplyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(s.resumed, []string{"session-thing-a"}) {
		t.Errorf("resumed = %v, want the journalled session", s.resumed)
	}
	if n := strings.Count(strings.Join(s.writes(), ","), "create thing-a"); n != 1 {
		t.Errorf("created %d times, want once", n)
	}
	// Once done, the journal is empty: a third run has nothing to resume.
	if again := mustPlan(t, e, pb); again.HasChanges() {
		t.Errorf("plan after re-attach has changes: %+v", again.Changes)
	}
}

func TestTokenSink(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	e := fakeEngine(t, s)
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    target: vbr
    name: tok
    spec: { token: "${{ secret('TOKEN') }}" }
steps:
  - id: show
    action: log
    with: { message: "token ${{ resources['vbr.thing']['tok'].token }}" }
`)
	p := mustPlan(t, e, pb)
	var logs []string
	obs := ObserverFunc(func(ev Event) {
		if l, ok := ev.(LogLine); ok {
			logs = append(logs, l.Message)
		}
	})
	if res, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, obs); err != nil {
		t.Fatal(err, res.Items)
	}
	if len(logs) != 1 || strings.Contains(logs[0], "s3cr3t") || !strings.Contains(logs[0], Sensitive) {
		t.Errorf("log = %q, want the token masked", logs)
	}
}

func TestMergeCounted(t *testing.T) {
	t.Parallel()
	got, ok := mergeCounted([]steps.Preview{
		{Summary: "restart 1 backup agent: web01", Items: []string{"web01"}},
		{Summary: "restart 1 backup agent: web02", Items: []string{"web02"}},
	})
	if !ok || got != "restart 2 backup agents: web01, web02" {
		t.Errorf("mergeCounted = %q, %v", got, ok)
	}
	got, ok = mergeCounted([]steps.Preview{{Summary: "install agent on 2 entities: a, b"}, {Summary: "install agent on 1 entity: c"}})
	if !ok || got != "install agent on 3 entities: a, b, c" {
		t.Errorf("mergeCounted = %q, %v", got, ok)
	}
	if _, ok := mergeCounted([]steps.Preview{{Summary: "poke a"}, {Summary: "poke b"}}); ok {
		t.Error("merged summaries without counts")
	}
}

func TestNormalizeNilSkipsField(t *testing.T) {
	t.Parallel()
	norm := func(path string, v any) any {
		if path == "createOnly" {
			return nil
		}
		return v
	}
	got := compareSpec(map[string]any{"createOnly": []any{"x"}, "a": 1}, map[string]any{"a": 1}, nil, nil, norm, nil)
	if len(got) != 0 {
		t.Errorf("diff = %+v, want none", got)
	}
}

func TestStepParallelBound(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.slow = make(chan struct{})
	s.started = make(chan struct{}, 6)
	e := fakeEngine(t, s)
	pb := load(t, s, `
vars:
  items: [a, b, c, d, e, f]
steps:
  - id: fan
    action: vbr.thing.poke
    target: vbr
    for_each: "${{ vars.items }}"
    parallel: 2
    with: { what: "${{ each }}" }
`)
	p := mustPlan(t, e, pb)
	done := make(chan error, 1)
	go func() {
		_, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil)
		done <- err
	}()
	// Two pokes start; each release lets exactly one more start, so the
	// peak shows whether the bound holds.
	wait := func() {
		select {
		case <-s.started:
		case <-time.After(5 * time.Second):
			t.Fatal("pokes stalled")
		}
	}
	wait()
	wait()
	for i := range 6 {
		s.slow <- struct{}{}
		if i < 4 {
			wait()
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.pokes != 6 || s.peak != 2 {
		t.Errorf("pokes = %d, peak in flight = %d; want 6 and 2", s.pokes, s.peak)
	}
}
