package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/fleet"
)

// fleetView lays out the outcomes of a fleet run: a section per member in
// fleet order, then (text) or first (Markdown) the fleet summary table.
// Every member is rendered by the single-target renderers.
type fleetView struct {
	run   *fleetRun
	outs  []memberOutcome
	color bool
}

// memberHeader is the text header of a member's section.
func memberHeader(i, n int, m fleet.Member) string {
	return fmt.Sprintf("=== Member %s (%d of %d) ===", m.Name, i+1, n)
}

// planText writes every member's plan (or error) under its header, then
// the summary table.
func (v fleetView) planText(w io.Writer) error {
	for i, o := range v.outs {
		fmt.Fprintln(w, memberHeader(i, len(v.outs), o.member))
		if o.plan != nil {
			if err := render.Text(w, o.plan, render.TextOptions{Color: v.color}); err != nil {
				return err
			}
		} else {
			io.WriteString(w, o.detail)
		}
		fmt.Fprintln(w)
	}
	return v.summaryText(w, "Fleet plan")
}

// summaryText writes the fleet summary table: member, changes, failures,
// duration and result.
func (v fleetView) summaryText(w io.Writer, title string) error {
	tot := fleet.Sum(reports(v.outs))
	fmt.Fprintf(w, "%s: %s\n", title, totalsLine(tot))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  MEMBER\tCHANGES\tFAILURES\tDURATION\tRESULT")
	for _, o := range v.outs {
		r := o.report
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", o.member.Name, r.Changes, r.Failures, fmtDur(r.Duration), resultWord(r))
	}
	return tw.Flush()
}

// totalsLine is "5 members: 3 with changes, 1 failed".
func totalsLine(t fleet.Totals) string {
	parts := []string{fmt.Sprintf("%d with changes", t.WithChanges), fmt.Sprintf("%d failed", t.Failed)}
	if t.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", t.Skipped))
	}
	return fmt.Sprintf("%s: %s", render.Count(t.Members, "member"), strings.Join(parts, ", "))
}

// resultWord is a member's result in one word.
func resultWord(r fleet.Report) string {
	switch {
	case errors.Is(r.Err, fleet.ErrSkipped):
		return "not started"
	case r.Err != nil:
		return "error"
	case r.Changes > 0:
		return "changes"
	}
	return "ok"
}

func fmtDur(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// planMarkdown writes the summary table first, then one collapsible
// section per member with changes or an error, all within budget: the
// members share what the table leaves, and those that do not fit are
// named in a closing notice.
func (v fleetView) planMarkdown(w io.Writer, budget int) error {
	if budget <= 0 {
		budget = render.DefaultBudget
	}
	var head strings.Builder
	tot := fleet.Sum(reports(v.outs))
	fmt.Fprintf(&head, "## Fleet plan: `%s` on `%s`\n\n%s.\n\n", v.run.playbook, v.run.fleet.File, totalsLine(tot))
	head.WriteString("| Member | Changes | Failures | Duration | Result |\n|---|--:|--:|--:|---|\n")
	for _, o := range v.outs {
		r := o.report
		fmt.Fprintf(&head, "| %s | %d | %d | %s | %s |\n", mdCell(o.member.Name), r.Changes, r.Failures, fmtDur(r.Duration), resultWord(r))
	}
	head.WriteString("\n")
	var shown []memberOutcome
	for _, o := range v.outs {
		if o.report.Err != nil || o.report.Changes > 0 {
			shown = append(shown, o)
		}
	}
	const reserve, minShare = 400, 1500
	room := budget - head.Len() - reserve
	if room < 0 {
		return fmt.Errorf("--markdown-budget %d is too small for the summary table of %d members (%d characters)", budget, len(v.outs), head.Len())
	}
	share := 0
	if len(shown) > 0 {
		share = max(room/len(shown), minShare)
	}
	var body strings.Builder
	var omitted []string
	for _, o := range shown {
		sec, err := memberMarkdown(o, share)
		if err != nil {
			return err
		}
		if body.Len()+len(sec) > room {
			omitted = append(omitted, o.member.Name)
			continue
		}
		body.WriteString(sec)
	}
	out := head.String() + body.String()
	if len(omitted) > 0 {
		note := fmt.Sprintf("Omitted to stay within %d characters: %s. Run `vplay plan -o json --fleet` for every member in full.\n", budget, strings.Join(omitted, ", "))
		if len(out)+len(note) > budget {
			note = fmt.Sprintf("%d members omitted to stay within %d characters; run `vplay plan -o json --fleet` for all.\n", len(omitted), budget)
		}
		out += note
	}
	_, err := io.WriteString(w, out)
	return err
}

// memberMarkdown is one member's <details> section, its plan rendered by
// render.Markdown within budget (less the wrapper).
func memberMarkdown(o memberOutcome, budget int) (string, error) {
	var b strings.Builder
	what := "error"
	if o.report.Err == nil {
		what = render.Count(o.report.Changes, "change")
	}
	fmt.Fprintf(&b, "<details><summary><b>%s</b>: %s</summary>\n\n", mdCell(o.member.Name), what)
	const wrapper = 200
	if o.plan != nil {
		if err := render.Markdown(&b, o.plan, render.MarkdownOptions{Budget: max(budget-wrapper, 500)}); err != nil {
			return "", err
		}
	} else {
		detail := render.Clean(o.detail)
		if len(detail) > budget-wrapper {
			detail = detail[:max(budget-wrapper, 0)] + "\n..."
		}
		fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(strings.TrimRight(detail, "\n"), "```", "'''"))
	}
	b.WriteString("\n</details>\n\n")
	return b.String(), nil
}

// mdCell escapes a table cell.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// jsonMember is one member of `plan -o json --fleet`: the plan in the
// documented plan format (render.JSON), or the error.
type jsonMember struct {
	Member     string            `json:"member"`
	Labels     map[string]string `json:"labels"`
	Result     string            `json:"result"`
	Changes    int               `json:"changes"`
	Failures   int               `json:"failures"`
	DurationNS int64             `json:"duration_ns"`
	Error      string            `json:"error,omitempty"`
	Plan       json.RawMessage   `json:"plan,omitempty"`
}

// jsonFleetPlan is the document `plan -o json --fleet` writes.
type jsonFleetPlan struct {
	FormatVersion string       `json:"format_version"`
	Fleet         string       `json:"fleet"`
	Playbook      string       `json:"playbook"`
	Members       []jsonMember `json:"members"`
	Summary       fleet.Totals `json:"summary"`
}

// planJSON writes one document: every member with its plan, and the totals.
func (v fleetView) planJSON(w io.Writer) error {
	doc := jsonFleetPlan{FormatVersion: engine.FormatVersion, Fleet: v.run.fleet.File, Playbook: v.run.playbook,
		Members: make([]jsonMember, 0, len(v.outs)), Summary: fleet.Sum(reports(v.outs))}
	for _, o := range v.outs {
		jm := jsonMemberOf(o)
		if o.plan != nil {
			var b bytes.Buffer
			if err := render.JSON(&b, o.plan); err != nil {
				return err
			}
			jm.Plan = bytes.TrimSpace(b.Bytes())
		}
		doc.Members = append(doc.Members, jm)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode fleet plan json: %w", err)
	}
	return nil
}

func jsonMemberOf(o memberOutcome) jsonMember {
	r := o.report
	jm := jsonMember{Member: o.member.Name, Labels: o.member.Labels, Result: resultWord(r), Changes: r.Changes,
		Failures: r.Failures, DurationNS: int64(r.Duration)}
	if jm.Labels == nil {
		jm.Labels = map[string]string{}
	}
	if r.Err != nil {
		jm.Error = render.Clean(r.Err.Error())
	}
	return jm
}
