package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/engine"
)

// hostile is server text that would clear the screen, set the window
// title, move the cursor and reverse the text direction if printed raw.
const hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[1Abad\rname\u202egnp.exe\x9b2J"

// TestProgressCleansServerText: errors, session names and messages and log
// lines from servers reach the screen without control characters.
func TestProgressCleansServerText(t *testing.T) {
	t.Parallel()
	m := NewProgressModel(Options{Width: 120, Height: 30, NoColor: true, Now: fixedClock(t0)})
	addr := engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo"}
	for _, e := range []engine.Event{
		engine.ApplyStarted{Time: t0, Playbook: "p.yaml", Changes: 2},
		engine.ResourceStarted{Time: t0, Addr: addr, Action: engine.Create},
		engine.Progress{Time: t0, Owner: addr.String(), Kind: "session", ID: "s1", Name: "session " + hostile, State: "Working", Percent: 10, Message: hostile},
		engine.LogLine{Time: t0, Level: "warn", Message: "log " + hostile},
		engine.ResourceDone{Time: t0.Add(time.Second), Addr: addr, Action: engine.Create, Err: errors.New("failed: " + hostile)},
	} {
		m.Update(EventMsg{Event: e})
	}
	screen := m.Render()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[1A", "\r", "\u202e", "\u009b", "\x07"} {
		if strings.Contains(screen, bad) {
			t.Errorf("screen contains %q:\n%q", bad, screen)
		}
	}
	if !strings.Contains(screen, "bad name") {
		t.Errorf("screen lost the text around the controls:\n%s", screen)
	}
}

// TestReviewCleansServerText: live values shown in the review screen are
// cleaned too.
func TestReviewCleansServerText(t *testing.T) {
	t.Parallel()
	p := &engine.Plan{FormatVersion: engine.FormatVersion, Playbook: "p.yaml",
		Targets: []engine.Target{{Name: "vbr", API: "vbr", URL: "https://vbr:9419"}},
		Changes: []engine.Change{{Addr: engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo"}, Action: engine.Update,
			Before: map[string]any{"description": hostile}, After: map[string]any{"description": "ok"},
			Diff: diffOf(map[string]any{"description": hostile}, map[string]any{"description": "ok"})}},
		Summary: engine.Summary{Update: 1}}
	m := NewReviewModel(p, Options{Width: 120, Height: 40, NoColor: true})
	pressAll(t, m, "j")
	screen := m.Render()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\r", "\u202e", "\u009b"} {
		if strings.Contains(screen, bad) {
			t.Errorf("screen contains %q:\n%q", bad, screen)
		}
	}
	if !strings.Contains(screen, "description") {
		t.Errorf("screen lacks the diff:\n%s", screen)
	}
}
