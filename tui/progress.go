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

// itemState is where one resource or step iteration is.
type itemState int

const (
	stateRunning itemState = iota
	stateDone
	stateFailed
	stateIgnored // failed under continue_on_error
	stateSkipped
)

// item is one line of the progress screen.
type item struct {
	key      string
	label    string // address or "step <id> [item]"
	marker   string // action symbol
	owner    string // Progress.Owner that feeds it
	state    itemState
	started  time.Time
	duration time.Duration
	// Latest observation of the Veeam session/task/action it waits on.
	sessionKind, sessionID, sessionName, sessionState string
	percent                                           int // -1 unknown
	message                                           string
	err                                               string
	reason                                            string // why skipped
}

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

	playbook string
	start    time.Time
	end      time.Time // set by ApplyDone
	total    int       // changes + steps announced by ApplyStarted
	pending  []string  // what ApplyStarted said apply will work on
	items    map[string]*item
	order    []string // item keys in the order they appear
	finished []string // item keys in the order they finished
	seen     map[string]bool
	logs     []engine.LogLine

	result      *engine.Result
	done        bool // ApplyDone received
	interrupted bool // ApplyDone said the apply was interrupted
	closed      bool // stream closed

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
		start:     o.now(),
		items:     map[string]*item{},
		seen:      map[string]bool{},
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
func (m *ProgressModel) Done() bool { return m.done }

// Stopping reports whether the user (or the caller) asked to stop
// launching new work.
func (m *ProgressModel) Stopping() bool { return m.stopping }

// Confirming reports whether the screen is asking whether to stop.
func (m *ProgressModel) Confirming() bool { return m.confirming }

// Hard reports whether the user left with a second Ctrl-C.
func (m *ProgressModel) Hard() bool { return m.hard }

// Result returns the apply result from ApplyDone, nil before it.
func (m *ProgressModel) Result() *engine.Result { return m.result }

// Counts returns how many items are done, failed, running and pending.
// Failures allowed by continue_on_error are in neither done nor failed:
// see Continued.
func (m *ProgressModel) Counts() (done, failed, running, pending int) {
	for _, k := range m.order {
		switch m.items[k].state {
		case stateDone:
			done++
		case stateFailed:
			failed++
		case stateRunning:
			running++
		}
	}
	pending = max(0, m.total-len(m.seen))
	if m.done {
		pending = 0
	}
	return done, failed, running, pending
}

// Continued returns how many items failed under continue_on_error.
func (m *ProgressModel) Continued() int {
	n := 0
	for _, k := range m.order {
		if m.items[k].state == stateIgnored {
			n++
		}
	}
	return n
}

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
		m.apply(msg.Event)
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
	if m.done || m.closed {
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

// apply folds one event into the screen's state. Servers' words in it are
// cleaned of control characters and bidi overrides first.
func (m *ProgressModel) apply(e engine.Event) {
	switch e := render.CleanEvent(e).(type) {
	case engine.ApplyStarted:
		m.playbook = e.Playbook
		m.total = e.Changes + e.Steps
		m.pending = e.Pending
		if !e.Time.IsZero() {
			m.start = e.Time
		}
	case engine.ResourceStarted:
		k := e.Addr.String()
		m.seen[k] = true
		it := m.item(k, e.Addr.String(), string(e.Action), k)
		it.state, it.started = stateRunning, e.Time
	case engine.StepStarted:
		m.seen["step."+e.StepID] = true
		k := stepKey(e.StepID, e.Item)
		it := m.item(k, render.StepLabel(e.StepID, e.Item), "»", e.StepID)
		it.state, it.started = stateRunning, e.Time
	case engine.Progress:
		it := m.owner(e.Owner)
		if it == nil {
			return
		}
		it.sessionKind, it.sessionID, it.sessionName = e.Kind, e.ID, e.Name
		it.sessionState, it.percent, it.message = e.State, e.Percent, e.Message
	case engine.ResourceDone:
		k := e.Addr.String()
		m.seen[k] = true
		it := m.item(k, k, string(e.Action), k)
		m.finish(it, e.Duration, e.Err, false)
	case engine.StepDone:
		m.seen["step."+e.StepID] = true
		it := m.item(stepKey(e.StepID, e.Item), render.StepLabel(e.StepID, e.Item), "»", e.StepID)
		m.finish(it, e.Duration, e.Err, e.Ignored)
	case engine.StepSkipped:
		m.seen["step."+e.StepID] = true
		it := m.item(stepKey(e.StepID, ""), render.StepLabel(e.StepID, ""), "»", e.StepID)
		it.state, it.reason = stateSkipped, e.Reason
		m.finished = append(m.finished, it.key)
	case engine.Warning:
		m.logs = append(m.logs, engine.LogLine{Time: e.Time, Level: "warn", Message: "warning: " + e.Message})
		if len(m.logs) > maxLogs {
			m.logs = m.logs[len(m.logs)-maxLogs:]
		}
	case engine.LogLine:
		m.logs = append(m.logs, e)
		if len(m.logs) > maxLogs {
			m.logs = m.logs[len(m.logs)-maxLogs:]
		}
	case engine.ApplyDone:
		m.done, m.result, m.interrupted = true, e.Result, e.Interrupted
		m.end = e.Time
		if m.end.IsZero() && e.Result != nil {
			m.end = m.start.Add(e.Result.Duration)
		}
	}
}

// maxLogs is how many log lines the screen keeps.
const maxLogs = 3

func stepKey(id, it string) string { return "step." + id + "\x00" + it }

// item returns the item with key k, creating it on first sight.
func (m *ProgressModel) item(k, label, marker, owner string) *item {
	if it, ok := m.items[k]; ok {
		return it
	}
	it := &item{key: k, label: label, marker: marker, owner: owner, percent: -1}
	m.items[k] = it
	m.order = append(m.order, k)
	return it
}

// owner finds the running item a Progress event belongs to: the resource
// with that address, or the latest running iteration of that step.
func (m *ProgressModel) owner(owner string) *item {
	if it, ok := m.items[owner]; ok {
		return it
	}
	for i := len(m.order) - 1; i >= 0; i-- {
		it := m.items[m.order[i]]
		if it.owner == owner && it.state == stateRunning {
			return it
		}
	}
	return nil
}

func (m *ProgressModel) finish(it *item, d time.Duration, err error, ignored bool) {
	it.duration = d
	switch {
	case err == nil:
		it.state = stateDone
	case ignored:
		it.state, it.err = stateIgnored, err.Error()
	default:
		it.state, it.err = stateFailed, err.Error()
	}
	m.finished = append(m.finished, it.key)
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
	if m.playbook != "" {
		title += " · " + m.playbook
	}
	head := []string{m.st.Title.Render(title)}
	var body []string
	for _, k := range m.finished {
		body = append(body, m.itemLines(m.items[k])...)
	}
	for _, k := range m.order {
		if it := m.items[k]; it.state == stateRunning {
			body = append(body, m.itemLines(it)...)
		}
	}
	var logs []string
	for _, l := range m.logs {
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
func (m *ProgressModel) itemLines(it *item) []string {
	switch it.state {
	case stateRunning:
		lines := []string{m.runningLine(it)}
		if it.message != "" && it.message != it.sessionState {
			// The server's latest log line for the session.
			lines = append(lines, m.st.Dim.Render("    "+it.message))
		}
		return lines
	case stateSkipped:
		line := m.st.NoOp.Render("○ " + it.label + " skipped")
		if it.reason != "" {
			line += m.st.Dim.Render(": " + it.reason)
		}
		return []string{line}
	case stateDone:
		return []string{m.st.Success.Render("✓") + " " + it.marker + " " + it.label + "  " + m.st.Dim.Render(render.Duration(it.duration))}
	}
	note := ""
	if it.state == stateIgnored {
		note = " (ignored: continue_on_error)"
	}
	lines := []string{m.st.Failure.Render("✗") + " " + it.marker + " " + it.label + "  " + m.st.Dim.Render(render.Duration(it.duration)+note)}
	for i, l := range strings.Split(ansi.Wordwrap(it.err, max(20, m.width-6), " "), "\n") {
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
func (m *ProgressModel) runningLine(it *item) string {
	left := m.spin.View() + " " + it.marker + " " + it.label
	if it.sessionName != "" || it.sessionID != "" {
		name := it.sessionName
		switch {
		case name == "":
			name = it.sessionKind + " " + it.sessionID
		case it.sessionID != "":
			name += " " + shortID(it.sessionID) // the id to look up on the server
		}
		left += "  " + m.st.Dim.Render(name)
	}
	state := ""
	if it.sessionState != "" {
		state = "  " + m.st.Running.Render(it.sessionState)
	}
	elapsed := ""
	if !it.started.IsZero() {
		elapsed = render.Duration(m.now().Sub(it.started))
	}
	right := fmt.Sprintf("%8s", elapsed)
	if it.percent >= 0 {
		right = m.bar.ViewAs(float64(it.percent)/100) + " " + right
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
	if m.done && !m.end.IsZero() {
		return m.end
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
		render.Duration(m.now().Sub(m.start)), done, failures, running, pending)
	if next := m.pendingNames(); next != "" {
		counts += m.st.Dim.Render(" · next: " + next)
	}
	rule := m.st.Rule.Render(strings.Repeat("─", m.width))
	var last string
	switch {
	case m.hard:
		last = m.st.Failure.Render("Exited: work may still be running on the server.")
	case m.done && m.interrupted:
		last = m.st.Prompt.Render("Apply interrupted.")
	case m.done && m.result != nil && m.result.Failed():
		last = m.st.Failure.Render("Apply finished with failures.")
	case m.done:
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

// pendingNames lists the work announced but not started yet, in order.
func (m *ProgressModel) pendingNames() string {
	if m.done {
		return ""
	}
	var names []string
	for _, n := range m.pending {
		if !m.seen[n] {
			names = append(names, strings.TrimPrefix(n, "step."))
		}
	}
	return strings.Join(names, ", ")
}

// RunningSessions lists the work still running when the screen was left:
// one line per running item with its Veeam session, task or action id.
func (m *ProgressModel) RunningSessions() []string {
	var out []string
	for _, k := range m.order {
		it := m.items[k]
		if it.state != stateRunning {
			continue
		}
		line := it.label
		switch {
		case it.sessionID != "":
			line += ": " + it.sessionKind + " " + it.sessionID
			if it.sessionName != "" {
				line += " (" + it.sessionName + ")"
			}
		default:
			line += ": no session reported yet"
		}
		out = append(out, line)
	}
	return out
}

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
	if m.result == nil {
		_, err := io.WriteString(w, "\nThe apply ended without a result.\n")
		return err
	}
	_, err := io.WriteString(w, "\n")
	if err != nil {
		return err
	}
	// The same record the text renderer prints, so --no-tui and the TUI
	// leave identical summaries, coloured unless NoColor.
	return render.SummaryText(w, m.result, render.TextOptions{Color: !m.opts.NoColor})
}

// shortID is the first block of a session, task or action id (a UUID's
// first 8 characters), enough to find it in the server's console.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
