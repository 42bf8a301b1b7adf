package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
)

// PruneLimitError refuses a plan in which one prune selector would delete
// more objects than its max_deletes: a typo in a where or a glob must not
// empty a server. Names lists every object the selector would delete.
type PruneLimitError struct {
	Pos      diag.Pos // the selector
	Selector string   // its label: globs and where
	Target   string
	Kind     string
	Limit    int
	Names    []string
}

// maxNamesShown bounds the names a PruneLimitError message lists.
const maxNamesShown = 20

func (e *PruneLimitError) Error() string {
	shown := e.Names
	more := ""
	if len(shown) > maxNamesShown {
		shown = shown[:maxNamesShown]
		more = fmt.Sprintf(", and %d more", len(e.Names)-maxNamesShown)
	}
	return fmt.Sprintf("%s: prune selector %s would delete %d %s objects on target %q, more than its max_deletes (%d): %s%s; "+
		"if that is intended, set max_deletes: %d (or more) on the selector, else narrow its names or where",
		e.Pos, e.Selector, len(e.Names), e.Kind, e.Target, e.Limit, strings.Join(shown, ", "), more, len(e.Names))
}

// pruneKeys lists the (target, kind) pairs prune selectors own objects of:
// the planner lists them whole, with the one list per pair it makes anyway.
func pruneKeys(pb *playbook.Playbook) map[kindKey]bool {
	out := map[kindKey]bool{}
	for _, s := range pb.Prune {
		out[kindKey{s.Target, s.Kind}] = true
	}
	return out
}

// planPrune appends to x.resources a delete of every live object a prune
// selector matches and no resource declares (an object matched by several
// selectors belongs to the first), and orders those deletes after the
// changes of the resources that refer to their kind. It refuses with a
// *PruneLimitError every selector that would delete more than its
// max_deletes.
func (e *Engine) planPrune(x *execState, base *eval.Scope) error {
	declared := map[Addr]bool{}
	for _, pr := range x.resources {
		declared[pr.addr] = true
	}
	claimed := map[Addr]bool{}
	var errs []error
	for _, sel := range x.pb.Prune {
		kind, ok := e.cfg.Catalog.Kind(sel.Kind)
		if !ok || kind.NoDelete {
			return fmt.Errorf("%s: prune: kind %q cannot be deleted", sel.Pos, sel.Kind)
		}
		policy, from, err := prunePolicy(sel, x.resources, base)
		if err != nil {
			return err
		}
		why := fmt.Sprintf("matched prune selector %s at line %d; declared by no resource", sel.Label(), sel.Pos.Line)
		var deletes []string
		// By name, so plans and the refusal list read the same every run.
		live := slices.SortedFunc(slices.Values(x.live[kindKey{sel.Target, sel.Kind}]),
			func(a, b steps.Object) int { return strings.Compare(a.Name, b.Name) })
		for _, obj := range live {
			addr := Addr{Target: sel.Target, Kind: sel.Kind, Name: obj.Name}
			if obj.Name == "" || declared[addr] || claimed[addr] {
				continue
			}
			ok, err := selects(sel, addr, &obj, base)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			claimed[addr] = true
			o := obj
			pr := &plannedResource{
				res:  &playbook.Resource{Kind: sel.Kind, Target: sel.Target, State: playbook.StateAbsent, Pos: sel.Pos},
				kind: kind, addr: addr, live: &o, absent: true, policy: policy,
				prune: why, policyFrom: from,
			}
			pr.decide()
			if act, _ := pr.effective(); act == Delete {
				deletes = append(deletes, obj.Name)
			}
			x.resources = append(x.resources, pr)
		}
		if len(deletes) > sel.MaxDeletes {
			errs = append(errs, &PruneLimitError{Pos: sel.Pos, Selector: sel.Label(), Target: sel.Target, Kind: sel.Kind,
				Limit: sel.MaxDeletes, Names: deletes})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	pruneOrder(x.resources)
	if cyc := findCycle(x.resources); cyc != "" {
		return fmt.Errorf("prune: dependency cycle: %s", cyc)
	}
	return nil
}

// policyRank orders policies from the one that allows most to the one
// that allows least.
var policyRank = map[Policy]int{PolicyManage: 0, PolicyNoDelete: 1, PolicyUpdateOnly: 2, PolicyObserve: 3}

// prunePolicy is the policy of the objects a selector would delete: its
// own, or else the most restrictive policy of the declared resources the
// selector also matches (their name matches its globs and, when they
// exist, its where: a no_delete on a for_each keeps what is dropped from
// the loop), manage when there are none; and where it comes from.
func prunePolicy(sel *playbook.PruneSelector, rs []*plannedResource, base *eval.Scope) (Policy, string, error) {
	if sel.Policy != "" {
		return Policy(sel.Policy), fmt.Sprintf("of the prune selector at line %d", sel.Pos.Line), nil
	}
	best, from := PolicyManage, ""
	for _, pr := range rs {
		if pr.prune != "" || pr.addr.Target != sel.Target || pr.addr.Kind != sel.Kind || policyRank[pr.policy] <= policyRank[best] {
			continue
		}
		ok, err := selects(sel, pr.addr, pr.live, base)
		if err != nil {
			return "", "", err
		}
		if ok {
			best = pr.policy
			from = fmt.Sprintf("of resource %s at line %d", pr.addr.Name, pr.res.Pos.Line)
		}
	}
	return best, from, nil
}

// selects reports whether sel matches the object named by addr: its name
// matches a glob and, when the object exists, the where holds for it.
func selects(sel *playbook.PruneSelector, addr Addr, live *steps.Object, base *eval.Scope) (bool, error) {
	if !sel.MatchName(addr.Name) {
		return false, nil
	}
	if sel.Where == nil || live == nil {
		return true, nil
	}
	s := *base
	s.Item = objectValue(*live)
	ok, err := sel.Where.Eval(&s)
	if err != nil {
		return false, fmt.Errorf("%s: prune selector %s: where, for %s: %w", sel.Where.Pos(), sel.Label(), addr, err)
	}
	return ok, nil
}

// pruneReason is the reason of a pruned object's change: why it is
// planned for deletion, and the policy that kept it, if one did.
func (pr *plannedResource) pruneReason(policy string) string {
	if policy == "" {
		return pr.prune
	}
	return pr.prune + "; " + strings.Replace(policy, "policy "+string(pr.policy), "policy "+string(pr.policy)+" ("+pr.policyFrom+")", 1)
}

// pruneOrder makes pruned deletes wait for what uses their kind: a
// declared resource whose spec or depends_on refers to kind K is changed
// before the pruned objects of kind K are deleted (a scale-out repository
// drops an extent before the extent's repository goes), and a pruned
// object of kind A is deleted before pruned objects of a kind B that the
// declared resources of kind A refer to. (applyOrder turns a dependency
// on a delete into "the delete waits".)
func pruneOrder(rs []*plannedResource) {
	uses := map[string]map[string]bool{} // kind -> kinds its declared resources refer to
	for i, pr := range rs {
		if pr.prune != "" {
			continue
		}
		for _, k := range referredKinds(pr) {
			if k == pr.addr.Kind {
				continue
			}
			if uses[pr.addr.Kind] == nil {
				uses[pr.addr.Kind] = map[string]bool{}
			}
			uses[pr.addr.Kind][k] = true
			for j, o := range rs {
				if o.prune != "" && o.addr.Kind == k && j != i {
					pr.deps = append(pr.deps, j)
				}
			}
		}
	}
	for _, pr := range rs {
		if pr.prune == "" {
			continue
		}
		for j, o := range rs {
			k := o.addr.Kind
			if o.prune != "" && uses[pr.addr.Kind][k] && !uses[k][pr.addr.Kind] {
				pr.deps = append(pr.deps, j)
			}
		}
	}
	for _, pr := range rs {
		slices.Sort(pr.deps)
		pr.deps = slices.Compact(pr.deps)
	}
}

// referredKinds lists the kinds a declared resource refers to: in its spec
// (resources['K']) and in its depends_on entries.
func referredKinds(pr *plannedResource) []string {
	var out []string
	for _, ref := range pr.res.Spec.Refs() {
		if ref.Root == eval.RootResources && ref.Key != "" {
			out = append(out, ref.Key)
		}
	}
	for _, d := range pr.res.DependsOn {
		parts := strings.Split(d, "/")
		switch {
		case len(parts) == 3:
			out = append(out, parts[1]) // TARGET/KIND/NAME
		case len(parts) == 2 && !strings.Contains(parts[0], "."):
			out = append(out, parts[1]) // TARGET/KIND (kinds have a dot, targets none)
		default:
			out = append(out, parts[0]) // KIND or KIND/NAME
		}
	}
	return out
}
