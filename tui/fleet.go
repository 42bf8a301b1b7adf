package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui/styles"
)

// MemberState is where one fleet member is in its run.
type MemberState int

// The states of a fleet member, in the order a member goes through them.
const (
	MemberQueued     MemberState = iota // waiting for a free slot
	MemberPlanning                      // reading live state
	MemberApplying                      // plan made, applying it
	MemberDone                          // finished without error
	MemberFailed                        // finished with an error
	MemberNotStarted                    // never started (interrupt or --fail-fast)
)

func (s MemberState) String() string {
	return [...]string{"queued", "planning", "applying", "done", "failed", "not started"}[s]
}

func (s MemberState) finished() bool { return s >= MemberDone }

// FleetMemberMsg moves a member to State. For a finished member it carries
// the counts of its report.
type FleetMemberMsg struct {
	Member            string
	State             MemberState
	Changes, Failures int
	Duration          time.Duration
}

// FleetLineMsg is the latest line of a running member's output.
type FleetLineMsg struct{ Member, Line string }

// FleetFinishedMsg says every member has finished: the screen quits.
type FleetFinishedMsg struct{}

// fleetMember is one row of the fleet screen.
type fleetMember struct {
	name              string
	state             MemberState
	changes, failures int
	started           time.Time
	duration          time.Duration
	line              string
}

// FleetModel is the fleet progress screen: a header with totals, then a
// row per member with its state, counts, duration and, while it runs, the
// latest line of its output. Create it with NewFleetModel and feed it
// FleetMemberMsg, FleetLineMsg and finally FleetFinishedMsg; its pointer is
// the tea.Model.
type FleetModel struct {
	title   string
	opts    Options
	st      styles.Styles
	spin    spinner.Model
	animate bool
	width   int
	height  int
	members []*fleetMember
	index   map[string]int

	presses  int  // q / Ctrl-C presses
	hard     bool // work in flight abandoned
	finished bool // every member finished
}

// NewFleetModel returns the fleet screen for the members, in fleet order;
// title names the command and playbook ("vplay apply --fleet · site.yaml").
// o.OnInterrupt is called with false at the first q or Ctrl-C (start no
// further member; running members finish) and with true at the second
// Ctrl-C (abandon work in flight).
func NewFleetModel(title string, members []string, o Options) *FleetModel {
	st := styles.New(o.NoColor)
	m := &FleetModel{
		title: title, opts: o, st: st, animate: true,
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Running)),
		width:  defaultWidth,
		height: defaultHeight,
		index:  make(map[string]int, len(members)),
	}
	if o.Width > 0 {
		m.width = o.Width
	}
	if o.Height > 0 {
		m.height = o.Height
	}
	for i, name := range members {
		m.members = append(m.members, &fleetMember{name: name})
		m.index[name] = i
	}
	return m
}

// Init implements tea.Model: it starts the spinner.
func (m *FleetModel) Init() tea.Cmd {
	if !m.animate {
		return nil
	}
	return m.spin.Tick
}

// Stopping reports whether the user asked to start no further member.
func (m *FleetModel) Stopping() bool { return m.presses > 0 }

// Update implements tea.Model.
func (m *FleetModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case spinner.TickMsg:
		if m.finished {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case FleetMemberMsg:
		if i, ok := m.index[msg.Member]; ok {
			mb := m.members[i]
			if mb.state == MemberQueued && msg.State != MemberQueued {
				mb.started = m.opts.now()
			}
			mb.state = msg.State
			if msg.State.finished() {
				mb.changes, mb.failures, mb.duration, mb.line = msg.Changes, msg.Failures, msg.Duration, ""
			}
		}
	case FleetLineMsg:
		if i, ok := m.index[msg.Member]; ok && !m.members[i].state.finished() {
			m.members[i].line = msg.Line
		}
	case FleetFinishedMsg:
		m.finished = true
		return m, tea.Quit
	case interruptMsg:
		m.interrupt(true)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q":
			m.interrupt(false)
		case "ctrl+c":
			m.interrupt(true)
		}
	}
	return m, nil
}

// interrupt handles q (ctrlC false) and Ctrl-C: the first press stops
// starting members; a second Ctrl-C abandons work in flight. The screen
// stays until every member has finished, so the summary is complete.
func (m *FleetModel) interrupt(ctrlC bool) {
	if m.finished {
		return
	}
	m.presses++
	switch {
	case m.presses == 1:
		if m.opts.OnInterrupt != nil {
			m.opts.OnInterrupt(false)
		}
	case ctrlC && !m.hard:
		m.hard = true
		if m.opts.OnInterrupt != nil {
			m.opts.OnInterrupt(true)
		}
	}
}

// View implements tea.Model. The screen stays inline so the terminal keeps
// the last frame above the summary table.
func (m *FleetModel) View() tea.View { return tea.NewView(m.Render()) }

// Render returns the screen as text, at most m.height lines of at most
// m.width columns.
func (m *FleetModel) Render() string {
	var count [MemberNotStarted + 1]int
	nameW := len("MEMBER")
	for _, mb := range m.members {
		count[mb.state]++
		nameW = max(nameW, ansi.StringWidth(mb.name))
	}
	head := []string{
		m.st.Title.Render(m.title),
		m.st.Header.Render(fmt.Sprintf("%s: %d queued, %d running, %d done, %d failed, %d not started",
			render.Count(len(m.members), "member"), count[MemberQueued], count[MemberPlanning]+count[MemberApplying],
			count[MemberDone], count[MemberFailed], count[MemberNotStarted])),
		"",
		m.st.Dim.Render(fmt.Sprintf("  %-*s  %-11s  %7s  %8s  %8s", nameW, "MEMBER", "STATE", "CHANGES", "FAILURES", "DURATION")),
	}
	var body []string
	for _, mb := range m.members {
		body = append(body, m.memberLines(mb, nameW)...)
	}
	foot := []string{"", m.footer()}
	room := max(1, m.height-len(head)-len(foot))
	if len(body) > room {
		hidden := len(body) - room + 1
		body = append([]string{m.st.Dim.Render(fmt.Sprintf("… %d lines above", hidden))}, body[hidden:]...)
	}
	lines := append(append(head, body...), foot...)
	for i, l := range lines {
		lines[i] = strings.TrimRight(ansi.Truncate(l, m.width, "…"), " ")
	}
	return strings.Join(lines, "\n")
}

// memberLines is a member's row, and for a running member with output its
// latest line below it.
func (m *FleetModel) memberLines(mb *fleetMember, nameW int) []string {
	mark, style := " ", m.st.Dim
	dur := ""
	switch mb.state {
	case MemberPlanning, MemberApplying:
		mark, style = m.spin.View(), m.st.Running
		dur = render.Duration(m.opts.now().Sub(mb.started))
	case MemberDone:
		mark, style = m.st.Success.Render("✓"), m.st.Success
		dur = render.Duration(mb.duration)
	case MemberFailed:
		mark, style = m.st.Failure.Render("✗"), m.st.Failure
		dur = render.Duration(mb.duration)
	case MemberNotStarted:
		mark, style = m.st.NoOp.Render("○"), m.st.NoOp
	}
	counts := fmt.Sprintf("%7s  %8s", "", "")
	if mb.state.finished() && mb.state != MemberNotStarted || mb.changes+mb.failures > 0 {
		counts = fmt.Sprintf("%7d  %8d", mb.changes, mb.failures)
	}
	row := fmt.Sprintf("%s %-*s  %s  %s  %8s", mark, nameW, mb.name, style.Render(fmt.Sprintf("%-11s", mb.state)), counts, dur)
	lines := []string{row}
	if mb.line != "" && !mb.state.finished() {
		lines = append(lines, m.st.Dim.Render("    "+mb.line))
	}
	return lines
}

// footer is the key help, or what the interrupt decided.
func (m *FleetModel) footer() string {
	switch {
	case m.finished && m.hard:
		return m.st.Dim.Render("finished: work in flight was abandoned")
	case m.finished && m.presses > 0:
		return m.st.Dim.Render("finished: interrupted, no further member was started")
	case m.finished:
		return m.st.Dim.Render("finished")
	case m.hard:
		return m.st.Prompt.Render("abandoning work in flight (it keeps running on the servers); waiting for members to return")
	case m.presses == 1:
		return m.st.Prompt.Render("stopping: no further member starts; running members finish (ctrl+c again to abandon)")
	}
	return m.st.Dim.Render("q / ctrl+c stop starting members")
}

// Fleet runs the fleet screen while run does the fleet's work, sending the
// screen its messages through send; the screen closes when run returns.
// The last frame stays on the terminal; the caller prints the summary.
func Fleet(title string, members []string, o Options, run func(send func(tea.Msg))) error {
	m := NewFleetModel(title, members, o)
	opts := append(o.programOptions(),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.InterruptMsg); ok {
				return interruptMsg{}
			}
			return msg
		}))
	p := tea.NewProgram(m, opts...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(p.Send)
		p.Send(FleetFinishedMsg{})
	}()
	_, err := p.Run()
	if err != nil {
		p.Kill()
		<-done // the work still finishes: its outcomes are the summary
		return fmt.Errorf("tui: fleet progress: %w", err)
	}
	<-done
	return nil
}
