package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/vplay-dev/vplay/engine"
)

// TextOptions configures the human text renderers.
type TextOptions struct {
	// Color adds ANSI colour. Callers set it from the terminal and NO_COLOR;
	// the renderers never look at the environment.
	Color bool
	// Width is the column budget used to wrap long strings; 0 means 80.
	Width int
}

func (o TextOptions) width() int {
	if o.Width <= 0 {
		return 80
	}
	return o.Width
}

// ANSI styles, used only when TextOptions.Color is set.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

// painter applies colour when enabled.
type painter bool

func (p painter) paint(style, s string) string {
	if !p || s == "" {
		return s
	}
	return style + s + ansiReset
}

func (p painter) op(o Op, s string) string {
	switch o {
	case OpAdd:
		return p.paint(ansiGreen, s)
	case OpRemove:
		return p.paint(ansiRed, s)
	case OpChange:
		return p.paint(ansiYellow, s)
	case OpComment:
		return p.paint(ansiDim, s)
	}
	return s
}

func (p painter) action(a engine.Action, s string) string {
	switch a {
	case engine.Create:
		return p.paint(ansiGreen, s)
	case engine.Delete:
		return p.paint(ansiRed, s)
	case engine.Update:
		return p.paint(ansiYellow, s)
	case engine.Drift:
		return p.paint(ansiMagenta, s)
	}
	return p.paint(ansiDim, s)
}

// Text writes the Terraform-like plan: a header per target, one block per
// resource change with its field diff and source position, deletes and
// destructive or disruptive work flagged with "!", the steps with their
// status, and the footer line (FooterLine).
func Text(w io.Writer, p *engine.Plan, o TextOptions) error {
	p = CleanPlan(p)
	bw := bufio.NewWriter(w)
	pt := painter(o.Color)
	width := o.width()

	title := "Plan"
	if p.Name != "" {
		title += " for " + p.Name
	}
	if p.Playbook != "" {
		title += " (" + p.Playbook + ")"
	}
	fmt.Fprintln(bw, pt.paint(ansiBold, title))
	for _, line := range RevisionLines(p) {
		fmt.Fprintln(bw, line)
	}

	for _, g := range groupByTarget(p) {
		shown := 0
		for _, c := range g.changes {
			if visible(*c) {
				shown++
			}
		}
		if shown == 0 {
			continue
		}
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, pt.paint(ansiBold+ansiCyan, targetTitle(g.target)))
		for _, c := range g.changes {
			if !visible(*c) {
				continue
			}
			fmt.Fprintln(bw)
			writeChangeHeader(bw, pt, *c)
			for _, l := range DiffLines(*c, width-6) {
				writeLine(bw, pt, "      ", l)
			}
		}
	}

	if len(p.Steps) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, pt.paint(ansiBold, "Steps:"))
		for _, s := range p.Steps {
			writeStep(bw, pt, s)
		}
	}

	fmt.Fprintln(bw)
	if d := DriftLine(p); d != "" {
		fmt.Fprintln(bw, pt.paint(ansiMagenta, d))
	}
	fmt.Fprintln(bw, pt.paint(ansiBold, FooterLine(p)))
	return bw.Flush()
}

// visible reports whether a change is listed: every change except a plain
// no-op (a no-op with a reason, such as a policy that held back a delete, is
// listed).
func visible(c engine.Change) bool {
	return c.Action != engine.NoOp || c.Reason != ""
}

// FooterLine is the last line of the text plan:
// "Plan: N to create, N to update, N to delete, N steps to run." or, when
// nothing would change, "No changes. Live state matches the playbook."
func FooterLine(p *engine.Plan) string {
	s := p.Summary
	if !p.HasChanges() {
		if p.HasWork() {
			return "No changes. Live state matches the playbook; only read-only steps will run."
		}
		return "No changes. Live state matches the playbook."
	}
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %s to run",
		s.Create, s.Update, s.Delete, Count(s.Steps, "step"))
	if n := ReadOnlySteps(p); n > 0 {
		line += fmt.Sprintf(" (and %d read-only)", n)
	}
	return line + "."
}

// ReadOnlySteps counts the steps that will run but only read (log, assert,
// wait): the plan lists them as "will run", and the footer says so beside
// the steps that change something (Summary.Steps).
func ReadOnlySteps(p *engine.Plan) int {
	n := 0
	for _, st := range p.Steps {
		if st.Status != engine.StepWillSkip && st.Risk == engine.RiskRead {
			n++
		}
	}
	return n
}

// Count is "1 step", "2 steps": n and the noun, plural unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// DriftLine counts drifted resources under policy observe, or returns ""
// when there is none.
func DriftLine(p *engine.Plan) string {
	n := p.Summary.Drift
	if n == 0 {
		return ""
	}
	verb := "differ"
	if n == 1 {
		verb = "differs"
	}
	return fmt.Sprintf("Drift: %s under policy observe %s from the playbook (reported, never written).",
		plural(n, "resource"), verb)
}

func writeChangeHeader(w io.Writer, pt painter, c engine.Change) {
	var sb strings.Builder
	sb.WriteString("  ")
	writeChangeTitle(&sb, pt, c)
	fmt.Fprintln(w, sb.String())
}

func writeChangeTitle(sb *strings.Builder, pt painter, c engine.Change) {
	sb.WriteString(pt.action(c.Action, string(c.Action)+" "+c.Addr.Kind+" "+quote(c.Addr.Name)))
	if f := ChangeFlag(c); f != "" {
		sb.WriteString("  " + pt.paint(ansiBold+ansiRed, "! "+f))
	}
	if c.Action == engine.Drift {
		sb.WriteString("  " + pt.paint(ansiMagenta, "! drift"))
	}
	var notes []string
	if c.Reason != "" {
		notes = append(notes, c.Reason)
	}
	if src := changeSource(c); src != "" {
		notes = append(notes, "("+src+")")
	}
	if len(notes) > 0 {
		sb.WriteString("  " + pt.paint(ansiDim, "# "+strings.Join(notes, " ")))
	}
}

func stepSymbol(s engine.StepStatus) string {
	switch s {
	case engine.StepWillRun:
		return ">"
	case engine.StepDependsOn:
		return "?"
	}
	return "="
}

func writeStepTitle(sb *strings.Builder, pt painter, s engine.StepRun) {
	head := stepSymbol(s.Status) + " " + s.ID
	if s.Name != "" && s.Name != s.ID {
		head += " " + quote(s.Name)
	}
	what := s.Action
	if s.Target != "" {
		what += " on " + s.Target
	}
	head += " (" + what + "): " + StepStatusText(s.Status)
	style := ansiGreen
	switch s.Status {
	case engine.StepWillSkip:
		style = ansiDim
	case engine.StepDependsOn:
		style = ansiYellow
	}
	sb.WriteString(pt.paint(style, head))
	if f := StepFlag(s); f != "" {
		sb.WriteString("  " + pt.paint(ansiBold+ansiRed, "! "+f))
	}
	if src := stepSource(s); src != "" {
		sb.WriteString("  " + pt.paint(ansiDim, "# ("+src+")"))
	}
}

func writeStep(w io.Writer, pt painter, s engine.StepRun) {
	var sb strings.Builder
	sb.WriteString("  ")
	writeStepTitle(&sb, pt, s)
	fmt.Fprintln(w, sb.String())
	if s.Reason != "" {
		fmt.Fprintln(w, "      "+pt.paint(ansiDim, "reason: "+s.Reason))
	}
	if s.Summary != "" {
		fmt.Fprintln(w, "      "+s.Summary)
	}
	for _, it := range s.Items {
		fmt.Fprintln(w, "        * "+it)
	}
}

// writeLine writes one diff line after a margin, with colour: the op
// symbol and text in the op's colour, or word-diff spans coloured without
// their markers.
func writeLine(w io.Writer, pt painter, margin string, l Line) {
	ind := strings.Repeat("    ", l.Indent)
	if !pt {
		fmt.Fprintln(w, strings.TrimRight(margin+l.String(), " "))
		return
	}
	sym := pt.op(l.Op, l.Op.Symbol())
	if l.Spans == nil {
		fmt.Fprintln(w, margin+ind+sym+" "+pt.op(l.Op, l.Text))
		return
	}
	var sb strings.Builder
	for _, sp := range l.Spans {
		switch sp.Op {
		case OpAdd:
			sb.WriteString(pt.paint(ansiGreen+ansiBold, sp.Text))
		case OpRemove:
			sb.WriteString(pt.paint(ansiRed+"\x1b[9m", sp.Text))
		default:
			sb.WriteString(sp.Text)
		}
	}
	fmt.Fprintln(w, margin+ind+sym+" "+sb.String())
}

// targetGroup is the changes of one target, in plan order.
type targetGroup struct {
	target  engine.Target
	changes []*engine.Change // into the plan, never modified
}

// groupByTarget groups the plan's changes by target: the plan's targets in
// their order, then targets only named by changes, in order of appearance.
func groupByTarget(p *engine.Plan) []targetGroup {
	idx := map[string]int{}
	var gs []targetGroup
	for _, t := range p.Targets {
		if _, ok := idx[t.Name]; ok {
			continue
		}
		idx[t.Name] = len(gs)
		gs = append(gs, targetGroup{target: t})
	}
	for k := range p.Changes {
		c := &p.Changes[k]
		i, ok := idx[c.Addr.Target]
		if !ok {
			i = len(gs)
			idx[c.Addr.Target] = i
			gs = append(gs, targetGroup{target: engine.Target{Name: c.Addr.Target}})
		}
		gs[i].changes = append(gs[i].changes, c)
	}
	return gs
}

// RevisionLines says, for each VBR target whose API revision was
// negotiated with the server, which revision the plan uses.
func RevisionLines(p *engine.Plan) []string {
	var out []string
	for _, t := range p.Targets {
		if !t.Negotiated {
			continue
		}
		about := "negotiated: the newest revision vplay knows that the server serves"
		if t.ServerBuild != "" {
			about = "negotiated with VBR " + t.ServerBuild
		}
		out = append(out, fmt.Sprintf("Target %s: VBR REST API %s (%s)", t.Name, t.APIVersion, about))
	}
	return out
}

func targetTitle(t engine.Target) string {
	s := "Target " + t.Name
	var about []string
	if t.API != "" {
		about = append(about, t.API)
	}
	if t.URL != "" {
		about = append(about, t.URL)
	}
	if len(about) > 0 {
		s += " (" + strings.Join(about, " ") + ")"
	}
	return s
}
