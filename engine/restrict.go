package engine

import (
	"fmt"
	"slices"
	"strings"
)

// Restrict returns p narrowed to the resources and steps that match addrs,
// like terraform's -target; p itself is left as it was, and with no addrs
// Restrict returns p. An address matches a resource when it equals its
// target/kind/name, kind/name, kind.name, target/kind, kind, or target
// name, and a step when it is "step.<id>" or the step id. The resources
// kept ones depend on (Change.DependsOn) are kept too, so apply stays
// correct. It fails when an address matches nothing.
func (p *Plan) Restrict(addrs []string) (*Plan, error) {
	if len(addrs) == 0 {
		return p, nil
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
	keep := map[string]bool{}
	for _, c := range p.Changes {
		if match(c.Addr.String(), c.Addr.Kind+"/"+c.Addr.Name, c.Addr.Kind+"."+c.Addr.Name,
			c.Addr.Target+"/"+c.Addr.Kind, c.Addr.Kind, c.Addr.Target) {
			keep[c.Addr.String()] = true
		}
	}
	// Keep what kept resources depend on, transitively. A delete is never
	// needed by what depends on it (it waits for them instead): not pulled in.
	deletes := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action == Delete {
			deletes[c.Addr.String()] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, c := range p.Changes {
			if !keep[c.Addr.String()] {
				continue
			}
			for _, d := range c.DependsOn {
				if !keep[d] && !deletes[d] {
					keep[d], changed = true, true
				}
			}
		}
	}
	q := *p
	q.Steps = nil
	for _, s := range p.Steps {
		if match("step."+s.ID, s.ID) {
			q.Steps = append(q.Steps, s)
		}
	}
	for i, u := range used {
		if !u {
			return nil, fmt.Errorf("--target %q matches no resource or step of the playbook", addrs[i])
		}
	}
	q.Changes = nil
	for _, c := range p.Changes {
		if keep[c.Addr.String()] {
			q.Changes = append(q.Changes, c)
		}
	}
	q.Summary = summarize(&q)
	q.Restricted = strings.Join(addrs, ", ")
	return &q, nil
}
