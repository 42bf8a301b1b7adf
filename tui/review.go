package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui/keys"
	"github.com/vplay-dev/vplay/tui/styles"
)

// Default screen size until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// abortMsg aborts the review (an interrupt signal outside raw mode).
type abortMsg struct{}

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

// ReviewModel is the plan review screen. Create it with NewReviewModel; its
// pointer is the tea.Model.
type ReviewModel struct {
	plan   *engine.Plan
	opts   Options
	st     styles.Styles
	keys   keys.Review
	help   help.Model
	width  int
	height int

	groups []group
	rows   []row // visible rows, rebuilt when filter/collapse/noop change
	cursor int
	offset int

	// detailFocus sends the movement keys to the detail pane, which then
	// scrolls by detailOff lines; moving in the list resets it.
	detailFocus bool
	detailOff   int

	showNoOp  bool
	filter    string
	filtering bool // typing into the filter

	markers     map[engine.Action]string // rendered action symbols
	destructive bool                     // plan.Destructive(), computed once

	typed    string // letters typed towards "yes"
	approved bool
	aborted  bool
	quitting bool
}

// NewReviewModel returns the review screen for p. With o.Approve the
// screen asks for approval.
func NewReviewModel(p *engine.Plan, o Options) *ReviewModel {
	p = render.CleanPlan(p) // servers' words without control characters
	m := &ReviewModel{
		plan:    p,
		opts:    o,
		st:      styles.New(o.NoColor),
		keys:    keys.NewReview(o.Approve),
		help:    help.New(),
		width:   defaultWidth,
		height:  defaultHeight,
		markers: map[engine.Action]string{},
	}
	if o.Width > 0 {
		m.width = o.Width
	}
	if o.Height > 0 {
		m.height = o.Height
	}
	m.help.Styles = m.st.Help
	m.help.SetWidth(m.width)
	m.groups = groupPlan(p)
	m.destructive = p.Destructive()
	m.rebuild()
	return m
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

// Approved reports whether the user approved the plan.
func (m *ReviewModel) Approved() bool { return m.approved }

// Aborted reports whether the user aborted (or quit) the review.
func (m *ReviewModel) Aborted() bool { return m.aborted }

// Selected returns the address of the selected row: a change's address, a
// step's "step.<id>", a group's "target/kind", or "" for an empty list.
func (m *ReviewModel) Selected() string {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return ""
	}
	r := m.rows[m.cursor]
	switch r.kind {
	case rowChange:
		return m.plan.Changes[r.index].Addr.String()
	case rowStep:
		return "step." + m.plan.Steps[r.index].ID
	}
	g := m.groups[r.group]
	if g.steps {
		return "steps"
	}
	return g.target + "/" + g.kind
}

// Rows returns how many rows the list shows (groups included).
func (m *ReviewModel) Rows() int { return len(m.rows) }

// Filter returns the current name filter.
func (m *ReviewModel) Filter() string { return m.filter }

// ShowNoOp reports whether unchanged resources are listed.
func (m *ReviewModel) ShowNoOp() bool { return m.showNoOp }

// Outcome is the one line left on the terminal after the review closes.
func (m *ReviewModel) Outcome() string {
	line := render.FooterLine(m.plan)
	switch {
	case !m.opts.Approve:
		return line
	case m.approved:
		return line + " Approved."
	}
	return line + " Apply cancelled: nothing was changed."
}

// Init implements tea.Model.
func (m *ReviewModel) Init() tea.Cmd { return nil }

// Update implements tea.Model.
func (m *ReviewModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.scroll()
	case abortMsg:
		return m, m.abort()
	case tea.KeyPressMsg:
		if m.quitting {
			return m, nil
		}
		if m.filtering {
			return m, m.filterKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

func (m *ReviewModel) abort() tea.Cmd {
	m.aborted, m.quitting = true, true
	return tea.Quit
}

// key handles a key outside filter input.
func (m *ReviewModel) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.opts.Approve && m.typeYes(msg) {
		m.approved, m.quitting = true, true
		return tea.Quit
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.abort()
	case key.Matches(msg, k.Clear):
		if m.filter != "" {
			m.filter = ""
			m.rebuild()
			return nil
		}
		if m.opts.Approve {
			return m.abort()
		}
	case key.Matches(msg, k.Approve):
		if m.opts.Approve {
			m.approved, m.quitting = true, true
			return tea.Quit
		}
	case key.Matches(msg, k.Focus):
		m.detailFocus = !m.detailFocus
	case m.detailFocus && m.scrollDetail(msg):
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-m.listHeight())
	case key.Matches(msg, k.PageDown):
		m.move(m.listHeight())
	case key.Matches(msg, k.Home):
		m.move(-len(m.rows))
	case key.Matches(msg, k.End):
		m.move(len(m.rows))
	case key.Matches(msg, k.Toggle):
		m.toggle()
	case key.Matches(msg, k.Filter):
		m.filtering = true
	case key.Matches(msg, k.NoOp):
		m.showNoOp = !m.showNoOp
		m.rebuild()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.scroll()
	}
	return nil
}

// typeYes tracks letters typed towards "yes" and reports when it is
// complete. Any other key starts over.
func (m *ReviewModel) typeYes(msg tea.KeyPressMsg) bool {
	want := "yes"
	next := m.typed + strings.ToLower(msg.Text)
	switch {
	case msg.Text != "" && strings.HasPrefix(want, next):
		m.typed = next
	case strings.EqualFold(msg.Text, "y"):
		m.typed = "y"
	default:
		m.typed = ""
	}
	return m.typed == want
}

// filterKey handles a key while typing the filter.
func (m *ReviewModel) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.filtering = false
		m.filter = ""
	case "enter":
		m.filtering = false
		return nil
	case "ctrl+c":
		return m.abort()
	case "backspace":
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	default:
		if msg.Text == "" {
			return nil
		}
		m.filter += msg.Text
	}
	m.rebuild()
	return nil
}

// move moves the cursor by n rows, clamped to the list.
func (m *ReviewModel) move(n int) {
	m.cursor = max(0, min(len(m.rows)-1, m.cursor+n))
	m.detailOff = 0
	m.scroll()
}

// scrollDetail handles a movement key while the detail pane has the focus
// and reports whether it was one.
func (m *ReviewModel) scrollDetail(msg tea.KeyPressMsg) bool {
	_, h := m.layout()
	page := max(1, h-1)
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.detailOff--
	case key.Matches(msg, k.Down):
		m.detailOff++
	case key.Matches(msg, k.PageUp):
		m.detailOff -= page
	case key.Matches(msg, k.PageDown):
		m.detailOff += page
	case key.Matches(msg, k.Home):
		m.detailOff = 0
	case key.Matches(msg, k.End):
		m.detailOff = len(m.detail())
	default:
		return false
	}
	m.detailOff = max(0, min(m.detailOff, len(m.detail())-h+1))
	return true
}

// DetailOffset is how many lines the detail pane is scrolled down.
func (m *ReviewModel) DetailOffset() int { return m.detailOff }

// scroll keeps the cursor inside the visible window.
func (m *ReviewModel) scroll() {
	h := m.listHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.rows)-h))
}

// toggle collapses or expands the group of the selected row and puts the
// cursor on the group's header.
func (m *ReviewModel) toggle() {
	if len(m.rows) == 0 {
		return
	}
	gi := m.rows[m.cursor].group
	m.groups[gi].collapsed = !m.groups[gi].collapsed
	m.rebuild()
	for i, r := range m.rows {
		if r.kind == rowGroup && r.group == gi {
			m.cursor = i
			break
		}
	}
	m.scroll()
}

// rebuild recomputes the visible rows after a filter, collapse or no-op
// toggle, keeping the cursor on the same item when it is still listed.
func (m *ReviewModel) rebuild() {
	var keep row
	hadRow := m.cursor >= 0 && m.cursor < len(m.rows)
	if hadRow {
		keep = m.rows[m.cursor]
	}
	needle := strings.ToLower(m.filter)
	rows := m.rows[:0]
	for gi := range m.groups {
		g := &m.groups[gi]
		start := len(rows)
		rows = append(rows, row{kind: rowGroup, group: gi, index: -1})
		shown := 0
		for _, i := range g.members {
			if !m.visible(g, i, needle) {
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
	m.rows = rows
	m.cursor = 0
	if hadRow {
		for i, r := range rows {
			if r == keep {
				m.cursor = i
				break
			}
		}
	}
	m.scroll()
}

// visible reports whether member i of g passes the filter and the no-op
// toggle.
func (m *ReviewModel) visible(g *group, i int, needle string) bool {
	if g.steps {
		s := m.plan.Steps[i]
		return needle == "" || strings.Contains(strings.ToLower(s.ID+" "+s.Name+" "+s.Action), needle)
	}
	c := m.plan.Changes[i]
	if c.Action == engine.NoOp && !m.showNoOp {
		return false
	}
	return needle == "" || strings.Contains(strings.ToLower(c.Addr.String()), needle)
}

// layout returns the heights of the list and the detail pane.
func (m *ReviewModel) layout() (list, detail int) {
	body := m.height - headerLines - m.footerLines() - 1 // 1: rule between panes
	if body < 2 {
		return max(1, body), 0
	}
	// The list takes at most half the body, less when it has fewer rows,
	// so long field diffs get the room; it changes only with the rows.
	list = max(1, min(body/2, len(m.rows)))
	return list, body - list
}

func (m *ReviewModel) listHeight() int {
	l, _ := m.layout()
	return l
}

const headerLines = 4 // title and targets, plan line, notes, rule

func (m *ReviewModel) footerLines() int {
	n := 2 // status line and help line
	if m.help.ShowAll {
		n += len(m.keys.FullHelp()[0]) - 1
	}
	return n
}

// View implements tea.Model.
func (m *ReviewModel) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render returns the screen as text, exactly m.height lines at most
// m.width columns wide.
func (m *ReviewModel) Render() string {
	listH, detailH := m.layout()
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header()...)
	for i := m.offset; i < m.offset+listH; i++ {
		if i < len(m.rows) {
			lines = append(lines, m.rowLine(i))
		} else if i == 0 {
			lines = append(lines, m.st.Dim.Render("  (nothing to show)"))
		} else {
			lines = append(lines, "")
		}
	}
	label := m.position()
	if m.detailFocus {
		label += " · detail (tab: list)"
	}
	lines = append(lines, m.rule(label))
	detail := m.detail()
	if off := min(m.detailOff, len(detail)); off > 0 {
		detail = append([]string{m.st.Dim.Render(fmt.Sprintf("  … %d lines above", off+1))}, detail[off+1:]...)
	}
	if detailH <= 0 {
		detail = nil
	} else if len(detail) > detailH {
		more := len(detail) - detailH + 1
		hint := "tab, then pgdn to scroll"
		if m.detailFocus {
			hint = "pgdn to scroll"
		}
		detail = append(detail[:detailH-1], m.st.Dim.Render(fmt.Sprintf("  … %d more lines (%s)", more, hint)))
	}
	for i := range detailH {
		if i < len(detail) {
			lines = append(lines, detail[i])
		} else {
			lines = append(lines, "")
		}
	}
	lines = append(lines, m.status())
	lines = append(lines, strings.Split(m.help.View(m.keys), "\n")...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// header is the summary at the top: title and targets, the plan line, the
// notes (drift, hidden unchanged, destructive) and a rule.
func (m *ReviewModel) header() []string {
	p := m.plan
	verb := "plan"
	if m.opts.Approve {
		verb = "apply"
	}
	title := m.st.Title.Render("vplay " + verb + " · " + p.Playbook)
	if p.Name != "" {
		title += m.st.Title.Render(" (" + p.Name + ")")
	}
	var targets []string
	for _, t := range p.Targets {
		targets = append(targets, t.Name+" ("+t.API+")")
	}
	if len(targets) == 0 {
		targets = []string{"none"}
	}
	title += m.st.Header.Render(" · targets: " + strings.Join(targets, ", "))
	s := m.plan.Summary
	parts := []string{
		m.st.Create.Render(fmt.Sprintf("%d to create", s.Create)),
		m.st.Update.Render(fmt.Sprintf("%d to update", s.Update)),
		m.st.Delete.Render(fmt.Sprintf("%d to delete", s.Delete)),
		render.Count(s.Steps, "step") + " to run",
	}
	if n := render.ReadOnlySteps(m.plan); n > 0 {
		parts[len(parts)-1] += fmt.Sprintf(" (and %d read-only)", n)
	}
	planLine := "Plan: " + strings.Join(parts, ", ") + "."
	var notes []string
	if s.Drift > 0 {
		notes = append(notes, m.st.Drift.Render(fmt.Sprintf("%d drifted (observe only)", s.Drift)))
	}
	if s.NoOp > 0 {
		if m.showNoOp {
			notes = append(notes, m.st.Dim.Render(fmt.Sprintf("%d unchanged shown (d to hide)", s.NoOp)))
		} else {
			notes = append(notes, m.st.Dim.Render(fmt.Sprintf("%d unchanged hidden (d to show)", s.NoOp)))
		}
	}
	if m.destructive {
		notes = append(notes, m.st.Risk.Render("destructive changes: review carefully"))
	}
	return []string{title, planLine, strings.Join(notes, m.st.Dim.Render(" · ")), m.rule("")}
}

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
	if len(m.rows) == 0 {
		return "0 of 0"
	}
	return fmt.Sprintf("%d of %d", m.cursor+1, len(m.rows))
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
	r := m.rows[i]
	g := &m.groups[r.group]
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
	if i == m.cursor {
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
	case len(c.Diff) == 1:
		note += " · 1 field"
	case len(c.Diff) > 1:
		note += fmt.Sprintf(" · %d fields", len(c.Diff))
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
		if n == 0 || (a == engine.NoOp && !m.showNoOp) {
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

// detail renders the pane under the list for the selected row.
func (m *ReviewModel) detail() []string {
	if len(m.rows) == 0 {
		return nil
	}
	r := m.rows[m.cursor]
	switch r.kind {
	case rowChange:
		return m.changeDetail(&m.plan.Changes[r.index])
	case rowStep:
		return m.stepDetail(&m.plan.Steps[r.index])
	}
	g := &m.groups[r.group]
	state := "expanded"
	if g.collapsed {
		state = "collapsed"
	}
	if g.steps {
		return []string{m.st.Group.Render("steps") + "  " + m.stepCounts(),
			m.st.Dim.Render(fmt.Sprintf("%d steps, %s (enter to toggle)", len(g.members), state))}
	}
	return []string{m.st.Group.Render(g.target+" · "+g.kind) + "  " + m.groupCounts(g),
		m.st.Dim.Render(fmt.Sprintf("%d resources, %s (enter to toggle)", len(g.members), state))}
}

// changeDetail shows one change and its field diff.
func (m *ReviewModel) changeDetail(c *engine.Change) []string {
	title := m.marker(c.Action) + " " + c.Action.String() + " " + c.Addr.String()
	if tag := m.riskTag(string(c.Risk), c.Action); tag != "" {
		title += " " + tag
	}
	var meta []string
	if c.ID != "" {
		meta = append(meta, "id "+c.ID)
	}
	if c.Policy != "" {
		meta = append(meta, "policy "+string(c.Policy))
	}
	if c.Risk != "" {
		meta = append(meta, "risk "+string(c.Risk))
	}
	if src := render.Source(c.Pos); src != "" {
		meta = append(meta, src)
	}
	out := []string{title}
	if len(meta) > 0 {
		out = append(out, m.st.Dim.Render("  "+strings.Join(meta, " · ")))
	}
	if c.Reason != "" {
		out = append(out, m.st.Dim.Render("  reason: "+c.Reason))
	}
	if len(c.DependsOn) > 0 {
		out = append(out, m.st.Dim.Render("  after: "+strings.Join(c.DependsOn, ", ")))
	}
	lines := render.DiffLines(*c, m.width-2)
	if len(lines) == 0 {
		switch c.Action {
		case engine.NoOp:
			out = append(out, m.st.Dim.Render("  no declared field differs"))
		case engine.Delete:
			out = append(out, m.st.Delete.Render("  the live object will be deleted"))
		}
	}
	for _, l := range lines {
		out = append(out, "  "+m.diffLine(l))
	}
	return out
}

// diffLine lays out one field diff line from render.DiffLines, coloured by
// its operation; word-level lines colour their spans, or keep the
// [-removed-] and {+added+} markers when colour is off.
func (m *ReviewModel) diffLine(l render.Line) string {
	indent := strings.Repeat("    ", l.Indent)
	style := m.opStyle(l.Op)
	if len(l.Spans) == 0 || m.opts.NoColor {
		return indent + style.Render(l.Op.Symbol()+" "+l.Text)
	}
	var b strings.Builder
	b.WriteString(indent + style.Render(l.Op.Symbol()+" "))
	for _, sp := range l.Spans {
		b.WriteString(m.opStyle(sp.Op).Render(sp.Text))
	}
	return b.String()
}

// opStyle is the style of a diff operation.
func (m *ReviewModel) opStyle(op render.Op) lipgloss.Style {
	switch op {
	case render.OpAdd:
		return m.st.Create
	case render.OpRemove:
		return m.st.Delete
	case render.OpChange:
		return m.st.Update
	case render.OpComment:
		return m.st.Dim
	}
	return lipgloss.NewStyle()
}

// stepDetail shows one step.
func (m *ReviewModel) stepDetail(s *engine.StepRun) []string {
	title := m.stepMarker(s.Status) + " step " + s.ID
	if s.Name != "" && s.Name != s.ID {
		title += " (" + s.Name + ")"
	}
	meta := []string{"action " + s.Action}
	if s.Target != "" {
		meta = append(meta, "target "+s.Target)
	}
	if s.Risk != "" {
		meta = append(meta, "risk "+string(s.Risk))
	}
	if src := render.Source(s.Pos); src != "" {
		meta = append(meta, src)
	}
	out := []string{title, m.st.Dim.Render("  " + strings.Join(meta, " · ")), "  " + stepNote(s)}
	if s.Summary != "" {
		out = append(out, "  "+s.Summary)
	}
	for _, it := range s.Items {
		out = append(out, "  • "+it)
	}
	return out
}

// status is the line above the help: filter input, approval prompt or the
// outcome.
func (m *ReviewModel) status() string {
	switch {
	case m.approved:
		return m.st.Create.Render("Approved: applying the plan.")
	case m.aborted && m.opts.Approve:
		return m.st.Delete.Render("Aborted: nothing was changed.")
	case m.filtering:
		return m.st.Prompt.Render("Filter: ") + m.filter + "▏" + m.st.Dim.Render("  (enter keeps, esc clears)")
	}
	var parts []string
	if m.opts.Approve { // first: the line is cut at the right edge
		prompt := "Apply this plan? Press a or type yes to approve, q or esc to abort."
		if m.typed != "" {
			prompt += " [" + m.typed + "]"
		}
		parts = append(parts, m.st.Prompt.Render(prompt))
	}
	if m.filter != "" {
		parts = append(parts, fmt.Sprintf("filter %q (esc clears)", m.filter))
	}
	return strings.Join(parts, "  ")
}
