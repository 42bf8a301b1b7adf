package keys

import "charm.land/bubbles/v2/key"

// Review is the key map of the plan review screen.
type Review struct {
	Move     key.Binding // help only: up and down together in the short help
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Toggle   key.Binding // expand or collapse a group
	Focus    key.Binding // tab: move the keys between the list and the detail pane
	Filter   key.Binding
	Clear    key.Binding // esc: clear the filter (or abort an apply)
	NoOp     key.Binding // show or hide unchanged resources
	Help     key.Binding
	Approve  key.Binding
	Quit     key.Binding
}

// NewReview returns the review bindings; approve enables the apply keys
// and turns quit into abort.
func NewReview(approve bool) Review {
	r := Review{
		Move:     key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑↓/jk", "move")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", "space"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),
		Toggle:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "expand/collapse")),
		Focus:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "list/detail")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Clear:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		NoOp:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "unchanged")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Approve:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a/yes", "approve")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	if approve {
		r.Quit.SetHelp("q/esc", "abort")
	} else {
		r.Approve.SetEnabled(false)
	}
	return r
}

// ShortHelp implements help.KeyMap.
// Approve and quit come first: at 80 columns the help line is cut at its
// end, and they are what an apply waits for.
func (r Review) ShortHelp() []key.Binding {
	return []key.Binding{r.Approve, r.Quit, r.Move, r.Focus, r.Toggle, r.Filter, r.NoOp, r.Help}
}

// FullHelp implements help.KeyMap.
func (r Review) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{r.Up, r.Down, r.PageUp, r.PageDown, r.Home, r.End},
		{r.Toggle, r.Focus, r.Filter, r.Clear, r.NoOp},
		{r.Help, r.Approve, r.Quit},
	}
}

// Progress is the key map of the apply progress screen.
type Progress struct {
	Interrupt key.Binding
	Yes       key.Binding
	No        key.Binding
}

// NewProgress returns the progress bindings.
func NewProgress() Progress {
	return Progress{
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop")),
		Yes:       key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:        key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
	}
}

// ShortHelp implements help.KeyMap.
func (p Progress) ShortHelp() []key.Binding { return []key.Binding{p.Interrupt} }

// FullHelp implements help.KeyMap.
func (p Progress) FullHelp() [][]key.Binding { return [][]key.Binding{{p.Interrupt, p.Yes, p.No}} }
