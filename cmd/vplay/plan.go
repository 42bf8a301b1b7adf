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
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui"
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
			ctx := cmd.Context()
			if f.fleet.active() {
				return a.planFleet(ctx, args[0], &f)
			}
			s, err := a.newSession(args[0], &f.runFlags, nil)
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
			if err := p.Restrict(f.targets); err != nil {
				return usageError{err}
			}
			if f.out != "" {
				p.Vars = s.vars
				var buf bytes.Buffer
				if err := engine.WritePlan(&buf, p); err != nil {
					return err
				}
				if err := os.WriteFile(f.out, buf.Bytes(), 0o600); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			if err := a.showPlan(ctx, p, &f.runFlags, f.budget, f.detailed); err != nil {
				return err
			}
			if f.out != "" && f.output == "text" {
				fmt.Fprintf(a.Err, "Saved the plan to %s; apply it with: vplay apply %s\n", f.out, f.out)
			}
			if f.stats {
				closeEngine()
				printStats(a.Err, s.log)
			}
			if f.detailed && p.HasChanges() {
				return withCode(exitChanges, nil)
			}
			return nil
		},
	}
	f.register(cmd, "text", "json", "markdown")
	cmd.Flags().StringVar(&f.out, "out", "", "save the plan to `FILE` for a later vplay apply FILE")
	cmd.Flags().BoolVar(&f.detailed, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none (for drift detection)")
	cmd.Flags().IntVar(&f.budget, "markdown-budget", 60000, "maximum size of -o markdown output in characters")
	f.fleet.register(cmd)
	return cmd
}

// showPlan renders p in the chosen format, or opens the review screen on a
// terminal. A plan without changes, and a drift check (detailed), print
// text and return at once: no full-screen view waits for a key. After the
// review the text plan is printed, so the diff stays in the scrollback.
func (a *app) showPlan(ctx context.Context, p *engine.Plan, f *runFlags, budget int, detailed bool) error {
	switch f.output {
	case "json":
		return render.JSON(a.Out, p)
	case "markdown":
		return render.Markdown(a.Out, p, render.MarkdownOptions{Budget: budget})
	}
	if a.useTUI(f) && p.HasChanges() && !detailed {
		if _, err := tui.Review(ctx, p, tui.Options{In: a.In, Out: a.tuiOut(), NoColor: !a.useColor(a.Out)}); err != nil {
			return err
		}
	}
	return render.Text(a.Out, p, render.TextOptions{Color: a.useColor(a.Out)})
}
