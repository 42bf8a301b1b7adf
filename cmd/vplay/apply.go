package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui"
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
	saved, playbookPath, err := readPlanArg(arg)
	if err != nil {
		return err
	}
	var savedVars map[string]any
	if saved != nil {
		savedVars = saved.Vars
	}
	s, err := a.newSession(playbookPath, &f.runFlags, savedVars)
	if err != nil {
		return err
	}
	// Closed before --stats prints, so the count includes the logout.
	closeEngine := sync.OnceFunc(func() { s.engine.Close(context.WithoutCancel(ctx)) })
	defer closeEngine()
	locks, err := a.lockTargets(ctx, s, playbookPath, f.lockTimeout)
	if err != nil {
		return err
	}
	defer locks.Release()
	p, err := s.engine.Plan(ctx, s.pb)
	if err != nil {
		return err
	}
	targets := f.targets
	if saved != nil && saved.Restricted != "" && len(targets) == 0 {
		targets = strings.Split(saved.Restricted, ", ")
	}
	if err := p.Restrict(targets); err != nil {
		return usageError{err}
	}
	if saved != nil {
		if err := engine.CheckStale(saved, p); err != nil {
			return err
		}
	}
	tuiMode := a.useTUI(&f.runFlags)
	if !p.HasWork() {
		if f.output == "json" {
			return render.JSON(a.Out, p)
		}
		return render.Text(a.Out, p, render.TextOptions{Color: a.useColor(a.Out)})
	}
	if err := a.approve(ctx, p, f, tuiMode); err != nil {
		return err
	}

	stop := make(chan struct{})
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	interrupt := func(hard bool) {
		select {
		case <-stop:
		default:
			close(stop)
		}
		if hard {
			cancelWork()
		}
	}
	// The second SIGINT/SIGTERM abandons work in flight; the summary then
	// lists what still runs on the server.
	onHardInterrupt(ctx, func() { interrupt(true) })
	go func() {
		select {
		case <-ctx.Done(): // first SIGINT/SIGTERM: stop launching, drain (bounded)
			interrupt(false)
			select {
			case <-time.After(drainTimeout):
				cancelWork()
			case <-workCtx.Done():
			}
		case <-workCtx.Done():
		}
	}()

	opts := engine.ApplyOptions{Parallelism: f.parallelism, Stop: stop}
	var res *engine.Result
	if tuiMode {
		// Nothing launches while the screen asks whether to stop.
		opts.Hold = &engine.Hold{}
		events := make(chan engine.Event, 256)
		done := make(chan error, 1)
		go func() {
			done <- tui.Progress(ctx, events, tui.Options{In: a.In, Out: a.tuiOut(), NoColor: !a.useColor(a.Out),
				OnInterrupt: interrupt, OnQuestion: opts.Hold.Set})
		}()
		res, err = s.engine.Apply(workCtx, p, opts, f.metrics.tee(engine.ObserverFunc(func(ev engine.Event) { events <- ev })))
		close(events)
		if uiErr := <-done; uiErr != nil && err == nil {
			err = uiErr
		}
	} else {
		var obs engine.Observer
		switch {
		case f.output == "json":
			obs = render.JSONObserver(a.Out)
		case f.logFormat == "json":
			obs = slogObserver(a.Out)
		default:
			if err := render.Text(a.Out, p, render.TextOptions{Color: a.useColor(a.Out)}); err != nil {
				return err
			}
			fmt.Fprintln(a.Out)
			obs = render.TextObserver(a.Out, render.TextOptions{Color: a.useColor(a.Out)})
		}
		res, err = s.engine.Apply(workCtx, p, opts, f.metrics.tee(obs))
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
func (a *app) approve(ctx context.Context, p *engine.Plan, f *applyFlags, tuiMode bool) error {
	if f.autoApprove {
		if p.Destructive() && !f.allowDestructive {
			if f.output == "text" {
				_ = render.Text(a.Out, p, render.TextOptions{Color: a.useColor(a.Out)})
			}
			return errors.New("the plan deletes objects or runs destructive or disruptive steps: --auto-approve needs --allow-destructive as well")
		}
		return nil
	}
	if !isTTY(a.In) {
		if f.output == "text" {
			_ = render.Text(a.Out, p, render.TextOptions{Color: a.useColor(a.Out)})
		}
		return errors.New("apply needs approval: run it in a terminal, or pass --auto-approve in scripts")
	}
	if tuiMode {
		ok, err := tui.Review(ctx, p, tui.Options{In: a.In, Out: a.tuiOut(), NoColor: !a.useColor(a.Out), Approve: true})
		if err != nil {
			return err
		}
		if !ok {
			return withCode(exitError, errors.New("apply cancelled: nothing was changed"))
		}
		return nil
	}
	if err := render.Text(a.Out, p, render.TextOptions{Color: a.useColor(a.Out)}); err != nil {
		return err
	}
	fmt.Fprint(a.Out, "\nDo you want to apply this plan? Only 'yes' will be accepted: ")
	flush(a.Out)
	line, _ := bufio.NewReader(a.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
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
