package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui/keys"
)

// This file is the detail pane of the review screen: the diff of the
// selected change (laid out from the engine's diff tree) or the selected
// step, and its scrolling.

// detailPane is the scroll state of the detail pane: whether it has the
// movement keys, and how many lines it is scrolled down.
type detailPane struct {
	focus bool
	off   int
}

// scroll moves the pane by the movement key msg over n lines shown h at a
// time, and reports whether msg was a movement key.
func (d *detailPane) scroll(k keys.Review, msg tea.KeyPressMsg, n, h int) bool {
	page := max(1, h-1)
	switch {
	case key.Matches(msg, k.Up):
		d.off--
	case key.Matches(msg, k.Down):
		d.off++
	case key.Matches(msg, k.PageUp):
		d.off -= page
	case key.Matches(msg, k.PageDown):
		d.off += page
	case key.Matches(msg, k.Home):
		d.off = 0
	case key.Matches(msg, k.End):
		d.off = n
	default:
		return false
	}
	d.off = max(0, min(d.off, n-h+1))
	return true
}

// scrollDetail handles a movement key while the detail pane has the focus
// and reports whether it was one.
func (m *ReviewModel) scrollDetail(msg tea.KeyPressMsg) bool {
	_, h := m.layout()
	return m.detail.scroll(m.keys, msg, len(m.detailLines()), h)
}

// DetailOffset is how many lines the detail pane is scrolled down.
func (m *ReviewModel) DetailOffset() int { return m.detail.off }

// detailLines renders the pane under the list for the selected row.
func (m *ReviewModel) detailLines() []string {
	if len(m.list.rows) == 0 {
		return nil
	}
	r := m.list.rows[m.list.cursor]
	switch r.kind {
	case rowChange:
		return m.changeDetail(&m.plan.Changes[r.index])
	case rowStep:
		return m.stepDetail(&m.plan.Steps[r.index])
	}
	g := &m.list.groups[r.group]
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
