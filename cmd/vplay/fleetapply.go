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
// stop the others unless --fail-fast. Output lines carry the member
// (fleetView, memberView). On a terminal the fleet screen (fleettui.go)
// shows every member instead.
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
	v := a.newFleetView(&f.runFlags, viewOptions{logJSON: f.logFormat == "json"})
	if ui == nil {
		v.ApplyStarted(r)
	}
	outs := a.runFleetUI(ui, ctx, r, func(mctx context.Context, m fleet.Member) memberOutcome {
		return a.applyMember(mctx, workCtx, stop, r, m, f, v.Member(m.Name))
	})
	if err := v.ApplyDone(fleetLayout{run: r, outs: outs}); err != nil {
		return err
	}
	return a.fleetEnd(ctx, r, outs, f.stats, false)
}

// applyMember plans and applies one member. ctx ends with the first
// interrupt (planning stops), workCtx only with the second; stop closes at
// the first, so no new work is launched.
func (a *app) applyMember(ctx, workCtx context.Context, stop chan struct{}, r *fleetRun, m fleet.Member, f *applyFlags, v memberView) (o memberOutcome) {
	o = memberOutcome{member: m}
	defer func() {
		if o.report.Err != nil {
			v.Failed(o)
		}
		v.Close()
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
	if !p.HasWork() {
		v.NoChanges()
		return o
	}
	if p.Destructive() && !f.allowDestructive {
		v.Refused(p)
		return o.failed(errors.New("the plan deletes objects or runs destructive or disruptive steps: --auto-approve needs --allow-destructive as well"), "")
	}
	obs, err := v.Run(p)
	if err != nil {
		return o.failed(err, "")
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
