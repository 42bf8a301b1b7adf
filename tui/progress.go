package tui

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/tui/keys"
	"github.com/vplay-dev/vplay/tui/styles"
)

// EventMsg carries one apply event into the progress screen.
type EventMsg struct{ Event engine.Event }

// StreamClosedMsg says the event stream was closed: the screen quits.
type StreamClosedMsg struct{}

// interruptMsg is Ctrl-C delivered as a signal (input not in raw mode).
type interruptMsg struct{}

// cancelledMsg says the caller's context was cancelled: the caller has
// already decided to stop launching work.
type cancelledMsg struct{}

// ProgressModel is the apply progress screen. Create it with
// NewProgressModel and feed it EventMsg values (Progress does this from the
// engine's channel); its pointer is the tea.Model.
type ProgressModel struct {
	opts   Options
	st     styles.Styles
	keys   keys.Progress
	help   help.Model
	spin   spinner.Model
	bar    progress.Model
	width  int
	height int

	events    <-chan engine.Event // nil when driven by tests
	cancelled <-chan struct{}
	animate   bool // start the spinner's timer in Init; tests tick by hand

	rep    *render.Report // the apply so far, folded from the events
	closed bool           // stream closed

	ctrlC      int  // Ctrl-C presses counted towards a hard exit
	confirming bool // asking whether to stop launching new work
	stopping   bool // stop requested (by the user or the caller)
	hard       bool // second Ctrl-C: exit now
}

// NewProgressModel returns the progress screen, to be fed EventMsg values.
func NewProgressModel(o Options) *ProgressModel {
	return newProgressModel(o, nil, nil)
}

func newProgressModel(o Options, events <-chan engine.Event, cancelled <-chan struct{}) *ProgressModel {
	st := styles.New(o.NoColor)
	m := &ProgressModel{
		opts:      o,
		st:        st,
		keys:      keys.NewProgress(),
		help:      help.New(),
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Running)),
		bar:       progress.New(progress.WithWidth(barWidth), progress.WithFillCharacters('█', '░')),
		width:     defaultWidth,
		height:    defaultHeight,
		events:    events,
		cancelled: cancelled,
		animate:   true,
		rep:       render.NewReport(o.now()),
	}
	if o.Width > 0 {
		m.width = o.Width
	}
	if o.Height > 0 {
		m.height = o.Height
	}
	m.help.Styles = st.Help
	if o.NoColor {
		m.bar.FullColor, m.bar.EmptyColor = nil, nil
	} else {
		m.bar.FullColor = st.BarFull.GetForeground()
		m.bar.EmptyColor = st.BarEmpty.GetForeground()
	}
	return m
}

// barWidth is the width of a progress bar including its percentage.
const barWidth = 22

// Init implements tea.Model: it starts the spinner and reads the stream.
func (m *ProgressModel) Init() tea.Cmd {
	if !m.animate {
		return m.next()
	}
	return tea.Batch(m.spin.Tick, m.next())
}

// next reads the next event from the stream, if the model has one.
func (m *ProgressModel) next() tea.Cmd {
	if m.events == nil {
		return nil
	}
	events, cancelled := m.events, m.cancelled
	if m.stopping {
		cancelled = nil // already reported; only the stream matters now
	}
	return func() tea.Msg {
		select {
		case e, ok := <-events:
			if !ok {
				return StreamClosedMsg{}
			}
			return EventMsg{Event: e}
		case <-cancelled:
			return cancelledMsg{}
		}
	}
}

// Done reports whether ApplyDone was received.
func (m *ProgressModel) Done() bool { return m.rep.Done() }

// Stopping reports whether the user (or the caller) asked to stop
// launching new work.
func (m *ProgressModel) Stopping() bool { return m.stopping }

// Confirming reports whether the screen is asking whether to stop.
func (m *ProgressModel) Confirming() bool { return m.confirming }

// Hard reports whether the user left with a second Ctrl-C.
func (m *ProgressModel) Hard() bool { return m.hard }

// Result returns the apply result from ApplyDone, nil before it.
func (m *ProgressModel) Result() *engine.Result { return m.rep.Result() }

// Counts returns how many items are done, failed, running and pending.
// Failures allowed by continue_on_error are in neither done nor failed:
// see Continued.
func (m *ProgressModel) Counts() (done, failed, running, pending int) { return m.rep.Counts() }

// Continued returns how many items failed under continue_on_error.
func (m *ProgressModel) Continued() int { return m.rep.Continued() }

// Update implements tea.Model.
func (m *ProgressModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		if m.closed {
			return m, nil
		}
		return m, cmd
	case EventMsg:
		m.rep.Observe(msg.Event)
		return m, m.next()
	case StreamClosedMsg:
		m.closed = true
		return m, tea.Quit
	case cancelledMsg:
		m.stopping = true
		m.setConfirming(false)
		return m, m.next()
	case interruptMsg:
		return m, m.interrupt()
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Interrupt):
			return m, m.interrupt()
		case m.confirming && key.Matches(msg, m.keys.Yes):
			m.stopping = true
			if m.opts.OnInterrupt != nil {
				m.opts.OnInterrupt(false) // stop before releasing the hold
			}
			m.setConfirming(false)
		case m.confirming && key.Matches(msg, m.keys.No):
			m.setConfirming(false)
			m.ctrlC = 0
		}
	}
	return m, nil
}

// interrupt handles Ctrl-C: the first asks whether to stop launching new
// work, the second exits at once.
func (m *ProgressModel) interrupt() tea.Cmd {
	if m.rep.Done() || m.closed {
		return tea.Quit
	}
	m.ctrlC++
	if m.ctrlC == 1 && !m.stopping {
		m.setConfirming(true)
		return nil
	}
	m.hard = true
	if m.opts.OnInterrupt != nil {
		m.opts.OnInterrupt(true)
	}
	m.setConfirming(false)
	return tea.Quit
}

// setConfirming opens or closes the stop question and tells the caller,
// which holds new work while it is open.
func (m *ProgressModel) setConfirming(open bool) {
	if m.confirming != open && m.opts.OnQuestion != nil {
		m.opts.OnQuestion(open)
	}
	m.confirming = open
}

// View implements tea.Model. The screen stays inline (no alternate
// screen) so the terminal keeps the last frame above the summary.
func (m *ProgressModel) View() tea.View {
	return tea.NewView(m.Render())
}

// Render returns the screen as text, at most m.height lines of at most
// m.width columns.
func (m *ProgressModel) Render() string {
	title := "vplay apply"
	if pb := m.rep.Playbook(); pb != "" {
		title += " · " + pb
	}
	head := []string{m.st.Title.Render(title)}
	var body []string
	for _, it := range m.rep.Finished() {
		body = append(body, m.itemLines(it)...)
	}
	for _, it := range m.rep.Running() {
		body = append(body, m.itemLines(it)...)
	}
	var logs []string
	for _, l := range m.rep.Logs() {
		style := m.st.Dim
		if l.Level == "warn" {
			style = m.st.Prompt
		}
		logs = append(logs, style.Render("· "+l.Message))
	}
	foot := m.footer()
	room := m.height - len(head) - len(logs) - len(foot)
	if room < 1 {
		logs, room = nil, max(1, m.height-len(head)-len(foot))
	}
	if len(body) > room {
		hidden := len(body) - room + 1
		body = append([]string{m.st.Dim.Render(fmt.Sprintf("… %d earlier lines", hidden))}, body[hidden:]...)
	}
	lines := append(append(append(head, body...), logs...), foot...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(lines, "\n")
}

// itemLines renders one item: one line, plus the server's message for a
// failure.
func (m *ProgressModel) itemLines(it *render.ReportItem) []string {
	switch it.State {
	case render.ItemRunning:
		lines := []string{m.runningLine(it)}
		if it.Message != "" && it.Message != it.SessionState {
			// The server's latest log line for the session.
			lines = append(lines, m.st.Dim.Render("    "+it.Message))
		}
		return lines
	case render.ItemSkipped:
		line := m.st.NoOp.Render("○ " + it.Label + " skipped")
		if it.Reason != "" {
			line += m.st.Dim.Render(": " + it.Reason)
		}
		return []string{line}
	case render.ItemDone:
		return []string{m.st.Success.Render("✓") + " " + it.Marker + " " + it.Label + "  " + m.st.Dim.Render(render.Duration(it.Duration))}
	}
	note := ""
	if it.State == render.ItemIgnored {
		note = " (ignored: continue_on_error)"
	}
	lines := []string{m.st.Failure.Render("✗") + " " + it.Marker + " " + it.Label + "  " + m.st.Dim.Render(render.Duration(it.Duration)+note)}
	for i, l := range strings.Split(ansi.Wordwrap(it.Err, max(20, m.width-6), " "), "\n") {
		if i == maxErrorLines {
			lines = append(lines, m.st.Failure.Render("    …"))
			break
		}
		lines = append(lines, m.st.Failure.Render("    "+l))
	}
	return lines
}

// maxErrorLines bounds the server message shown under a failure.
const maxErrorLines = 4

// runningLine is spinner, marker, label, session, state, bar and elapsed
// time, with the bar and time aligned at the right edge.
func (m *ProgressModel) runningLine(it *render.ReportItem) string {
	left := m.spin.View() + " " + it.Marker + " " + it.Label
	if it.SessionName != "" || it.SessionID != "" {
		name := it.SessionName
		switch {
		case name == "":
			name = it.SessionKind + " " + it.SessionID
		case it.SessionID != "":
			name += " " + shortID(it.SessionID) // the id to look up on the server
		}
		left += "  " + m.st.Dim.Render(name)
	}
	state := ""
	if it.SessionState != "" {
		state = "  " + m.st.Running.Render(it.SessionState)
	}
	elapsed := ""
	if !it.Started.IsZero() {
		elapsed = render.Duration(m.now().Sub(it.Started))
	}
	right := fmt.Sprintf("%8s", elapsed)
	if it.Percent >= 0 {
		right = m.bar.ViewAs(float64(it.Percent)/100) + " " + right
	} else {
		right = strings.Repeat(" ", barWidth) + " " + right
	}
	space := m.width - ansi.StringWidth(right) - 1
	if space < 10 {
		return ansi.Truncate(left+state, m.width, "…")
	}
	// The state stays whole; the label and session name give way.
	left = ansi.Truncate(left, max(1, space-ansi.StringWidth(state)), "…") + state
	pad := space - ansi.StringWidth(left)
	return left + strings.Repeat(" ", pad) + " " + right
}

// now is the clock, frozen at ApplyDone.
func (m *ProgressModel) now() time.Time {
	if m.rep.Done() && !m.rep.End().IsZero() {
		return m.rep.End()
	}
	return m.opts.now()
}

// footer is the counts line and the prompt or key help.
func (m *ProgressModel) footer() []string {
	done, failed, running, pending := m.Counts()
	failures := fmt.Sprintf("%d failed", failed)
	if c := m.Continued(); c > 0 {
		failures += fmt.Sprintf(" · %d failed (continued)", c)
	}
	counts := fmt.Sprintf("elapsed %s · %d done · %s · %d running · %d pending",
		render.Duration(m.now().Sub(m.rep.Start())), done, failures, running, pending)
	if next := strings.Join(m.rep.PendingNames(), ", "); next != "" {
		counts += m.st.Dim.Render(" · next: " + next)
	}
	rule := m.st.Rule.Render(strings.Repeat("─", m.width))
	var last string
	switch {
	case m.hard:
		last = m.st.Failure.Render("Exited: work may still be running on the server.")
	case m.rep.Done() && m.rep.Interrupted():
		last = m.st.Prompt.Render("Apply interrupted.")
	case m.rep.Done() && m.rep.Result() != nil && m.rep.Result().Failed():
		last = m.st.Failure.Render("Apply finished with failures.")
	case m.rep.Done():
		last = m.st.Success.Render("Apply complete.")
	case m.confirming:
		last = m.st.Prompt.Render("Stop launching new work? Work in flight will finish. (y/n)")
	case m.stopping:
		last = m.st.Prompt.Render(fmt.Sprintf("Stopping: waiting for %d in flight. Ctrl-C again exits now.", running))
	default:
		last = m.help.ShortHelpView(m.keys.ShortHelp())
	}
	return []string{rule, counts, last}
}

// RunningSessions lists the work still running when the screen was left:
// one line per running item with its Veeam session, task or action id.
func (m *ProgressModel) RunningSessions() []string { return m.rep.RunningSessions() }

// WriteFinal writes what stays on the terminal below the last frame: the
// final summary, or after a hard exit the work still running on the server.
func (m *ProgressModel) WriteFinal(w io.Writer) error {
	if m.hard {
		var b strings.Builder
		b.WriteString("\nExited before apply finished.")
		if running := m.RunningSessions(); len(running) > 0 {
			b.WriteString(" Still running on the server:\n")
			for _, l := range running {
				b.WriteString("  " + l + "\n")
			}
		} else {
			b.WriteString(" Nothing was running.\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if m.rep.Result() == nil {
		_, err := io.WriteString(w, "\nThe apply ended without a result.\n")
		return err
	}
	_, err := io.WriteString(w, "\n")
	if err != nil {
		return err
	}
	// The same record the text renderer prints, so --no-tui and the TUI
	// leave identical summaries, coloured unless NoColor.
	return render.SummaryText(w, m.rep.Result(), render.TextOptions{Color: !m.opts.NoColor})
}

// shortID is the first block of a session, task or action id (a UUID's
// first 8 characters), enough to find it in the server's console.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
