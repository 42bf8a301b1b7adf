package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// defaultPollInterval spaces the runs of a step with `until:` and of the
// wait action when the playbook sets no interval.
const defaultPollInterval = 2 * time.Second

// applySteps runs the steps in order once resources have converged. A
// step that earlier runs owe (see Owed) sees changed() true for what it is
// owed; the debt is cleared once the step has run, or the playbook decided
// it need not (its `when` is false, its loop is empty, or it failed under
// continue_on_error).
func (a *applier) applySteps(ctx context.Context) {
	for _, st := range a.x.steps {
		addr := "step." + st.ID
		if !a.mayStart(ctx) {
			a.record(ItemResult{Addr: addr, Action: st.Action, Outcome: OutcomeNotAttempted})
			continue
		}
		s := a.scope()
		s.Changed = withOwed(s.Changed, a.x.owedFor(st))
		if st.When != nil {
			ok, err := st.When.Eval(s)
			if err != nil {
				a.failStep(st, "", fmt.Errorf("%s: step %q: when: %w", st.Pos, st.ID, err), 0)
				continue
			}
			if !ok {
				a.skipStep(st, "when condition is false")
				continue
			}
		}
		items, hasEach, err := forEachItems(st.ForEach, s)
		if err != nil {
			a.failStep(st, "", fmt.Errorf("%s: step %q: for_each: %w", st.Pos, st.ID, err), 0)
			continue
		}
		if hasEach && len(items) == 0 {
			a.skipStep(st, "for_each has no items")
			continue
		}
		if a.runStep(ctx, st, items, hasEach) {
			a.clearOwed(st)
		}
	}
}

// clearOwed drops what earlier runs owed st: it has run.
func (a *applier) clearOwed(st *playbook.Step) {
	if err := a.x.owed.clear(st.ID, a.x.targets[st.Target].URL); err != nil {
		a.warn("owed steps: " + err.Error())
	}
}

func (a *applier) skipStep(st *playbook.Step, reason string) {
	a.obs.Observe(StepSkipped{Time: a.e.cfg.Now(), StepID: st.ID, Reason: reason})
	a.record(ItemResult{Addr: "step." + st.ID, Action: st.Action, Outcome: OutcomeSkipped, Error: reason})
	a.mu.Lock()
	a.stepOut[st.ID] = map[string]any{"status": "skipped", "results": []any{}}
	a.mu.Unlock()
	a.clearOwed(st)
}

func (a *applier) failStep(st *playbook.Step, item string, err error, dur time.Duration) {
	a.obs.Observe(StepDone{Time: a.e.cfg.Now(), StepID: st.ID, Item: item, Duration: dur, Err: err, Ignored: st.ContinueOnError})
	a.record(ItemResult{Addr: "step." + st.ID, Action: st.Action, Outcome: OutcomeFailed, Continued: st.ContinueOnError,
		Error: err.Error(), Duration: dur})
	if st.ContinueOnError {
		a.clearOwed(st)
	}
}

// iteration is one run of a step's action: one loop item, or the step.
type iteration struct {
	op      string // journal operation key
	label   string // loop item label, "" outside loops
	running func() []string
	// release frees the iteration's parallelism slot (once; the slot is
	// freed when the iteration ends anyway).
	release func()
}

// runStep runs every iteration of a step, st.Parallel at a time, and
// records one item per iteration (per loop item, or the step itself). A
// new iteration starts only after its slot is free and only if apply may
// still start work then. It reports whether the step has run as the
// playbook wants: every iteration done, or failed under continue_on_error.
func (a *applier) runStep(ctx context.Context, st *playbook.Step, items []any, hasEach bool) bool {
	action, _ := a.e.cfg.Catalog.Action(st.Action)
	// What every iteration selects from (the live list of an action) is
	// read once for the step, not once per item, or not at all when the
	// plan of this apply read it moments ago.
	ctx = steps.WithMemo(ctx, a.stepMemo())
	par := max(st.Parallel, 1)
	sem := make(chan struct{}, par)
	results := make([]any, len(items))
	errs := make([]error, len(items))
	its := make([]*iteration, len(items))
	durs := make([]time.Duration, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		it := &iteration{op: fmt.Sprintf("step %s #%d", st.ID, i)}
		if hasEach {
			it.label = itemLabel(item)
		}
		its[i] = it
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil || !a.mayStart(ctx) {
			if ctx.Err() == nil {
				<-sem
			}
			errs[i] = errNotStarted
			continue
		}
		var once sync.Once
		it.release = func() { once.Do(func() { <-sem }) }
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer it.release()
			istart := a.e.cfg.Now()
			a.obs.Observe(StepStarted{Time: istart, StepID: st.ID, Action: st.Action, Item: it.label})
			res, err := a.runIteration(ctx, st, action, item, hasEach, it)
			if err != nil {
				err = fmt.Errorf("%s: step %q%s: %w", st.Pos, st.ID, itemSuffix(it.label), err)
			}
			results[i], errs[i] = res, err
			durs[i] = a.e.cfg.Now().Sub(istart)
			a.obs.Observe(StepDone{Time: a.e.cfg.Now(), StepID: st.ID, Item: it.label, Duration: durs[i], Err: err, Ignored: err != nil && st.ContinueOnError})
		}()
	}
	wg.Wait()
	status := "done"
	ranAsWanted := true
	for i, err := range errs {
		addr := "step." + st.ID
		if hasEach {
			addr += "[" + its[i].label + "]"
		}
		ir := ItemResult{Addr: addr, Action: st.Action, Outcome: OutcomeDone, Duration: durs[i]}
		switch {
		case err == nil:
		case errors.Is(err, errNotStarted):
			ir.Outcome, status, ranAsWanted = OutcomeNotAttempted, "failed", false
		case ctx.Err() != nil && its[i].running != nil && len(its[i].running()) > 0:
			ir.Outcome, ir.Error, ir.Running = OutcomeRunning, err.Error(), its[i].running()
			status, ranAsWanted = "failed", false
		default:
			ir.Outcome, ir.Error, ir.Continued = OutcomeFailed, err.Error(), st.ContinueOnError
			status = "failed"
			ranAsWanted = ranAsWanted && st.ContinueOnError && ctx.Err() == nil
		}
		a.record(ir)
	}
	var last any
	if len(results) > 0 {
		last = results[len(results)-1]
	}
	a.mu.Lock()
	a.stepOut[st.ID] = map[string]any{"status": status, "result": last, "results": results}
	a.mu.Unlock()
	return ranAsWanted
}

// stepMemo returns the memo of one step run: starting from the reusable
// values the plan read, when it read them within memoReuseWindow.
func (a *applier) stepMemo() *steps.RunMemo {
	if a.x.memo != nil && a.e.cfg.Now().Sub(a.x.readAt) <= memoReuseWindow {
		return a.x.memo.Reusable()
	}
	return steps.NewRunMemo()
}

// errNotStarted marks an iteration that never started: apply was stopped.
var errNotStarted = errors.New("not started: apply was stopped")

func itemSuffix(label string) string {
	if label == "" {
		return ""
	}
	return fmt.Sprintf(" [%s]", label)
}

// runIteration runs one iteration with the step's timeout, retries and
// until condition.
func (a *applier) runIteration(ctx context.Context, st *playbook.Step, action *steps.Action, item any, hasEach bool, it *iteration) (any, error) {
	if st.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, st.Timeout)
		defer cancel()
	}
	attempts := 1 + max(st.Retries.Count, 0)
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		res, err := a.runUntil(ctx, st, action, item, hasEach, it)
		if err == nil {
			return res, nil
		}
		lastErr = err
		if errors.Is(err, veeam.ErrUncertain) || errors.Is(err, errAssert) || ctx.Err() != nil {
			break // never repeat work that may have reached the server
		}
		if attempt < attempts {
			a.obs.Observe(LogLine{Time: a.e.cfg.Now(), Level: "warn", Message: fmt.Sprintf("step %q: attempt %d of %d failed: %v; retrying", st.ID, attempt, attempts, err)})
			if err := sleepCtx(ctx, st.Retries.Delay); err != nil {
				return nil, lastErr
			}
		}
	}
	if st.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("timed out after %s: %w", st.Timeout, lastErr)
	}
	return nil, lastErr
}

// runUntil runs the action once, or, with `until:`, again and again until
// the condition holds.
func (a *applier) runUntil(ctx context.Context, st *playbook.Step, action *steps.Action, item any, hasEach bool, it *iteration) (any, error) {
	interval := st.Retries.Delay
	if interval <= 0 {
		interval = defaultPollInterval
	}
	for {
		res, err := a.runOnce(ctx, st, action, item, hasEach, it)
		if err != nil || st.Until == nil {
			return res, err
		}
		s := a.scope()
		s.Each, s.HasEach = item, hasEach
		self, _ := s.Steps[st.ID].(map[string]any)
		if self == nil {
			self = map[string]any{}
		}
		self["result"] = res
		s.Steps[st.ID] = self
		ok, err := st.Until.Eval(s)
		if err != nil {
			return res, fmt.Errorf("until: %w", err)
		}
		if ok {
			return res, nil
		}
		if err := sleepCtx(ctx, interval); err != nil {
			return res, fmt.Errorf("until condition still false: %w", err)
		}
	}
}

var errAssert = errors.New("assertion failed")

// runOnce performs the action a single time.
func (a *applier) runOnce(ctx context.Context, st *playbook.Step, action *steps.Action, item any, hasEach bool, it *iteration) (any, error) {
	s := a.scope()
	s.Each, s.HasEach = item, hasEach
	with, err := evalWith(st, s)
	if err != nil {
		return nil, err
	}
	if action == nil {
		return nil, fmt.Errorf("unknown action %q", st.Action)
	}
	if action.Builtin {
		return a.runBuiltin(ctx, st, with, s)
	}
	conn, err := a.e.conn(ctx, a.x.targets[st.Target])
	if err != nil {
		return nil, err
	}
	plain, _ := eval.Reveal(with).(map[string]any)
	// The journal binds the work to the step, its item and its inputs: an
	// entry left by a run with other inputs is not adopted.
	object := fmt.Sprintf("step %s %s%s with %s", st.ID, st.Action, itemSuffix(it.label), hashValue(with)[:16])
	env, running := a.stepsEnv(st.Target, it.op, object, st.ID, nil)
	it.running = running
	res, err := action.Ops.Run(ctx, conn, env, plain)
	if st.Until == nil && st.Retries.Count <= 0 {
		// The action will not run again for this iteration and its work on
		// the server has ended: the next iteration need not wait for the
		// journal and the events.
		it.release()
	}
	a.finishOp(st.Target, it.op, err)
	return res, err
}

// runBuiltin runs the engine's own actions: log, assert, wait.
func (a *applier) runBuiltin(ctx context.Context, st *playbook.Step, with map[string]any, s *eval.Scope) (any, error) {
	switch st.Action {
	case "log":
		level, _ := with["level"].(string)
		if level == "" {
			level = "info"
		}
		msg := fmt.Sprint(eval.Mask(with["message"]))
		a.obs.Observe(LogLine{Time: a.e.cfg.Now(), Level: level, Message: msg})
		return map[string]any{"message": msg}, nil
	case "assert":
		ok, isBool := with["that"].(bool)
		if !isBool {
			return nil, fmt.Errorf("assert: `that` must yield a boolean, got %s", display(with["that"]))
		}
		if !ok {
			msg, _ := with["message"].(string)
			if msg == "" {
				msg = "condition is false"
			}
			return nil, fmt.Errorf("%w: %s", errAssert, msg)
		}
		return map[string]any{"ok": true}, nil
	case "wait":
		return a.runWait(ctx, st, with, s)
	}
	return nil, fmt.Errorf("built-in action %q is not implemented by this engine", st.Action)
}

// runWait polls a data query until its `until` condition, evaluated with
// the query's items as `items`, holds. The items are the step's result.
func (a *applier) runWait(ctx context.Context, st *playbook.Step, with map[string]any, s *eval.Scope) (any, error) {
	qname, _ := with["query"].(string)
	q, ok := a.e.cfg.Catalog.Query(qname)
	if !ok {
		return nil, fmt.Errorf("wait: unknown query %q", qname)
	}
	target := st.Target
	if t, ok := with["target"].(string); ok && t != "" {
		target = t
	}
	if target == "" {
		target = a.onlyTarget(q.API)
	}
	tc, ok := a.x.targets[target]
	if !ok {
		return nil, fmt.Errorf("wait: no target for query %s: set with.target", qname)
	}
	src, _ := with["until"].(string)
	cond, ds := eval.CompileWhere(src, st.Pos)
	if ds.HasErrors() {
		return nil, fmt.Errorf("wait: until: %s", ds[0].Summary)
	}
	timeout, err := durationField(with, "timeout", 10*time.Minute)
	if err != nil {
		return nil, err
	}
	interval, err := durationField(with, "interval", 10*time.Second)
	if err != nil {
		return nil, err
	}
	conn, err := a.e.conn(ctx, tc)
	if err != nil {
		return nil, err
	}
	params, _ := eval.Reveal(with["params"]).(map[string]any)
	deadline := a.e.cfg.Now().Add(timeout)
	for {
		docs, err := q.Fetch(ctx, conn, params)
		if err != nil {
			return nil, fmt.Errorf("wait: %s: %w", qname, err)
		}
		items := make([]any, len(docs))
		for i, d := range docs {
			items[i] = d
		}
		ok, err := cond.Eval(&eval.Scope{Vars: s.Vars, Env: s.Env, Item: map[string]any{"items": items}})
		if err != nil {
			return nil, fmt.Errorf("wait: until: %w", err)
		}
		if ok {
			return items, nil
		}
		a.obs.Observe(Progress{Time: a.e.cfg.Now(), Owner: st.ID, Kind: "watch", Name: qname, State: "waiting", Percent: -1,
			Message: fmt.Sprintf("%s: %d items, until is false", qname, len(items))})
		if !a.e.cfg.Now().Add(interval).Before(deadline) {
			return nil, fmt.Errorf("wait: timed out after %s: until `%s` still false", timeout, src)
		}
		if err := sleepCtx(ctx, interval); err != nil {
			return nil, fmt.Errorf("wait: %w", err)
		}
	}
}

// onlyTarget returns the name of the only target of api, or "".
func (a *applier) onlyTarget(api veeam.API) string {
	name := ""
	for n, t := range a.x.targets {
		if t.API == api {
			if name != "" {
				return ""
			}
			name = n
		}
	}
	return name
}

// durationField reads a Go duration string from with[key].
func durationField(with map[string]any, key string, def time.Duration) (time.Duration, error) {
	s, _ := with[key].(string)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
