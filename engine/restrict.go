package engine

import (
	"fmt"
	"slices"
	"strings"
)

// Restrict narrows p to the resources and steps that match addrs, like
// terraform's -target. An address matches a resource when it equals its
// target/kind/name, kind/name, kind.name, target/kind, kind, or target
// name, and a step when it is
// "step.<id>" or the step id. Resources the kept ones depend on are kept
// too, so apply stays correct. It fails when an address matches nothing.
func (p *Plan) Restrict(addrs []string) error {
	if len(addrs) == 0 {
		return nil
	}
	used := make([]bool, len(addrs))
	match := func(candidates ...string) bool {
		hit := false
		for i, a := range addrs {
			if slices.Contains(candidates, a) {
				used[i], hit = true, true
			}
		}
		return hit
	}
	keep := make([]bool, len(p.Changes))
	for i, c := range p.Changes {
		keep[i] = match(c.Addr.String(), c.Addr.Kind+"/"+c.Addr.Name, c.Addr.Kind+"."+c.Addr.Name,
			c.Addr.Target+"/"+c.Addr.Kind, c.Addr.Kind, c.Addr.Target)
	}
	if p.exec != nil {
		// Keep dependencies of kept resources.
		for changed := true; changed; {
			changed = false
			for i, r := range p.exec.resources {
				if !keep[i] {
					continue
				}
				for _, d := range r.deps {
					// A delete is never needed by what depends on it
					// (it waits for them instead): not pulled in.
					if !keep[d] && p.Changes[d].Action != Delete {
						keep[d], changed = true, true
					}
				}
			}
		}
	}
	var steps []StepRun
	keptSteps := map[string]bool{}
	for _, s := range p.Steps {
		if match("step."+s.ID, s.ID) {
			steps = append(steps, s)
			keptSteps[s.ID] = true
		}
	}
	for i, u := range used {
		if !u {
			return fmt.Errorf("--target %q matches no resource or step of the playbook", addrs[i])
		}
	}
	var changes []Change
	var kept []*plannedResource
	for i, c := range p.Changes {
		if keep[i] {
			changes = append(changes, c)
			if p.exec != nil {
				kept = append(kept, p.exec.resources[i])
			}
		}
	}
	if p.exec != nil {
		remap := map[*plannedResource]int{}
		for i, r := range kept {
			remap[r] = i
		}
		old := p.exec.resources
		for _, r := range kept {
			var deps []int
			for _, d := range r.deps {
				if j, ok := remap[old[d]]; ok {
					deps = append(deps, j)
				}
			}
			r.deps = deps
		}
		p.exec.resources = kept
		var pbSteps = p.exec.pb.Steps[:0:0]
		for _, s := range p.exec.pb.Steps {
			if keptSteps[s.ID] {
				pbSteps = append(pbSteps, s)
			}
		}
		p.exec.steps = pbSteps
	}
	p.Changes, p.Steps = changes, steps
	p.Summary = summarize(p)
	p.Restricted = strings.Join(addrs, ", ")
	return nil
}
