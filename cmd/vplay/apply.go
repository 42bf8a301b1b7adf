package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/playbook"
)

// drainTimeout bounds how long an interrupted apply waits for work in
// flight before abandoning it (it keeps running on the server).
const drainTimeout = 5 * time.Minute

type applyFlags struct {
	runFlags
	autoApprove      bool
	allowDestructive bool
	parallelism      int
	lockTimeout      time.Duration
	metricsFile      string
	logFormat        string
	metrics          *metricsRecorder // set with --metrics-file
	fleet            fleetFlags
}

func (f *applyFlags) validate(args []string) error {
	if len(args) != 1 {
		return usageError{errors.New("apply needs exactly one PLAYBOOK or saved PLANFILE")}
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return usageError{fmt.Errorf("--log-format %q: expected one of text, json", f.logFormat)}
	}
	if f.parallelism < 1 {
		return usageError{fmt.Errorf("--parallelism %d: must be at least 1", f.parallelism)}
	}
	if f.lockTimeout < 0 {
		return usageError{fmt.Errorf("--lock-timeout %s: must not be negative", f.lockTimeout)}
	}
	return f.runFlags.validate()
}

func newApplyCmd(a *app) *cobra.Command {
	var f applyFlags
	cmd := &cobra.Command{
		Use:   "apply PLAYBOOK|PLANFILE",
		Short: "Apply a playbook (or a saved plan), awaiting every Veeam session, task and async action",
		Long: `Plan the playbook, show the plan, ask for approval and apply it: resources first in dependency
order (up to --parallelism at once), then steps in order. Every asynchronous operation is awaited
to its end. A saved plan (vplay plan --out FILE) is re-checked against live state first and refused
when anything it read has changed.

Apply holds a lock per target (its URL) from before the plan to the end: a second apply of
the same target refuses at once, naming the holder, or waits up to --lock-timeout. Locks left
by a process that is gone are taken over with a warning; vplay unlock TARGET removes the rest.

Without a terminal, --auto-approve is required; with it, destructive work (deletes, destructive or
disruptive steps) also needs --allow-destructive. The first interrupt stops launching new work and
waits for work in flight; the second exits at once.

Exit status: 0 success, 1 error or refused, 130 interrupted.`,
		Example: `  vplay apply playbooks/quickstart.yaml
  vplay apply --auto-approve -o json playbooks/runbook.yaml >> runbook.log
  vplay apply plan.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(args); err != nil {
				return err
			}
			if f.fleet.active() {
				return a.applyFleet(cmd.Context(), args[0], &f)
			}
			return a.apply(cmd.Context(), args[0], &f)
		},
	}
	f.register(cmd, "text", "json")
	fl := cmd.Flags()
	fl.BoolVar(&f.autoApprove, "auto-approve", false, "apply without asking (for scripts)")
	fl.BoolVar(&f.allowDestructive, "allow-destructive", false, "with --auto-approve, also run deletes and destructive or disruptive steps")
	fl.IntVar(&f.parallelism, "parallelism", 4, "how many resources change at once")
	fl.DurationVar(&f.lockTimeout, "lock-timeout", 0, "wait this long for another apply of the same target to finish (0: refuse at once)")
	fl.StringVar(&f.metricsFile, "metrics-file", "", "write Prometheus metrics of the run to `FILE` (for node_exporter's textfile collector), atomically")
	fl.StringVar(&f.logFormat, "log-format", "text", "without the terminal UI: text, or json (log/slog records, one per event)")
	f.fleet.register(cmd)
	return cmd
}

func (a *app) apply(ctx context.Context, arg string, f *applyFlags) (err error) {
	if f.metricsFile != "" {
		f.metrics = &metricsRecorder{}
		defer func() {
			run := metricsRun{Playbook: arg, Result: f.metrics.result, Err: err, End: time.Now()}
			if merr := writeMetrics(f.metricsFile, run); merr != nil {
				fmt.Fprintf(a.Err, "warning: %v\n", merr)
			}
		}()
	}
	// The first interrupt (a signal, or "stop" on the progress screen)
	// stops launching new work; the second abandons work in flight. The
	// engine drains and abandons (ApplyOptions).
	stop, abandon := make(chan struct{}), make(chan struct{})
	stopOnce, abandonOnce := sync.OnceFunc(func() { close(stop) }), sync.OnceFunc(func() { close(abandon) })
	interrupt := func(hard bool) {
		stopOnce()
		if hard {
			abandonOnce()
		}
	}
	hold := &engine.Hold{}
	v := a.newView(&f.runFlags, viewOptions{logJSON: f.logFormat == "json", interrupt: interrupt, hold: hold})
	defer v.Result() //nolint:errcheck // after an early return there is no screen to fail

	saved, playbookPath, err := readPlanArg(arg)
	if err != nil {
		return err
	}
	var savedVars map[string]any
	if saved != nil {
		savedVars = saved.Vars
	}
	s, err := a.newSession(playbookPath, &f.runFlags, savedVars, v)
	if err != nil {
		return err
	}
	// Closed before --stats prints, so the count includes the logout.
	closeEngine := sync.OnceFunc(func() { s.engine.Close(context.WithoutCancel(ctx)) })
	defer closeEngine()
	locks, err := a.lockTargets(ctx, s, playbookPath, f.lockTimeout, warnTo(v))
	if err != nil {
		return err
	}
	defer locks.Release()
	// A saved plan and a fresh one take one path: the engine plans from
	// live state, and applies the plan it is given (the saved one, checked
	// against that fresh plan here so a stale one is refused before anyone
	// is asked, and again by Apply).
	p, err := s.engine.Plan(ctx, s.pb)
	if err != nil {
		return err
	}
	if saved != nil {
		if err := engine.CheckStale(saved, p); err != nil {
			return err
		}
		p = saved
	}
	if p, err = p.Restrict(f.targets); err != nil {
		return usageError{err}
	}
	if !p.HasWork() {
		_, err := v.Plan(ctx, p, planResult)
		return err
	}
	if err := a.approve(ctx, p, f, v); err != nil {
		return err
	}

	// The second SIGINT/SIGTERM abandons work in flight; the summary then
	// lists what still runs on the server.
	onHardInterrupt(ctx, func() { interrupt(true) })
	defer context.AfterFunc(ctx, func() { interrupt(false) })()
	if _, err := v.Plan(ctx, p, planRun); err != nil {
		return err
	}
	opts := engine.ApplyOptions{Parallelism: f.parallelism, Stop: stop, Drain: drainTimeout, Abandon: abandon, Hold: hold}
	res, err := s.engine.Apply(context.WithoutCancel(ctx), s.pb, p, opts, f.metrics.tee(v))
	if uiErr := v.Result(); uiErr != nil && err == nil {
		err = uiErr
	}
	if f.stats {
		closeEngine()
		printStats(a.Err, s.log)
	}
	switch {
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return withCode(exitInterrupted, nil)
	case err != nil && res != nil:
		return withCode(exitError, nil) // every failure was reported by the observer
	}
	return err
}

// approve asks for approval on a terminal, or checks the flags that stand
// for it in scripts.
func (a *app) approve(ctx context.Context, p *engine.Plan, f *applyFlags, v view) error {
	switch {
	case f.autoApprove && p.Destructive() && !f.allowDestructive:
		_, _ = v.Plan(ctx, p, planRefused)
		return errors.New("the plan deletes objects or runs destructive or disruptive steps: --auto-approve needs --allow-destructive as well")
	case f.autoApprove:
		return nil
	case !isTTY(a.In):
		_, _ = v.Plan(ctx, p, planRefused)
		return errors.New("apply needs approval: run it in a terminal, or pass --auto-approve in scripts")
	}
	ok, err := v.Plan(ctx, p, planAsk)
	if err != nil {
		return err
	}
	if !ok {
		return withCode(exitError, errors.New("apply cancelled: nothing was changed"))
	}
	return nil
}

// readPlanArg tells a saved plan from a playbook. For a plan it returns the
// plan and the playbook it was computed from.
func readPlanArg(arg string) (*engine.Plan, string, error) {
	b, err := playbook.ReadFile(arg)
	if err != nil {
		return nil, "", err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return nil, arg, nil
	}
	p, err := engine.ReadPlan(bytes.NewReader(b))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", arg, err)
	}
	path := p.Playbook
	if _, err := os.Stat(path); err != nil && !filepath.IsAbs(path) {
		alt := filepath.Join(filepath.Dir(arg), path)
		if _, err2 := os.Stat(alt); err2 == nil {
			path = alt
		}
	}
	return p, path, nil
}
