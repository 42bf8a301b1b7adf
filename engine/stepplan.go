package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
)

// changedSet answers changed(kind_or_address) from the resource actions that
// will (plan) or did (apply) write.
type changedSet map[string]bool

func (c changedSet) add(a Addr) {
	c[a.Kind] = true
	c[a.Kind+"."+a.Name] = true
	c[a.String()] = true
}

func (c changedSet) has(k string) bool { return c[k] }

// planSteps decides for every step whether it will run, is skipped, or
// depends on values known only after apply, and previews what it will do.
func (e *Engine) planSteps(ctx context.Context, x *execState, plan *Plan, base *eval.Scope) ([]StepRun, error) {
	changed := changedSet{}
	for _, c := range plan.Changes {
		if c.Action == Create || c.Action == Update || c.Action == Delete {
			changed.add(c.Addr)
		}
	}
	base.Changed = changed.has
	var out []StepRun
	writers := map[string][]string{} // target -> ids of earlier steps that change it
	for _, st := range x.pb.Steps {
		sr, idle, err := e.planStep(ctx, x, st, base, changed)
		if err != nil {
			return nil, fmt.Errorf("%s: step %q: %w", st.Pos, st.ID, err)
		}
		switch prev := writers[sr.Target]; {
		case idle && len(prev) > 0:
			// A preview reads state as it is now; an earlier step of this
			// apply may change it (enter maintenance, then leave it).
			sr.Status = StepDependsOn
			sr.Reason = fmt.Sprintf("earlier steps (%s) may change what this step finds; now: %s", strings.Join(prev, ", "), sr.Reason)
		case idle:
			sr.Reason = "nothing to do: " + sr.Reason
		}
		if sr.Status != StepWillSkip && sr.Risk != RiskRead && sr.Target != "" {
			writers[sr.Target] = append(writers[sr.Target], sr.ID)
		}
		out = append(out, sr)
	}
	return out, nil
}

// planStep plans one step. idle is set when its preview read live state
// and found nothing to do (it is skipped, and Reason says what the preview
// found).
func (e *Engine) planStep(ctx context.Context, x *execState, st *playbook.Step, base *eval.Scope, changed changedSet) (sr StepRun, idle bool, err error) {
	sr, idle, err = e.planStepNow(ctx, x, st, base, changed)
	if owed := x.owedFor(st); len(owed) > 0 && sr.Status != StepWillSkip && err == nil {
		sr.Reason = strings.TrimPrefix(sr.Reason+"; "+owedReason(owed), "; ")
	}
	return sr, idle, err
}

// owedFor returns what earlier runs owe step st on its target.
func (x *execState) owedFor(st *playbook.Step) []Owed {
	return x.owed.forStep(st.ID, x.targets[st.Target].URL)
}

func (e *Engine) planStepNow(ctx context.Context, x *execState, st *playbook.Step, base *eval.Scope, changed changedSet) (StepRun, bool, error) {
	action, _ := e.cfg.Catalog.Action(st.Action)
	sr := StepRun{ID: st.ID, Name: st.Name, Action: st.Action, Target: st.Target, Pos: st.Pos, Status: StepWillRun}
	if action != nil {
		sr.Risk = riskOf(action.Risk)
	}
	if owed := x.owedFor(st); len(owed) > 0 {
		b := *base
		b.Changed = withOwed(base.Changed, owed)
		base = &b
	}
	if st.When != nil {
		if why := unknownAtPlan(st.When.Refs(), changed); why != "" {
			sr.Status, sr.Reason = StepDependsOn, "when: "+why
			return sr, false, nil
		}
		ok, err := st.When.Eval(base)
		if err != nil {
			return sr, false, fmt.Errorf("when: %w", err)
		}
		if !ok {
			sr.Status, sr.Reason = StepWillSkip, "when condition is false"
			return sr, false, nil
		}
	}
	var refs []eval.Ref
	if st.ForEach != nil {
		refs = append(refs, st.ForEach.Refs()...)
	}
	if st.With != nil {
		refs = append(refs, st.With.Refs()...)
	}
	if why := unknownAtPlan(refs, changed); why != "" {
		sr.Status, sr.Reason = StepDependsOn, why
		return sr, false, nil
	}
	items, hasEach, err := forEachItems(st.ForEach, base)
	if err != nil {
		return sr, false, fmt.Errorf("for_each: %w", err)
	}
	if hasEach && len(items) == 0 {
		sr.Status, sr.Reason = StepWillSkip, "for_each has no items"
		return sr, false, nil
	}
	var previews []steps.Preview
	idle := false
	for _, it := range items {
		s := *base
		s.Each, s.HasEach = it, hasEach
		with, err := evalWith(st, &s)
		if err != nil {
			return sr, false, err
		}
		if hasEach {
			sr.Items = append(sr.Items, itemLabel(it))
		}
		if action == nil || action.Builtin || action.Ops == nil {
			continue
		}
		conn, err := e.conn(ctx, x.targets[st.Target])
		if err != nil {
			return sr, false, err
		}
		pv, err := action.Ops.Preview(ctx, conn, eval.Reveal(with).(map[string]any))
		if err != nil {
			if createsOn(x, st.Target) {
				// The step may name objects apply creates first; it is
				// previewed again, for real, when it runs.
				msg := err.Error()
				if errors.Is(err, steps.ErrNotFound) {
					msg = strings.TrimSuffix(msg, ": "+steps.ErrNotFound.Error()) + ": not there yet"
				}
				sr.Status, sr.Reason = StepDependsOn, "names objects that apply creates first ("+msg+")"
				return sr, false, nil
			}
			return sr, false, fmt.Errorf("preview: %w", err)
		}
		previews = append(previews, pv)
	}
	if len(previews) > 0 {
		sr.Summary, sr.Reason, sr.Status = summarizePreviews(previews, sr.Status)
		idle = sr.Status == StepWillSkip
		var touched []string
		for _, p := range previews {
			if !p.Skip {
				touched = append(touched, p.Items...)
			}
		}
		if len(touched) > 0 {
			sr.Items = touched
		}
	}
	return sr, idle, nil
}

// createsOn reports whether the plan creates any object on target.
func createsOn(x *execState, target string) bool {
	for _, r := range x.resources {
		if act, _ := r.effective(); act == Create && r.addr.Target == target {
			return true
		}
	}
	return false
}

// unknownAtPlan says why expressions with refs cannot be evaluated before
// apply: they read step outputs, or resources that apply will change.
func unknownAtPlan(refs []eval.Ref, changed changedSet) string {
	for _, r := range refs {
		switch r.Root {
		case "steps":
			return fmt.Sprintf("reads the output of step %q, known after apply", r.Key)
		case "resources":
			if r.Key == "" || changed.has(r.Key) {
				what := r.Key
				if what == "" {
					what = "resources"
				}
				return fmt.Sprintf("reads %s, which apply changes", what)
			}
		}
	}
	return ""
}

func evalWith(st *playbook.Step, s *eval.Scope) (map[string]any, error) {
	if st.With == nil {
		return map[string]any{}, nil
	}
	v, err := st.With.Eval(s)
	if err != nil {
		return nil, fmt.Errorf("with: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("with: expected a mapping, got %s", display(v))
	}
	return m, nil
}

// summarizePreviews merges the previews of a step's iterations.
func summarizePreviews(ps []steps.Preview, status StepStatus) (summary, reason string, out StepStatus) {
	var run, skip []steps.Preview
	for _, p := range ps {
		if p.Skip {
			skip = append(skip, p)
		} else {
			run = append(run, p)
		}
	}
	if len(run) == 0 {
		return "", skip[0].Reason, StepWillSkip
	}
	if merged, ok := mergeCounted(run); ok {
		summary = merged
		if len(skip) > 0 {
			reason = fmt.Sprintf("%d of %d iterations have nothing to do: %s", len(skip), len(ps), skip[0].Reason)
		}
		return summary, reason, status
	}
	var parts []string
	seen := map[string]bool{}
	for _, p := range run {
		if p.Summary != "" && !seen[p.Summary] {
			seen[p.Summary] = true
			parts = append(parts, p.Summary)
		}
	}
	summary = strings.Join(parts, "; ")
	if len(parts) > 3 {
		summary = fmt.Sprintf("%s; and %d more", strings.Join(parts[:3], "; "), len(parts)-3)
	}
	if len(skip) > 0 {
		reason = fmt.Sprintf("%d of %d iterations have nothing to do: %s", len(skip), len(ps), skip[0].Reason)
	}
	return summary, reason, status
}

// countedSummary matches preview summaries of the form
// "restart 1 backup agent: web01" (verb, count, noun, items).
var countedSummary = regexp.MustCompile(`^(\D*?)(\d+) ([^:]+?): (.+)$`)

// mergeCounted merges per-iteration previews that all read "<verb> N
// <noun>: <items>" into one: "restart 2 backup agents: web01, web02".
func mergeCounted(run []steps.Preview) (string, bool) {
	if len(run) < 2 {
		return "", false
	}
	var verb, noun, plural string
	total := 0
	var items []string
	for i, p := range run {
		m := countedSummary.FindStringSubmatch(p.Summary)
		if m == nil {
			return "", false
		}
		n, _ := strconv.Atoi(m[2])
		if i == 0 {
			verb, noun = m[1], singular(m[3])
		} else if m[1] != verb || singular(m[3]) != noun {
			return "", false
		}
		if n != 1 {
			plural = m[3]
		}
		total += n
		if len(p.Items) > 0 {
			items = append(items, p.Items...)
		} else {
			items = append(items, m[4])
		}
	}
	if plural == "" {
		plural = pluralize(noun)
	}
	return fmt.Sprintf("%s%d %s: %s", verb, total, plural, strings.Join(items, ", ")), true
}

func singular(noun string) string {
	switch {
	case strings.HasSuffix(noun, "ies"):
		return strings.TrimSuffix(noun, "ies") + "y"
	case strings.HasSuffix(noun, "s") && !strings.HasSuffix(noun, "ss"):
		return strings.TrimSuffix(noun, "s")
	}
	return noun
}

func pluralize(noun string) string {
	if strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey") {
		return strings.TrimSuffix(noun, "y") + "ies"
	}
	return noun + "s"
}

// itemLabel is how a loop item is named in plans and events.
func itemLabel(it any) string {
	switch v := it.(type) {
	case string:
		return v
	case map[string]any:
		for _, k := range []string{"name", "Name", "key", "id", "instanceUid", "UID"} {
			if s, ok := v[k].(string); ok && s != "" {
				return s
			}
		}
	}
	s := display(it)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
