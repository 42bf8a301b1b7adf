package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/vplay-dev/vplay/tui/styles"
)

// filterInput is the name filter of the review list: the text and whether
// the user is typing it. It knows nothing of the list it narrows.
type filterInput struct {
	text   string
	typing bool
}

// filterResult says what a key typed into the filter did.
type filterResult int

const (
	filterKept    filterResult = iota // nothing the list needs to know
	filterChanged                     // the text changed (or was confirmed cleared): rebuild the list
	filterAbort                       // ctrl+c: abort the review
)

// key handles a key while the filter is being typed: esc clears and
// stops, enter keeps the text and stops, backspace deletes a character,
// printable text is appended.
func (f *filterInput) key(msg tea.KeyPressMsg) filterResult {
	switch msg.String() {
	case "esc":
		f.typing = false
		f.text = ""
	case "enter":
		f.typing = false
		return filterKept
	case "ctrl+c":
		return filterAbort
	case "backspace":
		if r := []rune(f.text); len(r) > 0 {
			f.text = string(r[:len(r)-1])
		}
	default:
		if msg.Text == "" {
			return filterKept
		}
		f.text += msg.Text
	}
	return filterChanged
}

// clear empties the filter and reports whether it held anything.
func (f *filterInput) clear() bool {
	had := f.text != ""
	f.text = ""
	return had
}

// inputLine is the status line while the filter is typed.
func (f *filterInput) inputLine(st styles.Styles) string {
	return st.Prompt.Render("Filter: ") + f.text + "▏" + st.Dim.Render("  (enter keeps, esc clears)")
}

// Filter returns the current name filter.
func (m *ReviewModel) Filter() string { return m.filter.text }

// filterKey hands a key to the filter while it is typed.
func (m *ReviewModel) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch m.filter.key(msg) {
	case filterAbort:
		return m.abort()
	case filterChanged:
		m.rebuild()
	}
	return nil
}
