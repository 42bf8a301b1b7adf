package engine

import (
	"context"
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
