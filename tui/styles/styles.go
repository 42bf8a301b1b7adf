package styles

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is every style the screens use. The zero value renders plain text.
type Styles struct {
	Title    lipgloss.Style // screen title
	Header   lipgloss.Style // summary lines under the title
	Rule     lipgloss.Style // horizontal separators
	Group    lipgloss.Style // group headers in the change list
	Selected lipgloss.Style // the row under the cursor
	Dim      lipgloss.Style // secondary text: ids, sources, durations
	Create   lipgloss.Style // + markers and created values
	Update   lipgloss.Style // ~ markers
	Delete   lipgloss.Style // - markers and removed values
	Drift    lipgloss.Style // ! markers (observed drift)
	NoOp     lipgloss.Style // unchanged resources
	Risk     lipgloss.Style // destructive or disruptive tags
	Success  lipgloss.Style // ✓ lines
	Failure  lipgloss.Style // ✗ lines and server messages
	Running  lipgloss.Style // spinner and running states
	Prompt   lipgloss.Style // questions to the user (approve, stop?)
	Help     help.Styles    // the key help line
	BarFull  lipgloss.Style // filled part of progress bars (foreground only)
	BarEmpty lipgloss.Style // empty part of progress bars (foreground only)
}

// New returns the styles for a run; with noColor every style is plain, so
// the rendered view holds no escape sequences at all.
func New(noColor bool) Styles {
	if noColor {
		return Styles{}
	}
	var (
		green  = lipgloss.Color("2")
		yellow = lipgloss.Color("3")
		red    = lipgloss.Color("1")
		blue   = lipgloss.Color("4")
		purple = lipgloss.Color("5")
		grey   = lipgloss.Color("8")
	)
	return Styles{
		Title:    lipgloss.NewStyle().Bold(true),
		Header:   lipgloss.NewStyle(),
		Rule:     lipgloss.NewStyle().Foreground(grey),
		Group:    lipgloss.NewStyle().Bold(true).Foreground(blue),
		Selected: lipgloss.NewStyle().Reverse(true),
		Dim:      lipgloss.NewStyle().Foreground(grey),
		Create:   lipgloss.NewStyle().Foreground(green),
		Update:   lipgloss.NewStyle().Foreground(yellow),
		Delete:   lipgloss.NewStyle().Foreground(red),
		Drift:    lipgloss.NewStyle().Foreground(purple),
		NoOp:     lipgloss.NewStyle().Foreground(grey),
		Risk:     lipgloss.NewStyle().Bold(true).Foreground(red),
		Success:  lipgloss.NewStyle().Foreground(green),
		Failure:  lipgloss.NewStyle().Foreground(red),
		Running:  lipgloss.NewStyle().Foreground(blue),
		Prompt:   lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Help:     help.DefaultDarkStyles(),
		BarFull:  lipgloss.NewStyle().Foreground(blue),
		BarEmpty: lipgloss.NewStyle().Foreground(grey),
	}
}
