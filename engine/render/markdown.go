package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine"
)

// DefaultBudget is the Markdown size budget when none is given: under
// GitHub's 65,536-character limit for a comment, with room for a header.
const DefaultBudget = 60000

// MarkdownOptions configures Markdown.
type MarkdownOptions struct {
	// Budget is the most characters the output may have; 0 means
	// DefaultBudget. Sizes are counted in bytes, which is never less than
	// characters, so the budget holds for any text.
	Budget int
}

// noticeReserve is the room kept for the omission notice.
const noticeReserve = 1200

// Markdown writes the plan for a pull-request comment: a title, the footer
// line, a summary table per target, one collapsible <details> per target
// and per changed resource with a ```diff block, the steps with their
// status, and destructive work flagged with ⚠️ and the word. Past the budget
// it stops adding resource details and lists exactly what it omitted; the
// output never exceeds the budget.
func Markdown(w io.Writer, p *engine.Plan, o MarkdownOptions) error {
	p = CleanPlan(p)
	budget := o.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	s := markdown(p, budget)
	_, err := io.WriteString(w, s)
	if err != nil {
		return fmt.Errorf("write markdown plan: %w", err)
	}
	return nil
}

func markdown(p *engine.Plan, budget int) string {
	head := mdHead(p)
	groups := groupByTarget(p)
	reserve := min(noticeReserve, budget/10)

	// Steps are kept before resource details: they get up to half of what
	// the head leaves (all of it when no resource is listed).
	room := budget - len(head) - reserve
	hasResources := false
	for _, g := range groups {
		for _, c := range g.changes {
			hasResources = hasResources || visible(*c)
		}
	}
	stepRoom := room
	if hasResources {
		stepRoom = room / 2
	}
	steps := mdSteps(p.Steps, stepRoom, budget)
	room -= len(steps)

	var body strings.Builder
	var omitted []string
	stopped := false
	for _, g := range groups {
		var shown []*engine.Change
		for _, c := range g.changes {
			if visible(*c) {
				shown = append(shown, c)
			}
		}
		if len(shown) == 0 {
			continue
		}
		n := 0
		if !stopped {
			// Blocks are rendered only while they fit: past the budget
			// nothing more is built, only addresses collected.
			open, closing := mdTargetOpen(g), "</details>\n\n"
			used := len(open) + len(closing)
			var blocks []string
			for n < len(shown) {
				b := mdChange(*shown[n])
				if used+len(b) > room {
					break
				}
				blocks = append(blocks, b)
				used += len(b)
				n++
			}
			if n > 0 {
				body.WriteString(open)
				for _, b := range blocks {
					body.WriteString(b)
				}
				body.WriteString(closing)
				room -= used
			}
			stopped = n < len(shown)
		}
		for _, c := range shown[n:] {
			omitted = append(omitted, c.Addr.String())
		}
	}

	var out strings.Builder
	out.WriteString(head)
	out.WriteString(body.String())
	if len(omitted) > 0 {
		out.WriteString(omissionNotice(omitted, "resource change", budget, reserve-1) + "\n")
	}
	out.WriteString(steps)
	return fitBudget(out.String(), budget)
}

// fitBudget cuts s at a line boundary when it still exceeds the budget
// (only for budgets too small for the head itself) and says so.
func fitBudget(s string, budget int) string {
	if len(s) <= budget {
		return s
	}
	tail := fmt.Sprintf("\n… output truncated (budget %s characters)\n", thousands(budget))
	if len(tail) >= budget {
		return validPrefix(s, budget)
	}
	cut := validPrefix(s, budget-len(tail))
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	return cut + tail
}

// validPrefix returns the longest prefix of s of at most n bytes that does
// not split a UTF-8 sequence.
func validPrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// omissionNotice lists what was left out, as many addresses as fit in
// limit bytes, then how many more.
func omissionNotice(names []string, what string, budget, limit int) string {
	lead := fmt.Sprintf("… %s omitted (budget %s characters)", plural(len(names), "more "+what), thousands(budget))
	var sb strings.Builder
	sb.WriteString(lead)
	for i, n := range names {
		sep := ": "
		if i > 0 {
			sep = ", "
		}
		n = mdEscape(n)
		more := 0
		if i < len(names)-1 {
			more = len(fmt.Sprintf(", … and %d more", len(names)-i-1))
		}
		if sb.Len()+len(sep)+len(n)+more+2 > limit {
			fmt.Fprintf(&sb, "%s… and %d more", sep, len(names)-i)
			break
		}
		sb.WriteString(sep)
		sb.WriteString(n)
	}
	sb.WriteString(".\n")
	return sb.String()
}

// thousands renders n with comma separators: 60000 -> 60,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var sb strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(r)
	}
	if neg {
		return "-" + sb.String()
	}
	return sb.String()
}

func mdHead(p *engine.Plan) string {
	var sb strings.Builder
	title := "vplay plan"
	if p.Name != "" {
		title += ": " + p.Name
	}
	sb.WriteString("### " + mdEscape(title) + "\n\n")
	if p.Playbook != "" {
		sb.WriteString("`" + strings.ReplaceAll(p.Playbook, "`", "'") + "` · ")
	}
	sb.WriteString("**" + FooterLine(p) + "**\n\n")
	for _, line := range RevisionLines(p) {
		sb.WriteString(mdEscape(line) + "\n\n")
	}
	if d := DriftLine(p); d != "" {
		sb.WriteString("⚠️ **drift**: " + strings.TrimPrefix(d, "Drift: ") + "\n\n")
	}
	if w := destructiveWarning(p); w != "" {
		sb.WriteString(w)
	}
	if !p.HasChanges() {
		return sb.String()
	}
	sb.WriteString("| Target | Create | Update | Delete | Drift | Steps |\n")
	sb.WriteString("| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range targetCounts(p) {
		fmt.Fprintf(&sb, "| %s | %d | %d | %d | %d | %d |\n", r.name, r.s.Create, r.s.Update, r.s.Delete, r.s.Drift, r.s.Steps)
	}
	s := p.Summary
	fmt.Fprintf(&sb, "| **Total** | **%d** | **%d** | **%d** | **%d** | **%d** |\n\n", s.Create, s.Update, s.Delete, s.Drift, s.Steps)
	return sb.String()
}

// destructiveWarning counts deletes and destructive or disruptive work.
func destructiveWarning(p *engine.Plan) string {
	var deletes, risky, steps int
	for _, c := range p.Changes {
		switch {
		case c.Action == engine.Delete:
			deletes++
		case ChangeFlag(c) != "":
			risky++
		}
	}
	for _, s := range p.Steps {
		if StepFlag(s) != "" {
			steps++
		}
	}
	var parts []string
	if deletes > 0 {
		parts = append(parts, "deletes "+plural(deletes, "resource"))
	}
	if risky > 0 {
		parts = append(parts, "makes "+plural(risky, "destructive or disruptive change"))
	}
	if steps > 0 {
		parts = append(parts, "may run "+plural(steps, "destructive or disruptive step"))
	}
	if len(parts) == 0 {
		return ""
	}
	list := parts[0]
	if n := len(parts); n > 1 {
		list = strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	}
	return "⚠️ **destructive**: this plan " + list + ".\n\n"
}

type countRow struct {
	name string
	s    engine.Summary
}

// targetCounts counts creates, updates, deletes, drift and steps to run per
// target, in the order of groupByTarget; steps without a target get their
// own row.
func targetCounts(p *engine.Plan) []countRow {
	var rows []countRow
	idx := map[string]int{}
	for _, g := range groupByTarget(p) {
		idx[g.target.Name] = len(rows)
		r := countRow{name: "`" + g.target.Name + "`"}
		for _, c := range g.changes {
			switch c.Action {
			case engine.Create:
				r.s.Create++
			case engine.Update:
				r.s.Update++
			case engine.Delete:
				r.s.Delete++
			case engine.Drift:
				r.s.Drift++
			}
		}
		rows = append(rows, r)
	}
	for _, s := range p.Steps {
		if s.Status == engine.StepWillSkip {
			continue
		}
		i, ok := idx[s.Target]
		if !ok {
			i = len(rows)
			idx[s.Target] = i
			name := "`" + s.Target + "`"
			if s.Target == "" {
				name = "(no target)"
			}
			rows = append(rows, countRow{name: name})
		}
		rows[i].s.Steps++
	}
	return rows
}

func mdTargetOpen(g targetGroup) string {
	var c, u, d, dr int
	for _, ch := range g.changes {
		switch ch.Action {
		case engine.Create:
			c++
		case engine.Update:
			u++
		case engine.Delete:
			d++
		case engine.Drift:
			dr++
		}
	}
	about := fmt.Sprintf("%d to create, %d to update, %d to delete", c, u, d)
	if dr > 0 {
		about += fmt.Sprintf(", %d drifted", dr)
	}
	api := ""
	if g.target.API != "" {
		api = " (" + htmlEscape(g.target.API) + ")"
	}
	return fmt.Sprintf("<details><summary>Target <b>%s</b>%s: %s</summary>\n\n", htmlEscape(g.target.Name), api, about)
}

// mdChange renders one resource as a collapsible block with its diff.
func mdChange(c engine.Change) string {
	var sb strings.Builder
	label := string(c.Action) + " " + c.Addr.Kind + " " + quote(c.Addr.Name)
	word := c.Action.String()
	if c.Action == engine.Drift {
		word = "drift (policy observe: reported, never written)"
	}
	if f := ChangeFlag(c); f != "" {
		word += " ⚠️ <b>" + f + "</b>"
	}
	if c.Action == engine.NoOp {
		// A no-op is listed only for its reason: one line, no block.
		fmt.Fprintf(&sb, "- <code>%s</code>: %s\n\n", htmlEscape(label), htmlEscape(c.Reason))
		return sb.String()
	}
	fmt.Fprintf(&sb, "<details><summary><code>%s</code> %s</summary>\n\n", htmlEscape(label), word)
	var notes []string
	if src := changeSource(c); src != "" {
		notes = append(notes, "Source: `"+strings.ReplaceAll(src, "`", "'")+"`")
	}
	if c.ID != "" {
		notes = append(notes, "id: `"+strings.ReplaceAll(c.ID, "`", "'")+"`")
	}
	if c.Reason != "" {
		notes = append(notes, mdEscape(c.Reason))
	}
	if len(notes) > 0 {
		sb.WriteString(strings.Join(notes, " · ") + "\n\n")
	}
	lines := DiffLines(c, 0)
	if len(lines) > 0 {
		var diff strings.Builder
		for _, l := range lines {
			sym := l.Op.Symbol()
			if l.Op == OpChange {
				sym = "!" // highlighted as a change in GitHub's diff grammar
			}
			diff.WriteString(strings.TrimRight(sym+" "+strings.Repeat("    ", l.Indent)+l.Text, " ") + "\n")
		}
		fence := codeFence(diff.String())
		sb.WriteString(fence + "diff\n" + diff.String() + fence + "\n\n")
	} else if c.Action == engine.Delete {
		sb.WriteString("Deletes the live object.\n\n")
	}
	sb.WriteString("</details>\n\n")
	return sb.String()
}

// codeFence returns a backtick fence longer than any backtick run in s.
func codeFence(s string) string {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mdSteps lists the steps with their status, within limit bytes; the steps
// past it are named in an omission notice.
func mdSteps(steps []engine.StepRun, limit, budget int) string {
	if len(steps) == 0 {
		return ""
	}
	const title = "#### Steps\n\n"
	var sb strings.Builder
	sb.WriteString(title)
	reserve := min(noticeReserve, max(limit/4, 0))
	for i, s := range steps {
		item := mdStep(s)
		if sb.Len()+len(item)+reserve > limit {
			var ids []string
			for _, r := range steps[i:] {
				ids = append(ids, r.ID)
			}
			if i == 0 {
				sb.Reset()
				sb.WriteString(title)
			}
			sb.WriteString("\n" + omissionNotice(ids, "step", budget, reserve))
			break
		}
		sb.WriteString(item)
	}
	sb.WriteString("\n")
	return sb.String()
}

func mdStep(s engine.StepRun) string {
	icon := "▶️"
	switch s.Status {
	case engine.StepWillSkip:
		icon = "⏭️"
	case engine.StepDependsOn:
		icon = "⏳"
	}
	what := "`" + s.Action + "`"
	if s.Target != "" {
		what += " on `" + s.Target + "`"
	}
	name := "**" + mdEscape(s.ID) + "**"
	if s.Name != "" && s.Name != s.ID {
		name += " " + mdEscape(s.Name)
	}
	line := fmt.Sprintf("- %s %s (%s): %s", icon, name, what, StepStatusText(s.Status))
	if f := StepFlag(s); f != "" {
		line += " ⚠️ **" + f + "**"
	}
	if s.Reason != "" {
		line += " (" + htmlEscape(s.Reason) + ")"
	}
	if s.Summary != "" {
		line += ": " + htmlEscape(s.Summary)
	}
	line += "\n"
	const maxItems = 20
	for i, it := range s.Items {
		if i == maxItems {
			line += fmt.Sprintf("  - … and %d more\n", len(s.Items)-maxItems)
			break
		}
		line += "  - " + mdEscape(it) + "\n"
	}
	return line
}

// htmlEscape escapes the characters that would open HTML tags or entities.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdEscape escapes HTML and the Markdown characters that would change
// emphasis or tables in running text.
func mdEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "|", `\|`, "`", "\\`").Replace(s)
}
