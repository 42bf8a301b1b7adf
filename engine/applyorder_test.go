package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestApplyOrderDeleteDependency: a dependency being deleted waits for its
// dependent, whatever the dependent does. The dependent used to wait for
// the dependency too when it was not itself deleted (updated, or absent
// and already gone), and apply hung.
func TestApplyOrderDeleteDependency(t *testing.T) {
	t.Parallel()
	body := func(userState, userPath string) string {
		return `
resources:
  - kind: vbr.thing
    target: vbr
    name: thing-base
    state: absent
  - kind: vbr.thing
    target: vbr
    name: thing-user
    state: ` + userState + `
    depends_on: [vbr.thing/thing-base]
    spec: { path: ` + userPath + ` }
`
	}
	tests := map[string]struct {
		userState, userPath string
		userExists          bool
		want                []string // writes, in order
	}{
		"dependent already gone": {userState: "absent", userPath: "/u", want: []string{"delete thing-base"}},
		"dependent updated":      {userState: "present", userPath: "/new", userExists: true, want: []string{"update thing-user", "delete thing-base"}},
		"dependent unchanged":    {userState: "present", userPath: "/u", userExists: true, want: []string{"delete thing-base"}},
		"both deleted":           {userState: "absent", userPath: "/u", userExists: true, want: []string{"delete thing-user", "delete thing-base"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.put("thing-base", map[string]any{"path": "/b"})
			if tc.userExists {
				s.put("thing-user", map[string]any{"path": "/u"})
			}
			e := fakeEngine(t, s)
			pb := load(t, s, body(tc.userState, tc.userPath))
			p := mustPlan(t, e, pb)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := e.Apply(ctx, pb, p, ApplyOptions{Parallelism: 4}, nil)
				done <- err
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
			case <-ctx.Done():
				t.Fatal("Apply did not finish: resources wait for each other")
			}
			if diff := cmp.Diff(tc.want, s.writes()); diff != "" {
				t.Errorf("writes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestApplyReleaseFreesSlot: a create that says its server work has ended
// (steps.Env.Release) frees its parallelism slot while it reads back, so
// the next create starts at once. The slot used to be held until the
// create returned.
func TestApplyReleaseFreesSlot(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.creating, s.readBack = make(chan string, 2), make(chan struct{})
	e := fakeEngine(t, s)
	pb := load(t, s, `
resources:
  - { kind: vbr.thing, target: vbr, name: thing-a, spec: { path: /a } }
  - { kind: vbr.thing, target: vbr, name: thing-b, spec: { path: /b } }
`)
	p := mustPlan(t, e, pb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.Apply(ctx, pb, p, ApplyOptions{Parallelism: 1}, nil)
		done <- err
	}()
	var started []string
	for range 2 {
		select {
		case name := <-s.creating:
			started = append(started, name)
		case <-ctx.Done():
			t.Fatalf("only %v started with parallelism 1 while the first read back: the slot was not freed", started)
		}
	}
	close(s.readBack) // both read back now
	if err := <-done; err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if diff := cmp.Diff([]string{"create thing-a", "create thing-b"}, s.writes(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

// TestStepParallelBoundWithRetries: an iteration that may run its action
// again (retries) keeps its slot between attempts; only one that will not
// frees it early (before its journal and events).
func TestStepParallelBoundWithRetries(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.slow = make(chan struct{})
	s.started = make(chan struct{}, 8)
	s.pokeErr = []error{errors.New("boom")}
	e := fakeEngine(t, s)
	pb := load(t, s, `
steps:
  - id: fan
    action: vbr.thing.poke
    target: vbr
    for_each: [a, b, c]
    parallel: 2
    retries: { count: 1, delay: 1ms }
    with: { what: "${{ each }}" }
`)
	p := mustPlan(t, e, pb)
	done := make(chan error, 1)
	go func() {
		_, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil)
		done <- err
	}()
	wait := func() {
		select {
		case <-s.started:
		case <-time.After(5 * time.Second):
			t.Fatal("pokes stalled")
		}
	}
	retried := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		n := map[string]int{}
		for _, c := range s.calls {
			n[c]++
			if strings.HasPrefix(c, "poke ") && n[c] == 2 {
				return true
			}
		}
		return false
	}
	wait()
	wait()
	// The first poke to finish fails; until its retry has started nothing
	// else is released, so a third item started meanwhile (its slot freed
	// between attempts) would be in flight with both.
	s.slow <- struct{}{}
	for range 3 {
		if retried() {
			break
		}
		wait()
	}
	if !retried() {
		t.Fatal("the failed poke was not retried")
	}
	for range 3 { // the other first poke, the retry and the third item
		s.slow <- struct{}{}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.pokes != 4 || s.peak != 2 {
		t.Errorf("pokes = %d, peak in flight = %d; want 4 and 2", s.pokes, s.peak)
	}
}
