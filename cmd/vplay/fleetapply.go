package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/fleet"
)

// applyFleet is `vplay apply --fleet --auto-approve`: each member is
// planned and applied on its own (own engine, locks, journal and owed
// steps), up to --fleet-parallelism at once; a member's failure does not
// stop the others unless --fail-fast. Output lines carry the member: text
// lines start with [member], JSON lines have a "member" field. On a
// terminal the fleet screen (fleettui.go) shows every member instead.
func (a *app) applyFleet(ctx context.Context, arg string, f *applyFlags) error {
	switch {
	case !f.autoApprove:
		return usageError{errors.New("apply --fleet applies members unattended: pass --auto-approve (review first with vplay plan --fleet)")}
	case f.metricsFile != "":
		return usageError{errors.New("--metrics-file describes one target's apply; it cannot be combined with --fleet")}
	}
	saved, _, err := readPlanArg(arg)
	if err != nil {
		return err
	}
	if saved != nil {
		return usageError{fmt.Errorf("%s is a saved plan of one target; apply --fleet takes a PLAYBOOK", arg)}
	}
	r, err := a.loadFleet(arg, &f.runFlags, &f.fleet)
	if err != nil {
		return err
	}
	ui, ctx := a.fleetTUI(ctx, &f.runFlags, f.logFormat, "apply") // nil: text; q on the screen cancels ctx
	// The first interrupt starts no further member and stops launching
	// work in the running ones, which finish what is in flight; the
	// second abandons it (it keeps running on the servers).
	stop := make(chan struct{})
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	onHardInterrupt(ctx, cancelWork)
	go func() {
		select {
		case <-ctx.Done():
			close(stop)
		case <-workCtx.Done():
		}
	}()
	if ui == nil && f.output == "text" && f.logFormat == "text" {
		fmt.Fprintf(a.Out, "Applying %s to %s (up to %d at once); each line starts with its member.\n\n",
			r.playbook, render.Count(len(r.members), "member"), r.opts.Parallelism)
	}
	outs := a.runFleetUI(ui, ctx, r, func(mctx context.Context, m fleet.Member) memberOutcome {
		return a.applyMember(mctx, workCtx, stop, r, m, f)
	})
	if f.output == "json" || f.logFormat == "json" {
		err = fleetSummaryJSON(a.Out, outs)
	} else {
		fmt.Fprintln(a.Out)
		err = fleetView{run: r, outs: outs}.summaryText(a.Out, "Fleet apply")
	}
	if err != nil {
		return err
	}
	if f.stats {
		printStats(a.Err, r.log)
	}
	tot := fleet.Sum(reports(outs))
	switch {
	case ctx.Err() != nil:
		return withCode(exitInterrupted, nil)
	case tot.Failed > 0 || tot.Skipped > 0:
		return withCode(exitError, nil)
	}
	return nil
}

// memberOutput is where a member's apply output goes: its lines prefixed
// with the member (text) or carrying a member field (JSON).
func (a *app) memberOutput(f *applyFlags, member string) *linePrefixer {
	if f.output == "json" || f.logFormat == "json" {
		return memberJSONLines(a.Out, member)
	}
	return &linePrefixer{w: a.Out, prefix: "[" + member + "] "}
}

// applyMember plans and applies one member. ctx ends with the first
// interrupt (planning stops), workCtx only with the second; stop closes at
// the first, so no new work is launched.
func (a *app) applyMember(ctx, workCtx context.Context, stop chan struct{}, r *fleetRun, m fleet.Member, f *applyFlags) (o memberOutcome) {
	o = memberOutcome{member: m}
	out := a.memberOutput(f, m.Name)
	jsonOut := f.output == "json" || f.logFormat == "json"
	defer func() {
		if o.report.Err != nil {
			if jsonOut {
				writeMemberError(out, o.report.Err)
			} else {
				io.WriteString(out, o.detail)
			}
		}
		_ = out.Flush()
	}()
	s, diags, err := a.memberSession(r, m, &f.runFlags, a.memberWarnf(m.Name))
	if err != nil {
		return o.failed(err, diags)
	}
	defer s.engine.Close(context.WithoutCancel(ctx))
	locks, err := a.lockTargets(ctx, s, r.playbook, f.lockTimeout, a.memberWarnf(m.Name))
	if err != nil {
		return o.failed(err, "")
	}
	defer locks.Release()
	p, err := s.engine.Plan(ctx, s.pb)
	if err != nil {
		return o.failed(err, "")
	}
	p, err = p.Restrict(f.targets)
	if err != nil {
		return o.failed(err, "")
	}
	o.plan = p
	color := a.useColor(a.Out)
	if !p.HasWork() {
		if !jsonOut {
			fmt.Fprintln(out, "No changes. Live state matches the playbook.")
		}
		return o
	}
	if p.Destructive() && !f.allowDestructive {
		if !jsonOut {
			_ = render.Text(out, p, render.TextOptions{Color: color})
		}
		return o.failed(errors.New("the plan deletes objects or runs destructive or disruptive steps: --auto-approve needs --allow-destructive as well"), "")
	}
	var obs engine.Observer
	switch {
	case f.output == "json":
		obs = render.JSONObserver(out)
	case f.logFormat == "json":
		obs = slogObserver(out)
	default:
		if err := render.Text(out, p, render.TextOptions{Color: color}); err != nil {
			return o.failed(err, "")
		}
		obs = render.TextObserver(out, render.TextOptions{Color: color})
	}
	res, err := s.engine.Apply(workCtx, s.pb, p, engine.ApplyOptions{Parallelism: f.parallelism, Stop: stop}, obs)
	if res != nil {
		c := engine.Count(res.Items)
		o.report.Changes, o.report.Failures = c.Done, c.Failed
	}
	if err != nil {
		o.report.Err = err
		o.report.Failures = max(o.report.Failures, 1)
		if res == nil { // not reported by the observer
			o = o.failed(err, "")
		}
	}
	return o
}

// writeMemberError writes a member's failure as one JSON event line.
func writeMemberError(w io.Writer, err error) {
	b, _ := json.Marshal(map[string]string{"type": "member_error", "error": render.Clean(err.Error())})
	_, _ = w.Write(append(b, '\n'))
}

// fleetSummaryJSON writes the final line of a fleet apply's JSON events:
// every member's result and the totals.
func fleetSummaryJSON(w io.Writer, outs []memberOutcome) error {
	members := make([]jsonMember, 0, len(outs))
	for _, o := range outs {
		members = append(members, jsonMemberOf(o))
	}
	tot := fleet.Sum(reports(outs))
	b, err := json.Marshal(struct {
		Type          string       `json:"type"`
		FormatVersion string       `json:"format_version"`
		Members       []jsonMember `json:"members"`
		Summary       fleet.Totals `json:"summary"`
		OK            bool         `json:"ok"`
	}{"fleet_summary", engine.FormatVersion, members, tot, tot.Failed == 0 && tot.Skipped == 0})
	if err != nil {
		return fmt.Errorf("encode fleet summary: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
