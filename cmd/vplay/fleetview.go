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

// fleetView shows a fleet run in the output format its flags chose, once,
// in newFleetView: text (or Markdown, for plans) for people, or JSON (one
// document for a plan, one object per line for an apply; with
// --log-format json an apply's event lines are slog records). The fleet
// commands call it and never branch on the format.
type fleetView interface {
	// Plan shows the outcome of plan --fleet.
	Plan(l fleetLayout) error
	// ApplyStarted introduces an apply --fleet run.
	ApplyStarted(r *fleetRun)
	// Member returns the view of one member's apply.
	Member(name string) memberView
	// ApplyDone ends an apply --fleet run with the fleet summary.
	ApplyDone(l fleetLayout) error
}

// memberView shows one member's apply, every line marked with the member:
// text lines start with [member], JSON lines have a "member" field.
type memberView interface {
	// NoChanges says the member has nothing to apply.
	NoChanges()
	// Refused shows the plan apply refused to run unattended.
	Refused(p *engine.Plan)
	// Run shows the plan about to run and returns the observer of its
	// events.
	Run(p *engine.Plan) (engine.Observer, error)
	// Failed shows the member's failure.
	Failed(o memberOutcome)
	// Close writes what is left of the member's last line.
	Close()
}

// newFleetView chooses the view of a fleet run from its flags; it is the
// one place of the fleet commands that looks at --output and
// --log-format.
func (a *app) newFleetView(f *runFlags, o viewOptions) fleetView {
	switch {
	case f.output == "json":
		return fleetJSONView{a: a}
	case o.logJSON:
		return fleetJSONView{a: a, slog: true}
	}
	return fleetHumanView{a: a, budget: o.budget, markdown: f.output == "markdown", color: a.useColor(a.Out)}
}

// fleetHumanView writes a fleet run as text (or a plan as Markdown).
type fleetHumanView struct {
	a               *app
	budget          int
	markdown, color bool
}

func (v fleetHumanView) Plan(l fleetLayout) error {
	l.color = v.color
	if v.markdown {
		return l.planMarkdown(v.a.Out, v.budget)
	}
	return l.planText(v.a.Out)
}

func (v fleetHumanView) ApplyStarted(r *fleetRun) {
	fmt.Fprintf(v.a.Out, "Applying %s to %s (up to %d at once); each line starts with its member.\n\n",
		r.playbook, render.Count(len(r.members), "member"), r.opts.Parallelism)
}

func (v fleetHumanView) Member(name string) memberView {
	return humanMemberView{out: &linePrefixer{w: v.a.Out, prefix: "[" + name + "] "}, color: v.color}
}

func (v fleetHumanView) ApplyDone(l fleetLayout) error {
	fmt.Fprintln(v.a.Out)
	return l.summaryText(v.a.Out, "Fleet apply")
}

// humanMemberView writes a member's apply as text lines starting with
// [member].
type humanMemberView struct {
	out   *linePrefixer
	color bool
}

func (v humanMemberView) NoChanges() {
	fmt.Fprintln(v.out, "No changes. Live state matches the playbook.")
}

func (v humanMemberView) Refused(p *engine.Plan) {
	_ = render.Text(v.out, p, render.TextOptions{Color: v.color}) // the refusal is the member's error
}

func (v humanMemberView) Run(p *engine.Plan) (engine.Observer, error) {
	if err := render.Text(v.out, p, render.TextOptions{Color: v.color}); err != nil {
		return nil, err
	}
	return render.TextObserver(v.out, render.TextOptions{Color: v.color}), nil
}

func (v humanMemberView) Failed(o memberOutcome) { io.WriteString(v.out, o.detail) }

func (v humanMemberView) Close() { _ = v.out.Flush() }

// fleetJSONView writes a fleet plan as one JSON document, and a fleet
// apply as JSON lines carrying their member, ended by a fleet_summary
// line; slog makes a member's event lines slog records (--log-format
// json).
type fleetJSONView struct {
	a    *app
	slog bool
}

func (v fleetJSONView) Plan(l fleetLayout) error { return l.planJSON(v.a.Out) }

func (v fleetJSONView) ApplyStarted(*fleetRun) {}

func (v fleetJSONView) Member(name string) memberView {
	return jsonMemberView{out: memberJSONLines(v.a.Out, name), slog: v.slog}
}

func (v fleetJSONView) ApplyDone(l fleetLayout) error { return fleetSummaryJSON(v.a.Out, l.outs) }

// jsonMemberView writes a member's apply as JSON lines with a "member"
// field: its events, or its error.
type jsonMemberView struct {
	out  *linePrefixer
	slog bool
}

func (v jsonMemberView) NoChanges() {}

func (v jsonMemberView) Refused(*engine.Plan) {}

func (v jsonMemberView) Run(*engine.Plan) (engine.Observer, error) {
	if v.slog {
		return slogObserver(v.out), nil
	}
	return render.JSONObserver(v.out), nil
}

func (v jsonMemberView) Failed(o memberOutcome) { writeMemberError(v.out, o.report.Err) }

func (v jsonMemberView) Close() { _ = v.out.Flush() }

// fleetLayout lays out the outcomes of a fleet run: a section per member in
// fleet order, then (text) or first (Markdown) the fleet summary table.
// Every member is rendered by the single-target renderers.
type fleetLayout struct {
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
func (v fleetLayout) planText(w io.Writer) error {
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
func (v fleetLayout) summaryText(w io.Writer, title string) error {
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
func (v fleetLayout) planMarkdown(w io.Writer, budget int) error {
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
func (v fleetLayout) planJSON(w io.Writer) error {
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
