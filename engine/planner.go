package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// KnownAfterApply stands in for values that exist only once apply has
// created the object they belong to.
const KnownAfterApply = "(known after apply)"

// execState is what Apply needs that a Plan must not carry: the loaded
// playbook, evaluated specs (with secrets), the resolved targets and the
// live state read. Apply derives it from the playbook (see Engine.derive)
// and narrows it to the work of the plan it is given (execState.only).
type execState struct {
	pb *playbook.Playbook
	// plan is the plan computed from this state, which the plan apply is
	// given must match (CheckStale).
	plan      *Plan
	targets   map[string]TargetConfig
	data      map[string]any
	resources []*plannedResource // aligned with Plan.Changes
	steps     []*playbook.Step   // the steps apply runs (all, unless restricted)
	live      map[kindKey][]steps.Object
	// ended holds the journal entries (endedKey) whose work had ended
	// when planning read live state: apply does not adopt them.
	ended map[string]endedEntry
	// owed lists the steps earlier runs owe (read at plan time).
	owed *owedBook
	// declared is the names of each (target, kind), evaluated before
	// listing so kinds can read only those (steps.WithDeclaredNames).
	declared map[kindKey][]string
	// memo holds what the plan's previews and data queries computed, and
	// readAt when live state was read: a step run of the apply of this
	// state starts from its reusable values while they are recent
	// (memoReuseWindow).
	memo   *steps.RunMemo
	readAt time.Time
}

// memoReuseWindow is how old the lists a plan read may be for the steps
// of its apply, in the same process, to act on them instead of listing
// again (plan and apply --auto-approve, or approved at the prompt soon
// after). Entries that reuse them cope with a change since (see
// steps.RunMemo.Reusable); past the window a step lists afresh.
const memoReuseWindow = time.Minute

type kindKey struct{ target, kind string }

// plannedResource is one expanded resource with what planning found.
type plannedResource struct {
	res     *playbook.Resource
	kind    *steps.Kind
	addr    Addr
	each    any
	hasEach bool
	spec    map[string]any // evaluated; may hold KnownAfterApply
	options map[string]any // evaluated options (token_file, delete_backups, ...)
	live    *steps.Object
	action  Action
	policy  Policy
	absent  bool  // state evaluated to absent
	deps    []int // indexes of resources this one waits for
	// prune says why a live object no resource declares is planned for
	// deletion (the prune selector that matched it); "" for declared
	// resources. policyFrom says where its policy comes from.
	prune, policyFrom string
}

// Plan reads live state and returns what applying pb would do. It never
// writes to any server. The plan is data: callers may save it, narrow it
// (Restrict) and render it, but must not modify it.
func (e *Engine) Plan(ctx context.Context, pb *playbook.Playbook) (*Plan, error) {
	x, err := e.read(ctx, pb)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.planned[pb] = x
	e.mu.Unlock()
	return x.plan, nil
}

// derive returns what Apply needs to run a plan of pb: the state the last
// Plan of pb by this engine read (taken once, so a plan and its apply read
// live state once, as one run), or else the state read now, as Plan reads
// it. Either way the plan it was computed with is x.plan.
func (e *Engine) derive(ctx context.Context, pb *playbook.Playbook) (*execState, error) {
	e.mu.Lock()
	x := e.planned[pb]
	delete(e.planned, pb)
	e.mu.Unlock()
	if x != nil {
		return x, nil
	}
	return e.read(ctx, pb)
}

// read reads live state for pb and computes its plan (x.plan).
func (e *Engine) read(ctx context.Context, pb *playbook.Playbook) (*execState, error) {
	// Plan only reads: memoize list calls so a collection that a kind and a
	// step preview both read is fetched once, and what the previews of a
	// for_each share (an indexed job list) is computed once.
	memo := steps.NewRunMemo()
	ctx = steps.WithMemo(veeam.WithListCache(ctx), memo)
	x := &execState{pb: pb, targets: map[string]TargetConfig{}, data: map[string]any{}, steps: pb.Steps,
		memo: memo, readAt: e.cfg.Now()}
	owed, err := openOwed(e.cfg.JournalDir, pb.File)
	if err != nil {
		return nil, err
	}
	x.owed = owed
	plan := &Plan{FormatVersion: FormatVersion, Playbook: pb.File, Name: pb.Name, PlaybookHash: pb.Hash,
		Vars: maps.Clone(pb.Overrides)}

	e.learnSecrets(pb.Source)
	base := e.baseScope(pb)
	for _, t := range pb.Targets {
		tc, err := e.evalTarget(t, base)
		if err != nil {
			return nil, err
		}
		if tc.TLS.CAFile != "" && !filepath.IsAbs(tc.TLS.CAFile) {
			// Like every path in a playbook, relative to the playbook file.
			tc.TLS.CAFile = filepath.Join(filepath.Dir(pb.File), tc.TLS.CAFile)
		}
		x.targets[t.Name] = tc
		plan.Targets = append(plan.Targets, Target{Name: t.Name, API: string(t.API), URL: tc.URL})
	}
	if err := e.settleRevisions(ctx, x, plan); err != nil {
		return nil, err
	}

	for _, q := range pb.Data {
		items, err := e.fetchData(ctx, x, q, base)
		if err != nil {
			if terr := targetProblem(target(pb, q.Target), x.targets[q.Target].URL, err); terr != nil {
				return nil, terr
			}
			return nil, fmt.Errorf("%s: data %q: %w", q.Pos, q.Name, err)
		}
		x.data[q.Name] = items
		plan.Fingerprints = append(plan.Fingerprints, Fingerprint{Target: q.Target, Kind: "data:" + q.Query, Name: q.Name, Hash: hashValue(identities(items))})
	}
	base.Data = x.data

	x.declared = declaredNames(x.pb, base)
	for k := range pruneKeys(pb) {
		delete(x.declared, k) // pruning needs every object of the kind
	}
	if err := e.listKinds(ctx, x); err != nil {
		return nil, err
	}
	if err := e.observeJournals(ctx, x); err != nil {
		return nil, err
	}
	if err := e.planResources(x, base); err != nil {
		return nil, err
	}
	if err := e.planPrune(x, base); err != nil {
		return nil, err
	}
	for _, r := range x.resources {
		c := r.change(e.cfg.Known)
		for _, d := range r.deps {
			c.DependsOn = append(c.DependsOn, x.resources[d].addr.String())
		}
		plan.Changes = append(plan.Changes, c)
		plan.Fingerprints = append(plan.Fingerprints, r.fingerprint())
	}
	steps, err := e.planSteps(ctx, x, plan, base)
	if err != nil {
		return nil, err
	}
	plan.Steps = steps
	plan.Summary = summarize(plan)
	maskPlan(e.cfg.Known, plan)
	x.plan = plan
	return x, nil
}

// only narrows x to the work of p, a plan of the same playbook that
// CheckStale accepted against x.plan and that Restrict may have narrowed:
// the resources p lists (with their dependencies among them) and its
// steps. x itself is left as it was.
func (x *execState) only(p *Plan) *execState {
	listed := make(map[Addr]bool, len(p.Changes))
	for _, c := range p.Changes {
		listed[c.Addr] = true
	}
	at := map[int]int{} // index in x.resources -> index in the narrowed list
	var kept []*plannedResource
	for i, r := range x.resources {
		if listed[r.addr] {
			at[i] = len(kept)
			kept = append(kept, r)
		}
	}
	out := *x
	out.resources = make([]*plannedResource, len(kept))
	for i, r := range kept {
		c := *r
		c.deps = nil
		for _, d := range r.deps {
			if j, ok := at[d]; ok {
				c.deps = append(c.deps, j)
			}
		}
		out.resources[i] = &c
	}
	run := make(map[string]bool, len(p.Steps))
	for _, s := range p.Steps {
		run[s.ID] = true
	}
	out.steps = nil
	for _, s := range x.pb.Steps {
		if run[s.ID] {
			out.steps = append(out.steps, s)
		}
	}
	return &out
}

// baseScope is the expression scope shared by every evaluation of pb.
func (e *Engine) baseScope(pb *playbook.Playbook) *eval.Scope {
	env := make(map[string]any, len(e.cfg.Env))
	for k, v := range e.cfg.Env {
		env[k] = v
	}
	return &eval.Scope{
		Vars:      pb.Vars,
		Env:       env,
		Data:      map[string]any{},
		Resources: map[string]any{},
		Steps:     map[string]any{},
		Secret:    e.cfg.Secret,
		Changed:   func(string) bool { return false },
		Known:     e.cfg.Known,
	}
}

func (e *Engine) evalTarget(t *playbook.Target, s *eval.Scope) (TargetConfig, error) {
	str := func(what string, v *eval.Value) (string, error) {
		if v == nil {
			return "", nil
		}
		// A missing secret is named once, at the secret() call.
		for _, r := range v.Refs() {
			if r.Root != eval.RootSecret || s.Secret == nil {
				continue
			}
			if _, err := s.Secret(r.Key); err != nil {
				return "", fmt.Errorf("%s: target %q: %s: %w", r.Pos, t.Name, what, err)
			}
		}
		out, err := v.Eval(s)
		if err != nil {
			return "", fmt.Errorf("%s: target %q: %s: %w", v.Pos(), t.Name, what, err)
		}
		out = eval.Reveal(out)
		if out == nil {
			if n := names(v); len(n) > 0 {
				return "", fmt.Errorf("%s: target %q: %s is null: set %s", v.Pos(), t.Name, what, strings.Join(n, " and "))
			}
			return "", fmt.Errorf("%s: target %q: %s is null: is the environment variable or secret it reads set?", v.Pos(), t.Name, what)
		}
		str, ok := out.(string)
		if !ok {
			return "", fmt.Errorf("%s: target %q: %s: expected a string, got %T", v.Pos(), t.Name, what, out)
		}
		return str, nil
	}
	tc := TargetConfig{Name: t.Name, API: t.API, APIVersion: t.APIVersion, InsecureHTTP: t.InsecureHTTP,
		PageSize: t.PageSize, PageConcurrency: t.PageConcurrency, PollFloor: t.PollFloor, Timeout: t.Timeout}
	var err error
	if tc.URL, err = str("url", t.URL); err != nil {
		return tc, err
	}
	if tc.URL == "" {
		if n := names(t.URL); len(n) > 0 {
			return tc, fmt.Errorf("%s: target %q: url is empty: set %s", t.URL.Pos(), t.Name, strings.Join(n, " and "))
		}
		return tc, fmt.Errorf("%s: target %q: url is empty (is the variable it reads set?)", t.Pos, t.Name)
	}
	if tc.Username, err = str("username", t.Username); err != nil {
		return tc, err
	}
	if tc.Password, err = str("password", t.Password); err != nil {
		return tc, err
	}
	if err := evalAPIVersion(t, &tc, s); err != nil {
		return tc, err
	}
	tc.TLS.CAFile = t.TLS.CAFile
	tc.TLS.Insecure = t.TLS.Insecure
	if tc.TLS.Fingerprint, err = str("tls.fingerprint", t.TLS.Fingerprint); err != nil {
		return tc, err
	}
	return tc, nil
}

// fetchData runs one data query and applies its where and one.
func (e *Engine) fetchData(ctx context.Context, x *execState, q *playbook.DataQuery, s *eval.Scope) (any, error) {
	query, ok := e.cfg.Catalog.Query(q.Query)
	if !ok {
		return nil, fmt.Errorf("unknown query %q", q.Query)
	}
	conn, err := e.conn(ctx, x.targets[q.Target])
	if err != nil {
		return nil, err
	}
	var params steps.Doc
	if q.Params != nil {
		v, err := q.Params.Eval(s)
		if err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
		params, _ = eval.Reveal(v).(map[string]any)
	}
	items, err := query.Fetch(ctx, conn, params)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		if q.Where != nil {
			is := *s
			is.Item = it
			ok, err := q.Where.Eval(&is)
			if err != nil {
				return nil, fmt.Errorf("where: %w", err)
			}
			if !ok {
				continue
			}
		}
		out = append(out, it)
	}
	if q.One {
		switch len(out) {
		case 1:
			return out[0], nil
		case 0:
			return nil, errors.New("one: true, but no object matched")
		default:
			return nil, fmt.Errorf("one: true, but %d objects matched", len(out))
		}
	}
	return out, nil
}

// listKinds lists every (target, kind) the resources touch: one paged list
// each, in parallel.
func (e *Engine) listKinds(ctx context.Context, x *execState) error {
	keys := map[kindKey]bool{}
	for _, r := range x.pb.Resources {
		keys[kindKey{r.Target, r.Kind}] = true
	}
	for k := range pruneKeys(x.pb) {
		keys[k] = true
	}
	x.live = make(map[kindKey][]steps.Object, len(keys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for k := range keys {
		kind, ok := e.cfg.Catalog.Kind(k.kind)
		if !ok {
			return fmt.Errorf("unknown kind %q", k.kind)
		}
		conn, err := e.conn(ctx, x.targets[k.target])
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lctx := ctx
			if names, ok := x.declared[k]; ok {
				lctx = steps.WithDeclaredNames(ctx, names)
			}
			objs, err := kind.Ops.List(lctx, conn)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if terr := targetProblem(target(x.pb, k.target), x.targets[k.target].URL, err); terr != nil {
					errs = append(errs, terr)
					return
				}
				errs = append(errs, fmt.Errorf("list %s on target %q: %w", k.kind, k.target, err))
				return
			}
			x.live[k] = objs
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// declaredNames evaluates the resource names of each (target, kind) before
// live state is read, so a kind can read just the declared objects among
// many. Names depend only on vars, env, data and each. A kind with a name
// that does not evaluate here is left out: it is listed whole, and
// planResources reports the error.
func declaredNames(pb *playbook.Playbook, base *eval.Scope) map[kindKey][]string {
	out := map[kindKey][]string{}
	bad := map[kindKey]bool{}
	for _, r := range pb.Resources {
		k := kindKey{r.Target, r.Kind}
		items, hasEach, err := forEachItems(r.ForEach, base)
		if err != nil {
			bad[k] = true
			continue
		}
		for _, it := range items {
			s := *base
			s.Each, s.HasEach = it, hasEach
			nv, err := r.Name.Eval(&s)
			name, ok := eval.Reveal(nv).(string)
			if err != nil || !ok || name == "" {
				bad[k] = true
				break
			}
			out[k] = append(out[k], name)
		}
	}
	for k := range bad {
		delete(out, k)
	}
	return out
}

// planResources expands for_each, evaluates names and specs and compares
// them with live state.
func (e *Engine) planResources(x *execState, base *eval.Scope) error {
	type expanded struct {
		res     *playbook.Resource
		each    any
		hasEach bool
		name    string
	}
	var all []expanded
	seen := map[Addr]diag.Pos{}
	for _, r := range x.pb.Resources {
		items, hasEach, err := forEachItems(r.ForEach, base)
		if err != nil {
			return fmt.Errorf("%s: for_each: %w", r.Pos, err)
		}
		for _, it := range items {
			s := *base
			s.Each, s.HasEach = it, hasEach
			nv, err := r.Name.Eval(&s)
			if err != nil {
				return fmt.Errorf("%s: name: %w", r.Pos, err)
			}
			name, ok := eval.Reveal(nv).(string)
			if !ok || name == "" {
				return fmt.Errorf("%s: name: expected a non-empty string, got %s", r.Pos, display(nv))
			}
			addr := Addr{Target: r.Target, Kind: r.Kind, Name: name}
			if prev, dup := seen[addr]; dup {
				return fmt.Errorf("%s: resource %s is declared twice (first at %s)", r.Pos, addr, prev.String())
			}
			seen[addr] = r.Pos
			all = append(all, expanded{res: r, each: it, hasEach: hasEach, name: name})
		}
	}

	// Scope of resources for spec evaluation: live objects, and placeholders
	// for those to be created.
	resScope := map[string]any{}
	for _, ex := range all {
		byName, _ := resScope[ex.res.Kind].(map[string]any)
		if byName == nil {
			byName = map[string]any{}
			resScope[ex.res.Kind] = byName
		}
		if obj := findObject(x.live[kindKey{ex.res.Target, ex.res.Kind}], ex.name); obj != nil {
			byName[ex.name] = objectValue(*obj)
		} else {
			byName[ex.name] = map[string]any{"id": KnownAfterApply, "name": ex.name}
		}
	}
	base.Resources = resScope

	index := map[Addr]int{}
	for _, ex := range all {
		kind, _ := e.cfg.Catalog.Kind(ex.res.Kind)
		s := *base
		s.Each, s.HasEach = ex.each, ex.hasEach
		pr := &plannedResource{res: ex.res, kind: kind, each: ex.each, hasEach: ex.hasEach,
			addr: Addr{Target: ex.res.Target, Kind: ex.res.Kind, Name: ex.name}}
		if ex.res.Spec != nil {
			v, err := ex.res.Spec.Eval(&s)
			if err != nil {
				return fmt.Errorf("%s: %s: spec: %w", ex.res.Pos, pr.addr, err)
			}
			m, ok := v.(map[string]any)
			if !ok && v != nil {
				return fmt.Errorf("%s: %s: spec: expected a mapping, got %s", ex.res.Pos, pr.addr, display(v))
			}
			pr.spec = m
		}
		options, err := evalOptions(ex.res, &s)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", ex.res.Pos, pr.addr, err)
		}
		pr.options = options
		policy, err := evalPolicy(ex.res, &s)
		if err != nil {
			return err
		}
		pr.policy = policy
		state, err := evalState(ex.res, &s)
		if err != nil {
			return err
		}
		pr.absent = state == playbook.StateAbsent
		if pr.absent && pr.kind.NoDelete {
			pos := ex.res.Pos
			if ex.res.StateExpr != nil {
				pos = ex.res.StateExpr.Pos()
			}
			return fmt.Errorf("%s: %s: state: absent: objects of kind %q cannot be deleted (the vendor API has no delete for them); remove the resource from the playbook to stop managing it", pos, pr.addr, ex.res.Kind)
		}
		pr.live = findObject(x.live[kindKey{ex.res.Target, ex.res.Kind}], ex.name)
		index[pr.addr] = len(x.resources)
		x.resources = append(x.resources, pr)
	}
	// Dependencies: explicit depends_on and references to other kinds.
	for i, pr := range x.resources {
		var deps []int
		if pr.res.Spec != nil {
			for _, ref := range pr.res.Spec.Refs() {
				if ref.Root != "resources" {
					continue
				}
				for j, other := range x.resources {
					if j != i && other.addr.Kind == ref.Key {
						deps = append(deps, j)
					}
				}
			}
		}
		if r, ok := pr.kind.Ops.(steps.Referencer); ok && pr.spec != nil {
			// Objects the spec names (credentials: NAME) are written first.
			for _, ref := range r.References(pr.spec) {
				for j, other := range x.resources {
					if j != i && other.addr == (Addr{Target: pr.addr.Target, Kind: ref.Kind, Name: ref.Name}) {
						deps = append(deps, j)
					}
				}
			}
		}
		if o, ok := pr.kind.Ops.(steps.Owned); ok {
			// A role is written after the object it is a role of.
			if ref, ok := o.Owner(pr.addr.Name); ok {
				if j, found := index[Addr{Target: pr.addr.Target, Kind: ref.Kind, Name: ref.Name}]; found && j != i {
					deps = append(deps, j)
				}
			}
		}
		for _, d := range pr.res.DependsOn {
			for j, other := range x.resources {
				if j != i && dependsOnMatches(d, other.addr) {
					deps = append(deps, j)
				}
			}
		}
		slices.Sort(deps)
		pr.deps = slices.Compact(deps)
	}
	if cyc := findCycle(x.resources); cyc != "" {
		return fmt.Errorf("dependency cycle: %s", cyc)
	}
	for _, pr := range x.resources {
		pr.decide()
	}
	return nil
}

// dependsOnMatches reports whether a depends_on entry (KIND, KIND/NAME,
// TARGET/KIND or TARGET/KIND/NAME) names addr.
func dependsOnMatches(d string, addr Addr) bool {
	switch d {
	case addr.Kind, addr.Kind + "/" + addr.Name, addr.Target + "/" + addr.Kind, addr.String():
		return true
	}
	return false
}

// forEachItems evaluates a for_each value to its items. Lists iterate their
// elements; maps iterate {key, value} pairs sorted by key.
func forEachItems(v *eval.Value, s *eval.Scope) ([]any, bool, error) {
	if v == nil {
		return []any{nil}, false, nil
	}
	out, err := v.Eval(s)
	if err != nil {
		return nil, true, err
	}
	if _, err := playbook.Items(out); errors.Is(err, playbook.ErrTooManyItems) {
		return nil, true, err
	}
	switch t := out.(type) {
	case []any:
		return t, true, nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		items := make([]any, len(keys))
		for i, k := range keys {
			items[i] = map[string]any{"key": k, "value": t[k]}
		}
		return items, true, nil
	case nil:
		return nil, true, nil
	}
	return nil, true, fmt.Errorf("expected a list or a mapping, got %s", display(out))
}

func evalPolicy(r *playbook.Resource, s *eval.Scope) (Policy, error) {
	if r.Policy == nil {
		return PolicyManage, nil
	}
	v, err := r.Policy.Eval(s)
	if err != nil {
		return "", fmt.Errorf("%s: policy: %w", r.Policy.Pos(), err)
	}
	p, _ := v.(string)
	switch Policy(p) {
	case PolicyManage, PolicyObserve, PolicyUpdateOnly, PolicyNoDelete:
		return Policy(p), nil
	}
	return "", fmt.Errorf("%s: policy: expected one of manage, observe, update_only, no_delete, got %s", r.Policy.Pos(), display(v))
}

// evalState returns the resource's state: the literal, or its expression
// evaluated for one item.
func evalState(r *playbook.Resource, s *eval.Scope) (string, error) {
	if r.StateExpr == nil {
		if r.State == "" {
			return playbook.StatePresent, nil
		}
		return r.State, nil
	}
	v, err := r.StateExpr.Eval(s)
	if err != nil {
		return "", fmt.Errorf("%s: state: %w", r.StateExpr.Pos(), err)
	}
	st, _ := eval.Reveal(v).(string)
	switch st {
	case playbook.StatePresent, playbook.StateAbsent:
		return st, nil
	}
	return "", fmt.Errorf("%s: state: expected present or absent, got %s", r.StateExpr.Pos(), display(v))
}

func findObject(objs []steps.Object, name string) *steps.Object {
	for i := range objs {
		if objs[i].Name == name {
			return &objs[i]
		}
	}
	return nil
}

// objectValue is how a live object appears to expressions: its document
// with id and name guaranteed.
func objectValue(o steps.Object) map[string]any {
	m := make(map[string]any, len(o.Doc)+2)
	for k, v := range o.Doc {
		m[k] = v
	}
	m["id"] = o.ID
	m["name"] = o.Name
	return m
}

// decide sets the action from desired state, live state and policy.
func (pr *plannedResource) decide() {
	absent := pr.absent
	switch {
	case absent && pr.live == nil:
		pr.action = NoOp
	case absent:
		pr.action = Delete
	case pr.live == nil:
		pr.action = Create
	case len(pr.diff(nil)) > 0:
		pr.action = Update
	default:
		pr.action = NoOp
	}
}

func (pr *plannedResource) diff(known *eval.KnownSecrets) []DiffNode {
	if pr.live == nil || pr.spec == nil {
		return nil
	}
	return compareSpec(pr.spec, pr.live.Doc, pr.kind.ReadOnly, pr.kind.Sensitive, pr.kind.Normalize, known)
}

// effective returns the action apply will take after the policy, and the
// reason when the policy changed it.
func (pr *plannedResource) effective() (Action, string) {
	switch pr.policy {
	case PolicyObserve:
		if pr.action != NoOp {
			return Drift, fmt.Sprintf("policy observe: would %s; apply never writes", pr.action)
		}
	case PolicyUpdateOnly:
		if pr.action == Create || pr.action == Delete {
			return NoOp, fmt.Sprintf("policy update_only: %s skipped", pr.action)
		}
	case PolicyNoDelete:
		if pr.action == Delete {
			return NoOp, "policy no_delete: delete skipped"
		}
	}
	return pr.action, ""
}

// change is the planned change, its documents and diff masked with the
// kind's sensitive fields and the known secret values. An update's After
// is jsondoc.Merge(live, spec): the merge the kinds' Update sends.
func (pr *plannedResource) change(known *eval.KnownSecrets) Change {
	act, reason := pr.effective()
	c := Change{
		Addr:   pr.addr,
		Action: act,
		Policy: pr.policy,
		Risk:   RiskMaintenance,
		Pos:    pr.res.Pos,
		Reason: reason,
	}
	if pr.action == Delete {
		c.Risk = riskOf(pr.kind.DeleteRisk)
	}
	if act == Update {
		// A change the kind cannot make in place (a new type) is a
		// replace: delete + create, as destructive as a delete.
		if r, ok := pr.kind.Ops.(steps.Replacer); ok {
			if why := r.Replaces(pr.spec, pr.live.Doc); why != "" {
				c.Risk = riskOf(pr.kind.DeleteRisk)
				c.Reason = why
			}
		}
	}
	if pr.live != nil {
		c.ID = pr.live.ID
		c.Before = maskPaths(pr.live.Doc, pr.kind.Sensitive)
	}
	switch pr.action {
	case Create:
		c.After = maskPaths(pr.spec, pr.kind.Sensitive)
		c.Diff = createDiff(pr.spec, pr.kind.Sensitive, known)
	case Update:
		c.After = maskPaths(jsondoc.Merge(pr.live.Doc, pr.spec), pr.kind.Sensitive)
		c.Diff = pr.diff(known)
	case Delete:
		c.Diff = deleteDiff(pr.live.Doc, pr.kind.Sensitive, known)
	}
	c.Before, c.After = maskDiffPaths(c.Before, c.Diff), maskDiffPaths(c.After, c.Diff)
	if act == NoOp && reason == "" {
		c.Diff = nil
	}
	if pr.prune != "" {
		c.Reason = pr.pruneReason(reason)
		if act == NoOp {
			c.Diff = nil // kept by a policy: the reason is the news, not its fields
		}
	}
	return c
}

func (pr *plannedResource) fingerprint() Fingerprint {
	f := Fingerprint{Target: pr.addr.Target, Kind: pr.addr.Kind, Name: pr.addr.Name, Hash: "absent"}
	if pr.live != nil {
		f.ID = pr.live.ID
		f.Hash = hashValue(pr.live.Doc)
	}
	return f
}

// identities reduces a data query's result to the identities of the objects
// it matched. A saved plan is stale when that set changes (a job is no
// longer failed), not when volatile fields move (counters, links).
func identities(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, it := range t {
			out[i] = identities(it)
		}
		return out
	case map[string]any:
		for _, k := range []string{"id", "instanceUid", "UID", "Id", "name", "Name"} {
			if id, ok := t[k]; ok && id != nil {
				return id
			}
		}
	}
	return v
}

// hashValue is the sha256 of v's canonical JSON (map keys sorted).
func hashValue(v any) string {
	b, err := json.Marshal(eval.Mask(v))
	if err != nil {
		b = []byte(fmt.Sprint(v))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// findCycle returns "a -> b -> a" for the first dependency cycle, or "".
func findCycle(rs []*plannedResource) string {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(rs))
	var stack []int
	var found []int
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = grey
		stack = append(stack, i)
		for _, d := range rs[i].deps {
			if color[d] == grey {
				at := slices.Index(stack, d)
				found = append(slices.Clone(stack[at:]), d)
				return true
			}
			if color[d] == white && visit(d) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
		return false
	}
	for i := range rs {
		if color[i] == white && visit(i) {
			names := make([]string, len(found))
			for k, j := range found {
				names[k] = rs[j].addr.String()
			}
			return strings.Join(names, " -> ")
		}
	}
	return ""
}

func summarize(p *Plan) Summary {
	var s Summary
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Delete:
			s.Delete++
		case Drift:
			s.Drift++
		default:
			s.NoOp++
		}
	}
	for _, st := range p.Steps {
		// Read-only steps (log, assert, wait) change nothing, so they are
		// not counted as work: a converged runbook plans no changes.
		if st.Status != StepWillSkip && st.Risk != RiskRead {
			s.Steps++
		}
	}
	return s
}

// evalOptions evaluates a resource's options for one item, revealing
// secrets (options go to the catalogue, never to output).
func evalOptions(r *playbook.Resource, s *eval.Scope) (map[string]any, error) {
	if r.OptionsValue == nil {
		return r.Options, nil
	}
	v, err := r.OptionsValue.Eval(s)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	m, ok := eval.Reveal(v).(map[string]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("options: expected a mapping, got %s", display(v))
	}
	return m, nil
}
