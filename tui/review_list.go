package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vplay-dev/vplay/engine"
)

// This file is the change list of the review screen: groups of changes
// and steps, the visible rows, the cursor and how each row reads.

type rowKind int

const (
	rowGroup rowKind = iota
	rowChange
	rowStep
)

// row is one line of the change list: a group header, a change or a step.
type row struct {
	kind  rowKind
	group int // index into groups
	index int // index into Plan.Changes or Plan.Steps; -1 for groups
}

// group is the changes of one (target, kind), or the steps.
type group struct {
	target, kind string
	steps        bool
	members      []int // indexes into Plan.Changes or Plan.Steps
	collapsed    bool
	counts       map[engine.Action]int
}

// groupPlan groups the changes by (target, kind) in order of first
// appearance, then adds one group for the steps.
func groupPlan(p *engine.Plan) []group {
	var groups []group
	byKey := map[engine.Addr]int{}
	for i, c := range p.Changes {
		k := engine.Addr{Target: c.Addr.Target, Kind: c.Addr.Kind}
		gi, ok := byKey[k]
		if !ok {
			gi = len(groups)
			byKey[k] = gi
			groups = append(groups, group{target: k.Target, kind: k.Kind, counts: map[engine.Action]int{}})
		}
		groups[gi].members = append(groups[gi].members, i)
		groups[gi].counts[c.Action]++
	}
	if len(p.Steps) > 0 {
		g := group{steps: true, kind: "steps", counts: map[engine.Action]int{}}
		for i := range p.Steps {
			g.members = append(g.members, i)
		}
		groups = append(groups, g)
	}
	return groups
}

// changeList is the list of the review screen as data: the groups of the
// plan, the rows a filter and the collapse and no-op toggles leave
// visible, the cursor and the first row shown. Its methods take the height
// of the window the rows are shown in as a function, because the screen
// sizes that window by the number of rows; how a row reads is the screen's
// (rowLine).
type changeList struct {
	plan     *engine.Plan
	groups   []group
	rows     []row // visible rows, rebuilt when filter/collapse/noop change
	cursor   int
	offset   int
	showNoOp bool
}

// selected returns the address of the selected row (see Selected).
func (l *changeList) selected() string {
	if l.cursor < 0 || l.cursor >= len(l.rows) {
		return ""
	}
	r := l.rows[l.cursor]
	switch r.kind {
	case rowChange:
		return l.plan.Changes[r.index].Addr.String()
	case rowStep:
		return "step." + l.plan.Steps[r.index].ID
	}
	g := l.groups[r.group]
	if g.steps {
		return "steps"
	}
	return g.target + "/" + g.kind
}

// move moves the cursor by n rows, clamped to the list.
func (l *changeList) move(n int, height func() int) {
	l.cursor = max(0, min(len(l.rows)-1, l.cursor+n))
	l.scroll(height())
}

// scroll keeps the cursor inside a window of h rows.
func (l *changeList) scroll(h int) {
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(0, min(l.offset, len(l.rows)-h))
}

// toggle collapses or expands the group of the selected row and puts the
// cursor on the group's header.
func (l *changeList) toggle(filter string, height func() int) {
	if len(l.rows) == 0 {
		return
	}
	gi := l.rows[l.cursor].group
	l.groups[gi].collapsed = !l.groups[gi].collapsed
	l.rebuild(filter, height)
	for i, r := range l.rows {
		if r.kind == rowGroup && r.group == gi {
			l.cursor = i
			break
		}
	}
	l.scroll(height())
}

// rebuild recomputes the visible rows after a filter, collapse or no-op
// toggle, keeping the cursor on the same item when it is still listed.
func (l *changeList) rebuild(filter string, height func() int) {
	var keep row
	hadRow := l.cursor >= 0 && l.cursor < len(l.rows)
	if hadRow {
		keep = l.rows[l.cursor]
	}
	needle := strings.ToLower(filter)
	rows := l.rows[:0]
	for gi := range l.groups {
		g := &l.groups[gi]
		start := len(rows)
		rows = append(rows, row{kind: rowGroup, group: gi, index: -1})
		shown := 0
		for _, i := range g.members {
			if !l.visible(g, i, needle) {
				continue
			}
			shown++
			if g.collapsed {
				continue
			}
			kind := rowChange
			if g.steps {
				kind = rowStep
			}
			rows = append(rows, row{kind: kind, group: gi, index: i})
		}
		if shown == 0 {
			rows = rows[:start]
		}
	}
	l.rows = rows
	l.cursor = 0
	if hadRow {
		for i, r := range rows {
			if r == keep {
				l.cursor = i
				break
			}
		}
	}
	l.scroll(height())
}

// visible reports whether member i of g passes the filter and the no-op
// toggle.
func (l *changeList) visible(g *group, i int, needle string) bool {
	if g.steps {
		s := l.plan.Steps[i]
		return needle == "" || strings.Contains(strings.ToLower(s.ID+" "+s.Name+" "+s.Action), needle)
	}
	c := l.plan.Changes[i]
	if c.Action == engine.NoOp && !l.showNoOp {
		return false
	}
	return needle == "" || strings.Contains(strings.ToLower(c.Addr.String()), needle)
}

// Selected returns the address of the selected row: a change's address, a
// step's "step.<id>", a group's "target/kind", or "" for an empty list.
func (m *ReviewModel) Selected() string { return m.list.selected() }

// Rows returns how many rows the list shows (groups included).
func (m *ReviewModel) Rows() int { return len(m.list.rows) }

// ShowNoOp reports whether unchanged resources are listed.
func (m *ReviewModel) ShowNoOp() bool { return m.list.showNoOp }

// move moves the cursor by n rows; the detail pane starts at its top.
func (m *ReviewModel) move(n int) {
	m.list.move(n, m.listHeight)
	m.detail.off = 0
}

// scroll keeps the cursor inside the list's window.
func (m *ReviewModel) scroll() { m.list.scroll(m.listHeight()) }

// toggle collapses or expands the selected row's group.
func (m *ReviewModel) toggle() { m.list.toggle(m.filter.text, m.listHeight) }

// rebuild recomputes the visible rows.
func (m *ReviewModel) rebuild() { m.list.rebuild(m.filter.text, m.listHeight) }

// rule is a horizontal line with an optional label at its right end.
func (m *ReviewModel) rule(label string) string {
	if label != "" {
		label = " " + label + " "
	}
	n := max(0, m.width-lipgloss.Width(label)-2)
	return m.st.Rule.Render(strings.Repeat("─", n) + label + "──")
}

// position is "row N of M" for the rule under the list.
func (m *ReviewModel) position() string {
	if len(m.list.rows) == 0 {
		return "0 of 0"
	}
	return fmt.Sprintf("%d of %d", m.list.cursor+1, len(m.list.rows))
}

// marker returns the coloured symbol of an action, rendered once per
// model: styling is the costly part of drawing a row.
func (m *ReviewModel) marker(a engine.Action) string {
	if mk, ok := m.markers[a]; ok {
		return mk
	}
	style := m.st.NoOp
	switch a {
	case engine.Create:
		style = m.st.Create
	case engine.Update:
		style = m.st.Update
	case engine.Delete:
		style = m.st.Delete
	case engine.Drift:
		style = m.st.Drift
	}
	sym := string(a)
	if a != engine.Create && a != engine.Update && a != engine.Delete && a != engine.Drift {
		sym = string(engine.NoOp)
	}
	mk := style.Render(sym)
	m.markers[a] = mk
	return mk
}

// stepMarker returns the symbol of a step's status.
func (m *ReviewModel) stepMarker(s engine.StepStatus) string {
	switch s {
	case engine.StepWillRun:
		return m.st.Update.Render("»")
	case engine.StepDependsOn:
		return m.st.Update.Render("?")
	}
	return m.st.NoOp.Render("○")
}

// rowLine renders row i of the list.
func (m *ReviewModel) rowLine(i int) string {
	r := m.list.rows[i]
	g := &m.list.groups[r.group]
	var text string
	switch r.kind {
	case rowGroup:
		arrow := "▾"
		if g.collapsed {
			arrow = "▸"
		}
		if g.steps {
			text = m.st.Group.Render(arrow+" steps") + "  " + m.stepCounts()
		} else {
			text = m.st.Group.Render(arrow+" "+g.target+" · "+g.kind) + "  " + m.groupCounts(g)
		}
	case rowChange:
		c := &m.plan.Changes[r.index]
		text = "    " + m.marker(c.Action) + " " + c.Addr.Name + "  " + m.st.Dim.Render(changeNote(c))
		if c.Action == engine.Delete || c.Risk == "destructive" || c.Risk == "disruptive" {
			text += " " + m.riskTag(string(c.Risk), c.Action)
		}
	case rowStep:
		s := &m.plan.Steps[r.index]
		name := s.ID
		if s.Name != "" && s.Name != s.ID {
			name += " (" + s.Name + ")"
		}
		text = "    " + m.stepMarker(s.Status) + " " + name + "  " + m.st.Dim.Render(s.Action+" · "+stepNote(s))
		if s.Status != engine.StepWillSkip && (s.Risk == "destructive" || s.Risk == "disruptive") {
			text += " " + m.st.Risk.Render("["+string(s.Risk)+"]")
		}
	}
	if i == m.list.cursor {
		return m.st.Selected.Render("> " + ansi.Strip(text))
	}
	return "  " + text
}

// riskTag flags deletes and risky changes.
func (m *ReviewModel) riskTag(risk string, a engine.Action) string {
	if risk == "destructive" || risk == "disruptive" {
		return m.st.Risk.Render("[" + risk + "]")
	}
	if a == engine.Delete {
		return m.st.Risk.Render("[destructive]")
	}
	return ""
}

// changeNote is the dim text after a change's name.
func changeNote(c *engine.Change) string {
	note := c.Action.String()
	switch {
	case c.Reason != "":
		note += " (" + c.Reason + ")"
	case engine.CountFields(c.Diff) == 1:
		note += " · 1 field"
	case engine.CountFields(c.Diff) > 1:
		note += fmt.Sprintf(" · %d fields", engine.CountFields(c.Diff))
	}
	return note
}

// stepNote is the dim text after a step's name.
func stepNote(s *engine.StepRun) string {
	switch s.Status {
	case engine.StepWillRun:
		if n := len(s.Items); n > 0 {
			return fmt.Sprintf("will run × %d", n)
		}
		return "will run"
	case engine.StepDependsOn:
		return "depends on apply"
	}
	if s.Reason != "" {
		return "skipped: " + s.Reason
	}
	return "skipped"
}

// groupCounts renders "+2 ~1 -1" for a group.
func (m *ReviewModel) groupCounts(g *group) string {
	var parts []string
	for _, a := range []engine.Action{engine.Create, engine.Update, engine.Delete, engine.Drift, engine.NoOp} {
		n := g.counts[a]
		if n == 0 || (a == engine.NoOp && !m.list.showNoOp) {
			continue
		}
		style := map[engine.Action]lipgloss.Style{
			engine.Create: m.st.Create, engine.Update: m.st.Update, engine.Delete: m.st.Delete,
			engine.Drift: m.st.Drift, engine.NoOp: m.st.NoOp,
		}[a]
		parts = append(parts, style.Render(fmt.Sprintf("%s%d", string(a), n)))
	}
	return strings.Join(parts, " ")
}

// stepCounts renders "2 to run, 1 skipped" for the steps group.
func (m *ReviewModel) stepCounts() string {
	run, skip, later := 0, 0, 0
	for _, s := range m.plan.Steps {
		switch s.Status {
		case engine.StepWillRun:
			run++
		case engine.StepDependsOn:
			later++
		default:
			skip++
		}
	}
	out := fmt.Sprintf("%d to run", run)
	if later > 0 {
		out += fmt.Sprintf(", %d depend on apply", later)
	}
	if skip > 0 {
		out += fmt.Sprintf(", %d skipped", skip)
	}
	return m.st.Dim.Render(out)
}
