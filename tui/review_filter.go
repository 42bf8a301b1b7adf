package tui

import (
	tea "charm.land/bubbletea/v2"
)

// This file is the name filter of the review screen.

// Filter returns the current name filter.
func (m *ReviewModel) Filter() string { return m.filter }

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
