package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/fleet"
)

// memberOutcome is what one member's run left for the fleet views.
type memberOutcome struct {
	member fleet.Member
	plan   *engine.Plan // nil when planning failed
	// detail is the member's error in full (diagnostics with their
	// source lines, or the error chain), masked by the output writers.
	detail string
	report fleet.Report
}

// planFleet is `vplay plan --fleet`: every selected member planned
// concurrently through its own engine, then one view of all of them.
func (a *app) planFleet(ctx context.Context, pbPath string, f *planFlags) error {
	if f.out != "" {
		return usageError{errors.New("--out saves one member's plan; it cannot be combined with --fleet")}
	}
	r, err := a.loadFleet(pbPath, &f.runFlags, &f.fleet)
	if err != nil {
		return err
	}
	ui, ctx := a.fleetTUI(ctx, &f.runFlags, "text", "plan") // nil: text; q on the screen cancels ctx
	outs := a.runFleetUI(ui, ctx, r, func(ctx context.Context, m fleet.Member) memberOutcome {
		return a.planMember(ctx, r, m, &f.runFlags)
	})
	if err := a.newFleetView(&f.runFlags, viewOptions{budget: f.budget}).Plan(fleetLayout{run: r, outs: outs}); err != nil {
		return err
	}
	return a.fleetEnd(ctx, r, outs, f.stats, f.detailed)
}

// fleetEnd ends a fleet command: --stats, then the exit code the members
// add up to (130 when interrupted, 1 when a member failed or was not
// started, with detailed 2 when a member has changes).
func (a *app) fleetEnd(ctx context.Context, r *fleetRun, outs []memberOutcome, stats, detailed bool) error {
	if stats {
		printStats(a.Err, r.log)
	}
	tot := fleet.Sum(reports(outs))
	switch {
	case ctx.Err() != nil:
		return withCode(exitInterrupted, nil)
	case tot.Failed > 0 || tot.Skipped > 0:
		return withCode(exitError, nil)
	case detailed && tot.WithChanges > 0:
		return withCode(exitChanges, nil)
	}
	return nil
}

// runFleet runs work for every member of r (fleet.Run) and returns the
// outcomes in member order.
func (a *app) runFleet(ctx context.Context, r *fleetRun, work func(context.Context, fleet.Member) memberOutcome) []memberOutcome {
	index := make(map[string]int, len(r.members))
	for i, m := range r.members {
		index[m.Name] = i
	}
	outs := make([]memberOutcome, len(r.members))
	reps := fleet.Run(ctx, r.members, r.opts, func(ctx context.Context, m fleet.Member) fleet.Report {
		o := work(ctx, m)
		outs[index[m.Name]] = o
		return o.report
	})
	for i, rep := range reps {
		outs[i].member = r.members[i]
		outs[i].report = rep
		if errors.Is(rep.Err, fleet.ErrSkipped) {
			outs[i].detail = "not started: an earlier member failed (--fail-fast) or the run was interrupted"
		}
	}
	return outs
}

// planMember plans one member: its own session, connections and journal
// directory; the session is closed (logged out) before it returns.
func (a *app) planMember(ctx context.Context, r *fleetRun, m fleet.Member, rf *runFlags) memberOutcome {
	o := memberOutcome{member: m}
	s, diags, err := a.memberSession(r, m, rf, a.memberWarnf(m.Name))
	if err != nil {
		return o.failed(err, diags)
	}
	defer s.engine.Close(context.WithoutCancel(ctx))
	p, err := s.engine.Plan(ctx, s.pb)
	if err != nil {
		return o.failed(err, "")
	}
	p, err = p.Restrict(rf.targets)
	if err != nil {
		return o.failed(err, "")
	}
	o.plan = p
	o.report.Changes = planChanges(p)
	return o
}

// failed records err as the member's failure; detail, when set, is the
// full text (diagnostics) to show instead of the error line.
func (o memberOutcome) failed(err error, detail string) memberOutcome {
	o.report.Err, o.report.Failures = err, 1
	if detail == "" {
		var b bytes.Buffer
		if !printDiagnostics(&b, err) {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
		detail = b.String()
	}
	o.detail = detail
	return o
}

// planChanges counts what applying p would change: resources to create,
// update or delete, drift found and steps to run.
func planChanges(p *engine.Plan) int {
	s := p.Summary
	return s.Create + s.Update + s.Delete + s.Drift + s.Steps
}

// memberWarnf prints a member's warnings on stderr, naming the member.
func (a *app) memberWarnf(member string) func(string, ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(a.Err, "warning: [%s] "+format+"\n", append([]any{member}, args...)...)
	}
}

func reports(outs []memberOutcome) []fleet.Report {
	rs := make([]fleet.Report, len(outs))
	for i, o := range outs {
		rs[i] = o.report
	}
	return rs
}
