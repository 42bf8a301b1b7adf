package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/google/go-cmp/cmp"
)

// fleetScript is a fleet of three members: alpha applies two changes,
// bravo fails, charlie is still applying when the screen is looked at.
func fleetScript() []tea.Msg {
	return []tea.Msg{
		FleetMemberMsg{Member: "alpha", State: MemberPlanning},
		FleetMemberMsg{Member: "bravo", State: MemberPlanning},
		FleetMemberMsg{Member: "alpha", State: MemberApplying},
		FleetLineMsg{Member: "alpha", Line: "+ vbr.repository repo-fra: creating"},
		FleetMemberMsg{Member: "bravo", State: MemberFailed, Failures: 1, Duration: 1200 * time.Millisecond},
		FleetLineMsg{Member: "bravo", Line: "late line of a finished member: not shown"},
		FleetMemberMsg{Member: "alpha", State: MemberDone, Changes: 2, Duration: 3 * time.Second},
		FleetMemberMsg{Member: "charlie", State: MemberPlanning},
		FleetMemberMsg{Member: "charlie", State: MemberApplying},
		FleetLineMsg{Member: "charlie", Line: "~ vbr.job nightly: updating"},
	}
}

func TestFleetRunningGolden(t *testing.T) {
	t.Parallel()
	now := t0
	m := NewFleetModel("vplay apply --fleet · site.yaml · fleet.yaml", []string{"alpha", "bravo", "charlie", "delta"},
		Options{NoColor: true, Width: goldenW, Height: goldenH, Now: func() time.Time { return now }})
	for _, msg := range fleetScript() {
		m.Update(msg)
	}
	now = now.Add(4 * time.Second) // charlie has run 4 s
	got := m.Render()
	for _, want := range []string{
		"4 members: 1 queued, 1 running, 1 done, 1 failed, 0 not started",
		"~ vbr.job nightly: updating",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not shown") || strings.Contains(got, "repo-fra") {
		t.Errorf("screen shows the line of a finished member:\n%s", got)
	}
	golden.RequireEqual(t, got)
}

func TestFleetGolden(t *testing.T) {
	t.Parallel()
	var calls []bool
	m := NewFleetModel("vplay apply --fleet · site.yaml · fleet.yaml", []string{"alpha", "bravo", "charlie"},
		Options{NoColor: true, Now: fixedClock(t0), OnInterrupt: func(hard bool) { calls = append(calls, hard) }})
	m.animate = false
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(goldenW, goldenH))
	for _, msg := range fleetScript() {
		tm.Send(msg)
	}
	teatest.WaitFor(t, tm.Output(), contains("nightly"), teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	// q stops starting members, the screen stays; a Ctrl-C then abandons,
	// and further presses change nothing.
	tm.Send(press("q"))
	tm.Send(press("ctrl+c"))
	tm.Send(press("ctrl+c"))
	tm.Send(FleetMemberMsg{Member: "charlie", State: MemberDone, Changes: 1, Duration: 5 * time.Second})
	tm.Send(FleetFinishedMsg{})
	fm, ok := tm.FinalModel(t, finalTimeout).(*FleetModel)
	if !ok {
		t.Fatalf("final model is not a *FleetModel")
	}
	if diff := cmp.Diff([]bool{false, true}, calls); diff != "" {
		t.Errorf("OnInterrupt calls: -want +got:\n%s", diff)
	}
	if !fm.Stopping() {
		t.Errorf("Stopping() = false after q")
	}
	golden.RequireEqual(t, fm.Render())
}

func TestFleetQuitsWhenRunReturns(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := Fleet("vplay plan --fleet · site.yaml · fleet.yaml", []string{"alpha", "bravo"},
		Options{In: strings.NewReader(""), Out: &out, Width: goldenW, Height: goldenH, NoColor: true},
		func(send func(tea.Msg)) {
			send(FleetMemberMsg{Member: "alpha", State: MemberPlanning})
			send(FleetMemberMsg{Member: "alpha", State: MemberDone, Changes: 3})
			send(FleetMemberMsg{Member: "bravo", State: MemberNotStarted})
		})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 members: 0 queued, 0 running, 1 done, 0 failed, 1 not started") {
		t.Errorf("last frame lacks the totals:\n%s", out.String())
	}
}
