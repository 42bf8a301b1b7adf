package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/vplay-dev/vplay/engine/render"
)

// This file is the approval prompt of the review screen and the line
// left after it closes.

func (m *ReviewModel) abort() tea.Cmd {
	m.aborted, m.quitting = true, true
	return tea.Quit
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
