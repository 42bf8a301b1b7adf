package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
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

	list   changeList // the groups and rows, the cursor
	detail detailPane // the diff of the selected row
	filter filterInput

	markers     map[engine.Action]string // rendered action symbols
	destructive bool                     // plan.Destructive(), computed once

	prompt   approvalPrompt
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
	m.list = changeList{plan: p, groups: groupPlan(p)}
	m.destructive = p.Destructive()
	m.rebuild()
	return m
}

// Approved reports whether the user approved the plan.
func (m *ReviewModel) Approved() bool { return m.approved }

// Aborted reports whether the user aborted (or quit) the review.
func (m *ReviewModel) Aborted() bool { return m.aborted }

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
		if m.filter.typing {
			return m, m.filterKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

// key handles a key outside filter input.
func (m *ReviewModel) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.opts.Approve && m.prompt.typeYes(msg) {
		m.approved, m.quitting = true, true
		return tea.Quit
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.abort()
	case key.Matches(msg, k.Clear):
		if m.filter.clear() {
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
		m.detail.focus = !m.detail.focus
	case m.detail.focus && m.scrollDetail(msg):
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-m.listHeight())
	case key.Matches(msg, k.PageDown):
		m.move(m.listHeight())
	case key.Matches(msg, k.Home):
		m.move(-len(m.list.rows))
	case key.Matches(msg, k.End):
		m.move(len(m.list.rows))
	case key.Matches(msg, k.Toggle):
		m.toggle()
	case key.Matches(msg, k.Filter):
		m.filter.typing = true
	case key.Matches(msg, k.NoOp):
		m.list.showNoOp = !m.list.showNoOp
		m.rebuild()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.scroll()
	}
	return nil
}

// layout returns the heights of the list and the detail pane.
func (m *ReviewModel) layout() (list, detail int) {
	body := m.height - headerLines - m.footerLines() - 1 // 1: rule between panes
	if body < 2 {
		return max(1, body), 0
	}
	// The list takes at most half the body, less when it has fewer rows,
	// so long field diffs get the room; it changes only with the rows.
	list = max(1, min(body/2, len(m.list.rows)))
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
	for i := m.list.offset; i < m.list.offset+listH; i++ {
		if i < len(m.list.rows) {
			lines = append(lines, m.rowLine(i))
		} else if i == 0 {
			lines = append(lines, m.st.Dim.Render("  (nothing to show)"))
		} else {
			lines = append(lines, "")
		}
	}
	label := m.position()
	if m.detail.focus {
		label += " · detail (tab: list)"
	}
	lines = append(lines, m.rule(label))
	detail := m.detailLines()
	if off := min(m.detail.off, len(detail)); off > 0 {
		detail = append([]string{m.st.Dim.Render(fmt.Sprintf("  … %d lines above", off+1))}, detail[off+1:]...)
	}
	if detailH <= 0 {
		detail = nil
	} else if len(detail) > detailH {
		more := len(detail) - detailH + 1
		hint := "tab, then pgdn to scroll"
		if m.detail.focus {
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
		if m.list.showNoOp {
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
