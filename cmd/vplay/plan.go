package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
)

type planFlags struct {
	runFlags
	out      string
	detailed bool
	budget   int
	fleet    fleetFlags
}

func (f *planFlags) validate(args []string) error {
	if len(args) != 1 {
		return usageError{errors.New("plan needs exactly one PLAYBOOK")}
	}
	return f.runFlags.validate()
}

func newPlanCmd(a *app) *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan PLAYBOOK",
		Short: "Show what apply would change, read from live state (never writes)",
		Long: `Evaluate the playbook, read live state from every target (one paged list per kind) and
show the resources that would be created, updated or deleted, field by field, and the steps
that would run. plan never writes to a server.

Exit status: 0 success (with --detailed-exitcode: no changes), 1 error, 2 with
--detailed-exitcode: changes present.`,
		Example: `  vplay plan playbooks/quickstart.yaml
  vplay plan -o markdown playbooks/repositories.yaml > plan.md
  vplay plan --out plan.json playbooks/quickstart.yaml && vplay apply plan.json
  vplay plan --detailed-exitcode playbooks/quickstart.yaml   # drift detection`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(args); err != nil {
				return err
			}
			if f.fleet.active() {
				return a.planFleet(cmd.Context(), args[0], &f)
			}
			return a.plan(cmd.Context(), args[0], &f)
		},
	}
	f.register(cmd, "text", "json", "markdown")
	cmd.Flags().StringVar(&f.out, "out", "", "save the plan to `FILE` for a later vplay apply FILE")
	cmd.Flags().BoolVar(&f.detailed, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none (for drift detection)")
	cmd.Flags().IntVar(&f.budget, "markdown-budget", 60000, "maximum size of -o markdown output in characters")
	f.fleet.register(cmd)
	return cmd
}

func (a *app) plan(ctx context.Context, arg string, f *planFlags) error {
	v := a.newView(&f.runFlags, viewOptions{budget: f.budget, detailed: f.detailed})
	defer v.Result() //nolint:errcheck // plan opens no screen that could fail at the end
	s, err := a.newSession(arg, &f.runFlags, nil, v)
	if err != nil {
		return err
	}
	// Closed before --stats prints, so the count includes the logout.
	closeEngine := sync.OnceFunc(func() { s.engine.Close(ctx) })
	defer closeEngine()
	p, err := s.engine.Plan(ctx, s.pb)
	if err != nil {
		return err
	}
	if p, err = p.Restrict(f.targets); err != nil {
		return usageError{err}
	}
	if f.out != "" {
		var buf bytes.Buffer
		if err := engine.WritePlan(&buf, p, a.Known); err != nil {
			return err
		}
		if err := os.WriteFile(f.out, buf.Bytes(), 0o600); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if _, err := v.Plan(ctx, p, planResult); err != nil {
		return err
	}
	if n, ok := v.(noter); ok && f.out != "" {
		n.note(fmt.Sprintf("Saved the plan to %s; apply it with: vplay apply %s", f.out, f.out))
	}
	if f.stats {
		closeEngine()
		printStats(a.Err, s.log)
	}
	if f.detailed && p.HasChanges() {
		return withCode(exitChanges, nil)
	}
	return nil
}
