package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine/playbook"
)

// pruneBody declares thing-a and thing-b and owns every thing-* object.
const pruneBody = thingsBody + `
prune:
  - kind: vbr.thing
    names: ["thing-*"]
`

func changeOf(t *testing.T, p *Plan, name string) Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Addr.Name == name {
			return c
		}
	}
	t.Fatalf("no change for %q in %+v", name, p.Changes)
	return Change{}
}

func countCalls(s *fakeStore, call string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c == call {
			n++
		}
	}
	return n
}

func TestPruneDeletesUndeclaredAndConverges(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/backups/a", "maxTaskCount": 4, "nested": map[string]any{"keep": true}})
	s.put("thing-fra", map[string]any{"path": "/backups/fra"})
	s.put("other-x", map[string]any{"path": "/x"})
	e := fakeEngine(t, s)
	pb := load(t, s, pruneBody)
	p := mustPlan(t, e, pb)
	want := map[string]Action{"thing-a": NoOp, "thing-b": Create, "thing-fra": Delete}
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	c := changeOf(t, p, "thing-fra")
	sel := pb.Prune[0]
	wantReason := fmt.Sprintf("matched prune selector thing-* at line %d; declared by no resource", sel.Pos.Line)
	if c.Reason != wantReason || c.Risk != "destructive" || c.Pos != sel.Pos || c.ID == "" || c.Before == nil {
		t.Errorf("pruned change = %+v; want reason %q, risk destructive, source %s, the live id and document", c, wantReason, sel.Pos)
	}
	if !p.Destructive() || p.Summary.Delete != 1 {
		t.Errorf("plan Destructive() = %v, Summary %+v; want a destructive plan with 1 delete", p.Destructive(), p.Summary)
	}
	if n := countCalls(s, "list"); n != 1 {
		t.Errorf("plan listed the kind %d times, want once (the list resources and prune share)", n)
	}
	if w := s.writes(); len(w) != 0 {
		t.Fatalf("plan wrote: %v", w)
	}
	if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got, want := s.writes(), []string{"create thing-b", "delete thing-fra"}; !sameSet(got, want) {
		t.Errorf("apply wrote %v, want %v", got, want)
	}
	if _, ok := s.objs["other-x"]; !ok {
		t.Error("other-x, outside the selector, was deleted")
	}
	again := mustPlan(t, e, load(t, s, pruneBody))
	if again.HasChanges() || slices.ContainsFunc(again.Changes, func(c Change) bool { return c.Reason != "" }) {
		t.Fatalf("second plan is not empty: %+v", again.Changes)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestPruneWhereAndFirstSelectorWins(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("mine-1", map[string]any{"owner": "vplay"})
	s.put("mine-2", map[string]any{"owner": "vplay"})
	s.put("theirs", map[string]any{"owner": "ops"})
	e := fakeEngine(t, s)
	pb := load(t, s, `
prune:
  - kind: vbr.thing
    where: owner == "vplay" && name != "mine-2"
  - kind: vbr.thing
    names: ["mine-?"]
`)
	p := mustPlan(t, e, pb)
	want := map[string]Action{"mine-1": Delete, "mine-2": Delete}
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	first, second := pb.Prune[0], pb.Prune[1]
	if r := changeOf(t, p, "mine-1").Reason; !strings.HasPrefix(r, `matched prune selector where owner == "vplay" && name != "mine-2" at line `+fmt.Sprint(first.Pos.Line)) {
		t.Errorf("mine-1 reason = %q, want the first selector (its where)", r)
	}
	if r := changeOf(t, p, "mine-2").Reason; !strings.HasPrefix(r, fmt.Sprintf("matched prune selector mine-? at line %d", second.Pos.Line)) {
		t.Errorf("mine-2 reason = %q, want the second selector", r)
	}
}

func TestPruneMaxDeletesRefuses(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	for i := range 4 {
		s.put(fmt.Sprintf("tmp-%d", i), map[string]any{})
	}
	e := fakeEngine(t, s)
	body := `
prune:
  - kind: vbr.thing
    names: ["tmp-*"]
    max_deletes: %d
`
	pb := load(t, s, fmt.Sprintf(body, 3))
	_, err := e.Plan(context.Background(), pb)
	var le *PruneLimitError
	if !errors.As(err, &le) {
		t.Fatalf("Plan error = %v, want a *PruneLimitError", err)
	}
	want := &PruneLimitError{Pos: pb.Prune[0].Pos, Selector: "tmp-*", Target: "vbr", Kind: "vbr.thing", Limit: 3,
		Names: []string{"tmp-0", "tmp-1", "tmp-2", "tmp-3"}}
	if diff := cmp.Diff(want, le); diff != "" {
		t.Errorf("PruneLimitError (-want +got):\n%s", diff)
	}
	for _, part := range []string{"would delete 4 vbr.thing objects", "max_deletes (3)", "tmp-0, tmp-1, tmp-2, tmp-3", "set max_deletes: 4"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not say %q", err, part)
		}
	}
	if w := s.writes(); len(w) != 0 {
		t.Fatalf("a refused plan wrote: %v", w)
	}
	// At the limit, the plan goes through.
	p := mustPlan(t, e, load(t, s, fmt.Sprintf(body, 4)))
	if p.Summary.Delete != 4 {
		t.Errorf("Summary = %+v, want 4 deletes", p.Summary)
	}
}

func TestPruneMaxDeletesDefault(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	for i := range playbook.DefaultMaxDeletes + 1 {
		s.put(fmt.Sprintf("tmp-%02d", i), map[string]any{})
	}
	_, err := fakeEngine(t, s).Plan(context.Background(), load(t, s, `
prune:
  - kind: vbr.thing
    names: ["tmp-*"]
`))
	var le *PruneLimitError
	if !errors.As(err, &le) || le.Limit != playbook.DefaultMaxDeletes || len(le.Names) != playbook.DefaultMaxDeletes+1 {
		t.Fatalf("Plan error = %v, want a *PruneLimitError at the default limit %d", err, playbook.DefaultMaxDeletes)
	}
}

func TestPrunePolicy(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		resName              string // thing-a unless set
		resPolicy, selPolicy string
		want                 Action
		reason               string // a part of the reason
	}{
		"manage":                  {want: Delete},
		"resource no_delete":      {resPolicy: "no_delete", want: NoOp, reason: "; policy no_delete (of resource thing-a at line "},
		"resource update_only":    {resPolicy: "update_only", want: NoOp, reason: "; policy update_only (of resource thing-a at line "},
		"resource observe":        {resPolicy: "observe", want: Drift, reason: "; policy observe (of resource thing-a at line "},
		"selector no_delete":      {selPolicy: "no_delete", want: NoOp, reason: "; policy no_delete (of the prune selector at line "},
		"selector manage wins":    {resPolicy: "no_delete", selPolicy: "manage", want: Delete},
		"selector observe":        {selPolicy: "observe", want: Drift, reason: "would delete; apply never writes"},
		"resource policy as var":  {resPolicy: "${{ vars.policy }}", want: NoOp, reason: "; policy no_delete (of resource thing-a"},
		"resource outside names":  {resName: "other-a", resPolicy: "no_delete", want: Delete},
		"resource outside where":  {resName: "thing-z", resPolicy: "no_delete", selPolicy: "where", want: Delete},
		"resource inside where":   {resPolicy: "no_delete", selPolicy: "where", want: NoOp, reason: "; policy no_delete (of resource thing-a"},
		"not yet created, inside": {resName: "thing-new", resPolicy: "no_delete", selPolicy: "where", want: NoOp, reason: "(of resource thing-new"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeStore()
			s.put("thing-a", map[string]any{"path": "/a", "owner": "vplay"})
			s.put("thing-z", map[string]any{"path": "/z", "owner": "ops"})
			s.put("thing-old", map[string]any{"path": "/old", "owner": "vplay"})
			resName := "thing-a"
			if tt.resName != "" {
				resName = tt.resName
			}
			body := "\nvars: { policy: no_delete }\nresources:\n  - kind: vbr.thing\n    name: " + resName + "\n    spec: { path: /a }\n"
			if tt.resPolicy != "" {
				body += fmt.Sprintf("    policy: %q\n", tt.resPolicy)
			}
			body += "prune:\n  - kind: vbr.thing\n    names: [thing-*]\n"
			switch tt.selPolicy {
			case "":
			case "where":
				body += "    where: owner == \"vplay\"\n"
			default:
				body += "    policy: " + tt.selPolicy + "\n"
			}
			e := fakeEngine(t, s)
			pb := load(t, s, body)
			p := mustPlan(t, e, pb)
			c := changeOf(t, p, "thing-old")
			if c.Action != tt.want || !strings.HasPrefix(c.Reason, "matched prune selector thing-* ") || !strings.Contains(c.Reason, tt.reason) {
				t.Fatalf("thing-old: %s %q; want %s with a reason containing %q", c.Action, c.Reason, tt.want, tt.reason)
			}
			if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			_, kept := s.objs["thing-old"]
			if kept != (tt.want != Delete) {
				t.Errorf("after apply thing-old kept = %v, want %v (writes %v)", kept, tt.want != Delete, s.writes())
			}
		})
	}
}

func TestPruneRestrict(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/backups/a", "maxTaskCount": 4, "nested": map[string]any{"keep": true}})
	s.put("thing-old", map[string]any{})
	e := fakeEngine(t, s)
	p, err := mustPlan(t, e, load(t, s, pruneBody)).Restrict([]string{"vbr.thing/thing-b"})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(p); !maps1(got, "thing-b", Create) {
		t.Errorf("--target vbr.thing/thing-b kept %v, want only the create of thing-b", got)
	}
	pb := load(t, s, pruneBody)
	p, err = mustPlan(t, e, pb).Restrict([]string{"vbr.thing/thing-old"})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(p); !maps1(got, "thing-old", Delete) {
		t.Errorf("--target vbr.thing/thing-old kept %v, want only the pruned delete", got)
	}
	if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.writes(); !slices.Equal(got, []string{"delete thing-old"}) {
		t.Errorf("apply wrote %v, want only the delete of thing-old", got)
	}
}

func maps1(m map[string]Action, name string, a Action) bool { return len(m) == 1 && m[name] == a }

// TestPruneOrder checks that a pruned object is deleted after the changes
// of the declared resources that refer to its kind, and after the pruned
// objects of the kinds that refer to it; and that --target never pulls in
// such a delete as a dependency.
func TestPruneOrder(t *testing.T) {
	t.Parallel()
	res := func(kind string, dependsOn ...string) *playbook.Resource {
		return &playbook.Resource{Kind: kind, Target: "vbr", DependsOn: dependsOn}
	}
	rs := []*plannedResource{
		{res: res("vbr.sobr", "vbr/vbr.repo"), addr: Addr{"vbr", "vbr.sobr", "sobr-1"}, action: Update, policy: PolicyManage},
		{res: res("vbr.repo"), addr: Addr{"vbr", "vbr.repo", "repo-old"}, action: Delete, policy: PolicyManage, prune: "p"},
		{res: res("vbr.sobr"), addr: Addr{"vbr", "vbr.sobr", "sobr-old"}, action: Delete, policy: PolicyManage, prune: "p"},
		{res: res("vbr.repo"), addr: Addr{"vbr", "vbr.repo", "repo-a"}, action: NoOp, policy: PolicyManage},
	}
	pruneOrder(rs)
	got := applyOrder(rs)
	want := [][]int{nil, {0, 2}, nil, nil} // repo-old waits for sobr-1 (update) and sobr-old (delete)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("applyOrder after pruneOrder (-want +got):\n%s", diff)
	}
	if cyc := findCycle(rs); cyc != "" {
		t.Errorf("cycle %s", cyc)
	}
	p := &Plan{}
	for i, r := range rs {
		act, _ := r.effective()
		c := Change{Addr: r.addr, Action: act}
		for _, d := range got[i] {
			c.DependsOn = append(c.DependsOn, rs[d].addr.String())
		}
		p.Changes = append(p.Changes, c)
	}
	p, err := p.Restrict([]string{"vbr.sobr/sobr-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Addr.Name != "sobr-1" {
		t.Errorf("--target vbr.sobr/sobr-1 kept %+v, want only sobr-1 (the delete it orders before is not needed by it)", p.Changes)
	}
}

// TestPruneSavedPlanStale checks that a saved plan is refused when an
// object a selector matches appears or goes after it was computed: apply
// never deletes what nobody reviewed.
func TestPruneSavedPlanStale(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/backups/a", "maxTaskCount": 4, "nested": map[string]any{"keep": true}})
	s.put("thing-b", map[string]any{"path": "/backups/b", "maxTaskCount": 4, "nested": map[string]any{"keep": true}})
	s.put("thing-old", map[string]any{})
	e := fakeEngine(t, s)
	saved := mustPlan(t, e, load(t, s, pruneBody))
	if err := CheckStale(saved, mustPlan(t, e, load(t, s, pruneBody))); err != nil {
		t.Fatalf("unchanged live state: CheckStale = %v, want nil", err)
	}
	s.put("thing-new", map[string]any{})
	err := CheckStale(saved, mustPlan(t, e, load(t, s, pruneBody)))
	var se *StalePlanError
	if !errors.As(err, &se) || !slices.ContainsFunc(se.Changed, func(c string) bool { return strings.Contains(c, "thing-new") }) {
		t.Fatalf("a new object the selector matches: CheckStale = %v, want a StalePlanError naming thing-new", err)
	}
	delete(s.objs, "thing-new")
	delete(s.objs, "thing-old")
	err = CheckStale(saved, mustPlan(t, e, load(t, s, pruneBody)))
	if !errors.As(err, &se) || !slices.ContainsFunc(se.Changed, func(c string) bool { return strings.Contains(c, "thing-old") }) {
		t.Fatalf("the pruned object is gone: CheckStale = %v, want a StalePlanError naming thing-old", err)
	}
}

// TestPruneKeptNotInResources checks that expressions see the declared
// resources only, at apply as at plan time: an object a prune selector
// matched but a policy kept is not among resources['KIND'].
func TestPruneKeptNotInResources(t *testing.T) {
	t.Parallel()
	s := newFakeStore()
	s.put("thing-a", map[string]any{"path": "/a"})
	s.put("thing-old", map[string]any{"path": "/old"})
	e := fakeEngine(t, s)
	pb := load(t, s, `
resources:
  - kind: vbr.thing
    name: thing-a
    spec: { path: /a }
prune:
  - kind: vbr.thing
    names: [thing-*]
    policy: no_delete
steps:
  - id: count
    action: log
    with: { message: "things=${{ join(keys(resources['vbr.thing']), ',') }}" }
`)
	p := mustPlan(t, e, pb)
	var logged []string
	obs := ObserverFunc(func(ev Event) {
		if l, ok := ev.(LogLine); ok {
			logged = append(logged, l.Message)
		}
	})
	if _, err := e.Apply(context.Background(), pb, p, ApplyOptions{}, obs); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Contains(logged, "things=thing-a") {
		t.Errorf("log lines %q, want things=thing-a (the kept thing-old is no declared resource)", logged)
	}
}
