package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/jsondoc"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// ApplyOptions tune an apply.
type ApplyOptions struct {
	// Parallelism bounds how many resources change at once; 0 means 4. A
	// change whose server work has ended no longer counts while it reads
	// its result back (steps.Env.Release).
	Parallelism int
	// Stop, when closed, stops launching new work (the first interrupt);
	// work in flight runs to its end, for at most Drain.
	Stop <-chan struct{}
	// Drain bounds how long work in flight may run once Stop is closed;
	// when it has passed, that work is abandoned as Abandon does. 0 waits
	// for it without bound.
	Drain time.Duration
	// Abandon, when closed, stops launching new work and abandons work in
	// flight at once (the second interrupt): it keeps running on the
	// server, and the result lists it as still running. Cancelling ctx
	// does the same.
	Abandon <-chan struct{}
	// Hold, when set, pauses the launch of new work while it is held (a
	// terminal asks whether to stop); work in flight continues.
	Hold *Hold
}

// Hold pauses the launch of new work while held. The zero value is
// released; it is safe for concurrent use.
type Hold struct {
	mu   sync.Mutex
	free chan struct{} // closed on release; nil while released
}

// Set holds (true) or releases (false) new work.
func (h *Hold) Set(held bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case held && h.free == nil:
		h.free = make(chan struct{})
	case !held && h.free != nil:
		close(h.free)
		h.free = nil
	}
}

// released returns a channel that is closed once h is not held.
func (h *Hold) released() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.free == nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return h.free
}

// Apply executes p, a plan of pb, fresh from Plan or read from a file
// (ReadPlan), possibly narrowed with Restrict: resources first in
// dependency order, then steps in order. Like terraform, it re-derives what
// it needs from the playbook and the plan: the evaluated specs and live
// objects come from the state the engine's Plan of pb read, or, for a plan
// it did not compute, from live state read now. A plan whose work no
// longer matches what pb and live state give is refused with a
// *StalePlanError before anything runs. Apply reports every transition to
// obs and returns what happened; the error is non-nil when anything failed
// or was interrupted.
func (e *Engine) Apply(ctx context.Context, pb *playbook.Playbook, p *Plan, o ApplyOptions, obs Observer) (*Result, error) {
	x, err := e.derive(ctx, pb)
	if err != nil {
		return nil, err
	}
	if err := CheckStale(p, x.plan); err != nil {
		return nil, err
	}
	x = x.only(p)
	ctx, abandon := context.WithCancel(ctx)
	defer abandon()
	finished := make(chan struct{})
	defer close(finished)
	go interruptPolicy(o, abandon, finished)
	if o.Abandon != nil {
		// Abandoning also stops new work.
		o.Stop = anyClosed(o.Stop, o.Abandon, finished)
	}
	if obs == nil {
		obs = NopObserver
	}
	obs = maskObserver(e.cfg.Known, obs)
	if o.Parallelism <= 0 {
		o.Parallelism = 4
	}
	a := &applier{e: e, p: p, x: x, o: o, obs: obs, start: e.cfg.Now(),
		journals: map[string]*journal{}, outputs: map[string]any{}, stepOut: map[string]any{}, changed: changedSet{}}
	obs.Observe(ApplyStarted{Time: a.start, Playbook: p.Playbook, Changes: p.Summary.Create + p.Summary.Update + p.Summary.Delete,
		Steps: p.Summary.Steps, Pending: pendingWork(p)})
	for t := range a.x.targets {
		j, err := openJournal(e.cfg.JournalDir, p.Playbook, t)
		if err != nil {
			return nil, err
		}
		if j != nil {
			j.known = e.cfg.Known
		}
		a.journals[t] = j
	}
	a.seedOutputs()
	a.applyResources(ctx)
	a.applySteps(ctx)
	a.tidyJournals()
	res := &Result{Items: a.items, Duration: e.cfg.Now().Sub(a.start)}
	interrupted := a.stopped() || ctx.Err() != nil
	obs.Observe(ApplyDone{Time: e.cfg.Now(), Result: res, Interrupted: interrupted})
	switch {
	case interrupted:
		return res, context.Canceled
	case res.Failed():
		return res, errors.New("apply failed")
	}
	return res, nil
}

// interruptPolicy abandons work in flight (abandon) when o.Abandon is
// closed, or when o.Drain has passed since o.Stop was closed; it returns
// once finished is closed.
func interruptPolicy(o ApplyOptions, abandon func(), finished <-chan struct{}) {
	var drain <-chan time.Time
	stop := o.Stop
	for {
		select {
		case <-finished:
			return
		case <-o.Abandon:
			abandon()
			return
		case <-stop:
			stop = nil // seen once
			if o.Drain > 0 {
				t := time.NewTimer(o.Drain)
				defer t.Stop()
				drain = t.C
			}
		case <-drain:
			abandon()
			return
		}
	}
}

// anyClosed returns a channel closed once a or b is closed; done ends the
// watch. A nil channel never closes.
func anyClosed(a, b <-chan struct{}, done <-chan struct{}) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		select {
		case <-a:
			close(out)
		case <-b:
			close(out)
		case <-done:
		}
	}()
	return out
}

type applier struct {
	e        *Engine
	p        *Plan
	x        *execState
	o        ApplyOptions
	obs      Observer
	start    time.Time
	journals map[string]*journal

	mu      sync.Mutex
	items   []ItemResult
	outputs map[string]any // kind -> name -> object, as expressions see it
	stepOut map[string]any // step id -> outputs
	changed changedSet
	failed  bool
	sunk    map[Addr]map[string]any // write-once secrets per resource, as eval.Secret
}

func (a *applier) stopped() bool {
	select {
	case <-a.o.Stop:
		return true
	default:
		return false
	}
}

// halted reports whether no new work may start.
func (a *applier) halted(ctx context.Context) bool {
	a.mu.Lock()
	failed := a.failed
	a.mu.Unlock()
	return failed || a.stopped() || ctx.Err() != nil
}

// mayStart is asked right before new work launches (after its parallelism
// slot was acquired, so a signal that arrived while it waited is seen): it
// waits while the Hold is held and reports whether the work may start.
func (a *applier) mayStart(ctx context.Context) bool {
	if h := a.o.Hold; h != nil {
		select {
		case <-h.released():
		case <-a.o.Stop:
		case <-ctx.Done():
		}
	}
	return !a.halted(ctx)
}

func (a *applier) record(it ItemResult) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.items = append(a.items, it)
	if it.Outcome == OutcomeFailed && !it.Continued {
		a.failed = true
	}
}

// seedOutputs makes every live object visible to expressions before any
// change, so specs and steps can refer to objects apply does not touch.
func (a *applier) seedOutputs() {
	for _, pr := range a.x.resources {
		byName, _ := a.outputs[pr.addr.Kind].(map[string]any)
		if byName == nil {
			byName = map[string]any{}
			a.outputs[pr.addr.Kind] = byName
		}
		if pr.live != nil && pr.prune == "" { // as at plan time: declared resources only
			byName[pr.addr.Name] = objectValue(*pr.live)
		}
	}
}

func (a *applier) setOutput(addr Addr, obj *steps.Object) {
	a.mu.Lock()
	defer a.mu.Unlock()
	byName := a.outputs[addr.Kind].(map[string]any)
	if obj == nil {
		delete(byName, addr.Name)
		return
	}
	v := objectValue(*obj)
	for k, secret := range a.sunk[addr] {
		v[k] = secret
	}
	byName[addr.Name] = v
}

// scope returns an evaluation scope with the outputs known so far.
func (a *applier) scope() *eval.Scope {
	s := a.e.baseScope(a.x.pb)
	s.Data = a.x.data
	a.mu.Lock()
	defer a.mu.Unlock()
	s.Resources = jsondoc.CopyMap(a.outputs)
	s.Steps = jsondoc.CopyMap(a.stepOut)
	changed := changedSet{}
	for k := range a.changed {
		changed[k] = true
	}
	s.Changed = changed.has
	return s
}

// applyResources runs every resource change, respecting dependencies and
// the parallelism bound. Creates and updates wait for what they depend on;
// deletes wait for what depends on them.
func (a *applier) applyResources(ctx context.Context) {
	rs := a.x.resources
	n := len(rs)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	ok := make([]bool, n)
	waitFor := applyOrder(rs)
	sem := make(chan struct{}, a.o.Parallelism)
	var wg sync.WaitGroup
	for i, pr := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			act, _ := pr.effective()
			for _, d := range waitFor[i] {
				<-done[d]
				if !ok[d] {
					if act != NoOp && act != Drift {
						a.record(ItemResult{Addr: pr.addr.String(), Action: act.String(), Outcome: OutcomeNotAttempted,
							Error: fmt.Sprintf("depends on %s, which did not complete", rs[d].addr)})
					}
					return
				}
			}
			if act == NoOp || act == Drift {
				ok[i] = true
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil || !a.mayStart(ctx) {
				if ctx.Err() == nil {
					<-sem
				}
				a.record(ItemResult{Addr: pr.addr.String(), Action: act.String(), Outcome: OutcomeNotAttempted})
				return
			}
			// The slot is freed when the change ends, or earlier when the
			// entry says the server's work is done and only reads remain
			// (steps.Env.Release).
			var once sync.Once
			release := func() { once.Do(func() { <-sem }) }
			defer release()
			ok[i] = a.applyResource(ctx, pr, act, release)
		}()
	}
	wg.Wait()
}

// applyOrder returns, per resource, the resources it waits for. A
// resource waits for what it depends on, except for a dependency being
// deleted: that one waits for its dependents instead (they stop using it
// first, whatever they do: update, delete or nothing). Deciding the
// direction by the dependency's action, not the dependent's, keeps the
// order acyclic when a dependent is updated or already gone while its
// dependency is deleted (a scale-out repository that drops an extent, or
// is absent, while the extent's repository is deleted): the old rule made
// both wait for each other.
func applyOrder(rs []*plannedResource) [][]int {
	waitFor := make([][]int, len(rs))
	for i, pr := range rs {
		for _, d := range pr.deps {
			if act, _ := rs[d].effective(); act == Delete {
				waitFor[d] = append(waitFor[d], i)
				continue
			}
			waitFor[i] = append(waitFor[i], d)
		}
	}
	return waitFor
}

// applyResource runs one change; release frees its parallelism slot
// (steps.Env.Release).
func (a *applier) applyResource(ctx context.Context, pr *plannedResource, act Action, release func()) bool {
	start := a.e.cfg.Now()
	a.obs.Observe(ResourceStarted{Time: start, Addr: pr.addr, Action: act})
	a.oweSteps(pr.addr)
	op := act.String() + " " + pr.addr.String()
	object := pr.addr.String()
	if pr.live != nil {
		object += " id " + pr.live.ID
	}
	env, running := a.stepsEnv(pr.addr.Target, op, object, pr.addr.String(), pr)
	env.Release = release
	err := a.runResource(ctx, pr, act, env)
	dur := a.e.cfg.Now().Sub(start)
	a.obs.Observe(ResourceDone{Time: a.e.cfg.Now(), Addr: pr.addr, Action: act, Duration: dur, Err: err})
	it := ItemResult{Addr: pr.addr.String(), Action: act.String(), Outcome: OutcomeDone, Duration: dur}
	if err != nil {
		err = fmt.Errorf("%s: %s %s: %w", pr.res.Pos, act, pr.addr, err)
		it.Outcome, it.Error = OutcomeFailed, err.Error()
		if ctx.Err() != nil {
			it.Outcome = OutcomeRunning
			it.Running = running()
		}
	}
	a.finishOp(pr.addr.Target, op, err)
	if err == nil {
		a.mu.Lock()
		a.changed.add(pr.addr)
		a.mu.Unlock()
	}
	a.record(it)
	return err == nil
}

func (a *applier) runResource(ctx context.Context, pr *plannedResource, act Action, env steps.Env) error {
	conn, err := a.e.conn(ctx, a.x.targets[pr.addr.Target])
	if err != nil {
		return err
	}
	spec := pr.spec
	if act != Delete && pr.res.Spec != nil {
		s := a.scope()
		s.Each, s.HasEach = pr.each, pr.hasEach
		v, err := pr.res.Spec.Eval(s)
		if err != nil {
			return fmt.Errorf("spec: %w", err)
		}
		spec, _ = v.(map[string]any)
	}
	plain, _ := eval.Reveal(spec).(map[string]any)
	switch act {
	case Create:
		obj, err := pr.kind.Ops.Create(ctx, conn, env, pr.addr.Name, plain)
		if err != nil {
			return err
		}
		a.setOutput(pr.addr, &obj)
	case Update:
		obj, err := pr.kind.Ops.Update(ctx, conn, env, *pr.live, plain)
		if err != nil {
			return err
		}
		a.setOutput(pr.addr, &obj)
	case Delete:
		if err := pr.kind.Ops.Delete(ctx, conn, env, *pr.live, pr.options); err != nil {
			return err
		}
		a.setOutput(pr.addr, nil)
	}
	return nil
}

// oweSteps records, before a change of addr is sent, that every step
// gated on changed() of it owes a run: cleared only when the step has run,
// so a run that fails or is interrupted in between leaves it to the next.
func (a *applier) oweSteps(addr Addr) {
	now := a.e.cfg.Now()
	// Every step of the playbook, also those a --target restriction left
	// out of this run: the change obliges them all the same.
	for _, st := range a.x.pb.Steps {
		for _, k := range changedKeys(st) {
			if !matchesChange(k, addr) {
				continue
			}
			o := Owed{Step: st.ID, Key: k, Since: now, URL: a.x.targets[st.Target].URL}
			if err := a.x.owed.add(o); err != nil {
				a.warn("owed steps: " + err.Error())
			}
		}
	}
}

func (a *applier) warn(msg string) {
	a.obs.Observe(LogLine{Time: a.e.cfg.Now(), Level: "warn", Message: msg})
}

// finishOp drops the journal entry of op once the outcome of its work is
// known: it succeeded, or its session, task or action was seen to end
// unsuccessfully (*veeam.AsyncError). After any other failure (interrupted,
// timed out, polls that kept failing, a lost answer) the work may still run
// on the server: the entry stays, and a re-run waits for that work instead
// of starting it again.
func (a *applier) finishOp(target, op string, err error) {
	var ae *veeam.AsyncError
	if err != nil && !errors.As(err, &ae) {
		return
	}
	if jerr := a.journals[target].done(op); jerr != nil {
		a.warn("journal: " + jerr.Error())
	}
}

// stepsEnv builds the environment handed to a catalogue entry: progress as
// events, the re-attach journal bound to this operation's object, and the
// sink for write-once secrets. The returned function lists async work
// still running for the summary.
func (a *applier) stepsEnv(target, op, object, owner string, pr *plannedResource) (steps.Env, func() []string) {
	j := a.journals[target]
	bind := binding{Playbook: absPath(a.p.Playbook), Target: target, URL: a.x.targets[target].URL, Object: object}
	var mu sync.Mutex
	var started []string
	env := steps.Env{
		Progress: func(p veeam.Progress) {
			a.obs.Observe(Progress{Time: a.e.cfg.Now(), Owner: owner, Kind: string(p.Kind), ID: p.ID, Name: p.Name,
				State: p.State, Percent: p.Percent, Message: p.Message})
		},
		Logf: func(format string, args ...any) {
			a.obs.Observe(LogLine{Time: a.e.cfg.Now(), Level: "info", Message: fmt.Sprintf(format, args...)})
		},
		Track: func(kind veeam.AsyncKind, id, requestID string) {
			mu.Lock()
			started = append(started, fmt.Sprintf("%s %s", kind, id))
			mu.Unlock()
			e := JournalEntry{Op: op, Kind: kind, ID: id, RequestID: requestID, Started: a.e.cfg.Now(),
				Playbook: bind.Playbook, Target: bind.Target, URL: bind.URL, Object: bind.Object}
			if err := j.put(e); err != nil {
				a.warn("journal: " + err.Error())
			}
		},
		Resume: func() (veeam.AsyncKind, string, string, bool) {
			e, ok := j.get(op)
			if !ok {
				return "", "", "", false
			}
			if why := e.mismatch(bind); why != "" {
				a.dropEntry(target, op, fmt.Sprintf("%s %s started %s was %s; not adopted", e.Kind, e.ID, e.Started.UTC().Format(time.RFC3339), why))
				return "", "", "", false
			}
			if _, ended := a.x.ended[endedKey(target, op, e.ID)]; ended {
				a.dropEntry(target, op, fmt.Sprintf("%s %s started %s had already ended when this run's plan read live state; not adopted as this run's work",
					e.Kind, e.ID, e.Started.UTC().Format(time.RFC3339)))
				return "", "", "", false
			}
			return e.Kind, e.ID, e.RequestID, true
		},
		Drop: func(note string) { a.dropEntry(target, op, note) },
	}
	if pr != nil {
		env.Sink = a.sink(pr)
	}
	return env, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), started...)
	}
}

// tidyJournals drops what the journals hold that no run will ever need:
// entries whose work had ended when this run's plan looked (this run did
// not consult them: their objects needed no change), and debts of steps
// the playbook no longer has.
func (a *applier) tidyJournals() {
	for key, en := range a.x.ended {
		if cur, ok := a.journals[en.target].get(en.op); ok && endedKey(en.target, cur.Op, cur.ID) == key {
			a.dropEntry(en.target, en.op, fmt.Sprintf("%s %s had ended before this run; nothing waits for it", cur.Kind, cur.ID))
		}
	}
	ids := map[string]bool{}
	for _, st := range a.x.pb.Steps {
		ids[st.ID] = true
	}
	if err := a.x.owed.prune(ids); err != nil {
		a.warn("owed steps: " + err.Error())
	}
}

// dropEntry removes the journal entry of op, which this run does not
// adopt, and says why.
func (a *applier) dropEntry(target, op, why string) {
	a.warn(fmt.Sprintf("journal: dropped the entry of %q: %s", op, why))
	if err := a.journals[target].done(op); err != nil {
		a.warn("journal: " + err.Error())
	}
}

// sink receives write-once secrets (recovery tokens): written to the
// resource's token_file (0600) and kept, masked, for later expressions.
func (a *applier) sink(pr *plannedResource) func(name, value string) error {
	return func(name, value string) error {
		a.mu.Lock()
		if a.sunk == nil {
			a.sunk = map[Addr]map[string]any{}
		}
		if a.sunk[pr.addr] == nil {
			a.sunk[pr.addr] = map[string]any{}
		}
		a.sunk[pr.addr][name] = eval.NewSecret(value)
		a.mu.Unlock()
		path, _ := pr.options["token_file"].(string)
		if path == "" {
			return nil
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(a.x.pb.File), path)
		}
		if err := writeFileDurable(path, []byte(value+"\n"), 0o600); err != nil {
			return fmt.Errorf("write token_file: %w", err)
		}
		return nil
	}
}

// pendingWork names what apply will work on, for ApplyStarted.Pending.
func pendingWork(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action == Create || c.Action == Update || c.Action == Delete {
			out = append(out, c.Addr.String())
		}
	}
	for _, s := range p.Steps {
		if s.Status != StepWillSkip {
			out = append(out, "step."+s.ID)
		}
	}
	return out
}
