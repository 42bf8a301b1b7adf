package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui/styles"
)

// approvalPrompt is the question the review asks when it may approve the
// plan: it follows the letters typed towards "yes".
type approvalPrompt struct {
	typed string // letters typed towards "yes"
}

// typeYes tracks letters typed towards "yes" and reports when it is
// complete. Any other key starts over.
func (p *approvalPrompt) typeYes(msg tea.KeyPressMsg) bool {
	want := "yes"
	next := p.typed + strings.ToLower(msg.Text)
	switch {
	case msg.Text != "" && strings.HasPrefix(want, next):
		p.typed = next
	case strings.EqualFold(msg.Text, "y"):
		p.typed = "y"
	default:
		p.typed = ""
	}
	return p.typed == want
}

// line is the prompt as shown, with what was typed so far.
func (p *approvalPrompt) line(st styles.Styles) string {
	prompt := "Apply this plan? Press a or type yes to approve, q or esc to abort."
	if p.typed != "" {
		prompt += " [" + p.typed + "]"
	}
	return st.Prompt.Render(prompt)
}

func (m *ReviewModel) abort() tea.Cmd {
	m.aborted, m.quitting = true, true
	return tea.Quit
}

// status is the line above the help: filter input, approval prompt or the
// outcome.
func (m *ReviewModel) status() string {
	switch {
	case m.approved:
		return m.st.Create.Render("Approved: applying the plan.")
	case m.aborted && m.opts.Approve:
		return m.st.Delete.Render("Aborted: nothing was changed.")
	case m.filter.typing:
		return m.filter.inputLine(m.st)
	}
	var parts []string
	if m.opts.Approve { // first: the line is cut at the right edge
		parts = append(parts, m.prompt.line(m.st))
	}
	if m.filter.text != "" {
		parts = append(parts, fmt.Sprintf("filter %q (esc clears)", m.filter.text))
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
