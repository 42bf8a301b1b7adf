package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vplay-dev/vplay/engine"
)

// At 80x24 the review keeps what an apply waits for: the approve prompt in
// the status line and the approve and abort keys in the help line.
func TestReviewAt80x24(t *testing.T) {
	t.Parallel()
	m := NewReviewModel(testPlan(), Options{Width: 80, Height: 24, NoColor: true, Approve: true})
	pressAll(t, m, "/", "f", "r", "enter") // a filter note shares the status line
	screen := m.Render()
	checkSize(t, screen, 80, 24)
	for _, want := range []string{"Apply this plan? Press a or type yes to approve", "a/yes approve", "q/esc abort"} {
		if !strings.Contains(screen, want) {
			t.Errorf("80x24 review lacks %q:\n%s", want, screen)
		}
	}
}

// The detail pane scrolls: tab gives it the keys, PgDn/PgUp and j/k move
// it, tab gives them back to the list, and moving in the list starts the
// next detail at its top. Without the focus PgDn still pages the list.
func TestReviewDetailScroll(t *testing.T) {
	t.Parallel()
	m := NewReviewModel(testPlan(), Options{Width: 80, Height: 24, NoColor: true})
	long := -1
	for i := range m.Rows() {
		if strings.Contains(m.Render(), "more lines") {
			long = i
			break
		}
		pressAll(t, m, "j")
	}
	if long < 0 {
		t.Fatal("no row of the fixture has a detail longer than the pane at 80x24")
	}
	selected := m.Selected()
	pressAll(t, m, "tab", "pgdown")
	if m.DetailOffset() == 0 {
		t.Fatalf("pgdown with the detail focused did not scroll it:\n%s", m.Render())
	}
	if m.Selected() != selected {
		t.Errorf("pgdown with the detail focused moved the list to %s", m.Selected())
	}
	if screen := m.Render(); !strings.Contains(screen, "lines above") || !strings.Contains(screen, "detail (tab: list)") {
		t.Errorf("scrolled detail does not say so:\n%s", screen)
	}
	off := m.DetailOffset()
	pressAll(t, m, "k")
	if m.DetailOffset() != off-1 {
		t.Errorf("k in the detail: offset %d, want %d", m.DetailOffset(), off-1)
	}
	pressAll(t, m, "pgdown", "pgdown", "pgdown", "pgdown", "pgdown")
	if screen := m.Render(); strings.Contains(screen, "more lines") {
		t.Errorf("pgdown to the end still hides lines:\n%s", screen)
	}
	pressAll(t, m, "tab", "j")
	if m.Selected() == selected || m.DetailOffset() != 0 {
		t.Errorf("after tab, j: selected %s (was %s), detail offset %d; want the next row at its top", m.Selected(), selected, m.DetailOffset())
	}

	list := NewReviewModel(testPlan(), Options{Width: 80, Height: 24, NoColor: true})
	first := list.Selected()
	pressAll(t, list, "pgdown")
	if list.Selected() == first {
		t.Errorf("pgdown without the detail focus did not page the list")
	}
}

// At 80 columns a running item keeps its session's state and short id; the
// label and session name give way.
func TestProgressStateAt80(t *testing.T) {
	t.Parallel()
	ev := script()
	m := NewProgressModel(Options{Width: 80, Height: 24, NoColor: true, Now: fixedClock(t0.Add(7 * time.Second))})
	for _, e := range ev[:4] {
		m.Update(EventMsg{Event: e})
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	screen := m.Render()
	checkSize(t, screen, 80, 24)
	var line string
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "repo-ams") {
			line = l
		}
	}
	if !strings.Contains(line, "Working") || !strings.Contains(line, "40%") {
		t.Errorf("the running line lost its state or progress at 80 columns: %q", line)
	}
	if w := ansi.StringWidth(line); w > 80 {
		t.Errorf("running line is %d columns wide", w)
	}
}

// The footer counts a loop step once, like the final summary, and the
// summary left on the terminal is coloured unless NoColor.
func TestProgressFinalCountsAndColour(t *testing.T) {
	t.Parallel()
	for _, noColor := range []bool{false, true} {
		m := NewProgressModel(Options{Width: 120, Height: 30, NoColor: noColor, Now: fixedClock(t0.Add(7 * time.Second))})
		for _, e := range script() {
			m.Update(EventMsg{Event: e})
		}
		done, failed, _, _ := m.Counts()
		var buf strings.Builder
		if err := m.WriteFinal(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if want := fmt.Sprintf("Done (%d)", done); !strings.Contains(ansi.Strip(out), want) {
			t.Errorf("footer counts %d done, summary says otherwise:\n%s", done, ansi.Strip(out))
		}
		if want := fmt.Sprintf("%d failed", failed); !strings.Contains(ansi.Strip(out), want) {
			t.Errorf("footer counts %d failed, summary lacks %q:\n%s", failed, want, ansi.Strip(out))
		}
		if colored := strings.Contains(out, "\x1b["); colored == noColor {
			t.Errorf("NoColor=%v: summary has ANSI codes = %v:\n%q", noColor, colored, out)
		}
	}
}

// The progress view names the work not started yet and shows the server's
// latest log line under a running session.
func TestProgressPendingAndServerLog(t *testing.T) {
	t.Parallel()
	ams := engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams"}
	m := NewProgressModel(Options{Width: 120, Height: 30, NoColor: true, Now: fixedClock(t0.Add(3 * time.Second))})
	for _, e := range []engine.Event{
		engine.ApplyStarted{Time: t0, Playbook: "p.yaml", Changes: 2, Steps: 1,
			Pending: []string{ams.String(), "vbr/vbr.repository/repo-fra", "step.rescan"}},
		engine.ResourceStarted{Time: t0, Addr: ams, Action: engine.Create},
		engine.Progress{Time: t0, Owner: ams.String(), Kind: "session", ID: "5b7e11aa-0000-4000-8000-000000000001",
			Name: "Create repository", State: "Working", Percent: 40, Message: "Creating folder /backups/ams"},
	} {
		m.Update(EventMsg{Event: e})
	}
	screen := m.Render()
	for _, want := range []string{"next: vbr/vbr.repository/repo-fra, rescan", "    Creating folder /backups/ams", "Create repository 5b7e11aa"} {
		if !strings.Contains(screen, want) {
			t.Errorf("progress view lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "next: vbr/vbr.repository/repo-ams") {
		t.Errorf("started work is still listed as next:\n%s", screen)
	}
}
