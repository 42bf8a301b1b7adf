package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// This file settles the VBR API revision of every VBR target at plan time:
// the playbook's api_version, its template evaluated now, or the revision
// negotiated with the server; and validates the playbook against the
// revisions that were not known while loading it.

// evalAPIVersion evaluates a target's api_version template (plan-time
// only: over env or secrets) into tc.
func evalAPIVersion(t *playbook.Target, tc *TargetConfig, s *eval.Scope) error {
	if t.APIVersionExpr == nil {
		return nil
	}
	out, err := t.APIVersionExpr.Eval(s)
	if err != nil {
		return fmt.Errorf("%s: target %q: api_version: %w", t.APIVersionPos, t.Name, err)
	}
	str, ok := eval.Reveal(out).(string)
	if !ok || str == "" {
		return fmt.Errorf("%s: target %q: api_version: expected a revision such as 1.3-rev1, got %s (is the variable it reads set?)", t.APIVersionPos, t.Name, display(out))
	}
	if _, err := vbr.DocumentOf(str); err != nil {
		return fmt.Errorf("%s: target %q: api_version: %q is not a VBR REST API revision vplay knows (known: %s)",
			t.APIVersionPos, t.Name, str, strings.Join(vbr.RevisionNames(), ", "))
	}
	tc.APIVersion = str
	return nil
}

// settleRevisions fills the API revision of every VBR target of the plan,
// connecting to those that leave it to negotiation, and re-validates the
// playbook when a revision was not known while loading it: its specs, with
// blocks and params are then checked against that revision's schemas, and
// the problems returned as a *diag.Error with their positions.
func (e *Engine) settleRevisions(ctx context.Context, x *execState, plan *Plan) error {
	late := map[string]string{}
	for i, t := range x.pb.Targets {
		if t.API != veeam.VBR {
			continue
		}
		tc := x.targets[t.Name]
		if tc.APIVersion == "" {
			conn, err := e.conn(ctx, tc)
			if err != nil {
				return err
			}
			if conn.VBR == nil {
				continue // a stand-in connection (tests) has no revision
			}
			tc.APIVersion = conn.VBR.APIVersion()
			x.targets[t.Name] = tc
			if n, ok := conn.VBR.Negotiation(); ok {
				plan.Targets[i].Negotiated = true
				plan.Targets[i].ServerBuild = n.Build
			}
		}
		plan.Targets[i].APIVersion = tc.APIVersion
		if t.APIVersion == "" {
			late[t.Name] = tc.APIVersion
		}
	}
	if len(late) == 0 {
		return nil
	}
	_, ds := playbook.Parse(x.pb.File, x.pb.Source, e.cfg.Catalog, playbook.Options{Vars: x.pb.Vars, APIVersions: late})
	if !ds.HasErrors() {
		return nil
	}
	// Warnings were shown when the playbook was loaded; keep the errors.
	errs := ds[:0:0]
	for _, d := range ds {
		if d.Severity == diag.SevError {
			errs = append(errs, d)
		}
	}
	ds = errs
	// Say where the revision the specs were checked against came from.
	for i, t := range x.pb.Targets {
		rev, ok := late[t.Name]
		if !ok {
			continue
		}
		how, hint := "the revision of its api_version", ""
		if plan.Targets[i].Negotiated {
			how, hint = "the newest revision vplay knows that the server serves", "write api_version to pin another revision the server serves"
		}
		ds = append(ds, diag.Diagnostic{Severity: diag.SevWarning, Pos: t.Pos, Code: "api-version-source", Hint: hint,
			Summary: fmt.Sprintf("targets.%s: specs are checked against VBR REST API %s, %s", t.Name, rev, how)})
	}
	return ds.Err() // the errors first, in order; then where the revision came from
}
