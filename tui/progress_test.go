package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/render"
)

type counts struct{ Done, Failed, Running, Pending int }

func countsOf(m *ProgressModel) counts {
	d, f, r, p := m.Counts()
	return counts{d, f, r, p}
}

func TestProgressStateTransitions(t *testing.T) {
	t.Parallel()
	ev := script()
	tests := map[string]struct {
		upTo  int // events fed: ev[:upTo]
		want  counts
		shows []string
		hides []string
	}{
		"announced": {1, counts{Pending: 5}, []string{"vplay apply · playbooks/quickstart.yaml", "5 pending"}, nil},
		"two running with a session": {4, counts{Running: 2, Pending: 3}, []string{
			"⠋ + vbr/vbr.repository/repo-ams  Create repository repo-ams 5b7e-11  Working", "40%", "⠋ ~ vbr/vbr.repository/repo-fra"}, nil},
		"one done collapses to a tick": {6, counts{Done: 1, Running: 2, Pending: 2}, []string{
			"✓ ~ vbr/vbr.repository/repo-fra  2s"}, []string{"⠋ ~ vbr/vbr.repository/repo-fra"}},
		"failure shows the server's message": {8, counts{Done: 1, Failed: 1, Running: 1, Pending: 2}, []string{
			"✗ + vspc/vspc.company/acme  3s", "400 Bad Request: company name acme", "already taken"}, nil},
		"step iteration gets the step's session": {12, counts{Done: 2, Failed: 1, Running: 1, Pending: 1}, []string{
			"⠋ » step.retry[job-a]  job-a retry 9a-1  Working"}, nil},
		"ignored failure": {15, counts{Done: 3, Failed: 1, Pending: 1}, []string{
			"✗ » step.retry[job-b]  1s (ignored: continue_on_error)", "job-b has no restore points", "1 failed · 1 failed (continued)"}, nil},
		"skipped step and log": {17, counts{Done: 3, Failed: 1}, []string{
			"○ step.cleanup skipped: env.STAGE == 'prod'", "· quickstart done"}, nil},
		"apply done": {len(ev), counts{Done: 3, Failed: 1}, []string{
			"elapsed 10s", "Apply finished with failures."}, []string{"⠋"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewProgressModel(Options{Width: 120, Height: 30, NoColor: true, Now: fixedClock(t0.Add(7 * time.Second))})
			for _, e := range ev[:tc.upTo] {
				if _, cmd := m.Update(EventMsg{Event: e}); cmd != nil {
					t.Fatalf("event %T returned a command without a stream", e)
				}
			}
			if diff := cmp.Diff(tc.want, countsOf(m)); diff != "" {
				t.Errorf("Counts(): -want +got:\n%s", diff)
			}
			screen := m.Render()
			checkSize(t, screen, 120, 30)
			for _, s := range tc.shows {
				if !strings.Contains(screen, s) {
					t.Errorf("screen lacks %q:\n%s", s, screen)
				}
			}
			for _, s := range tc.hides {
				if strings.Contains(screen, s) {
					t.Errorf("screen shows %q:\n%s", s, screen)
				}
			}
		})
	}
}

func TestProgressSpinnerTicksByMessage(t *testing.T) {
	t.Parallel()
	m := NewProgressModel(Options{Width: 100, Height: 20, NoColor: true, Now: fixedClock(t0)})
	m.Update(EventMsg{Event: script()[1]})
	before := m.Render()
	_, cmd := m.Update(spinner.TickMsg{ID: m.spin.ID(), Time: t0})
	if cmd == nil {
		t.Errorf("spinner tick did not schedule the next tick")
	}
	after := m.Render()
	if !strings.Contains(before, "⠋ + vbr/vbr.repository/repo-ams") || !strings.Contains(after, "⠙ + vbr/vbr.repository/repo-ams") {
		t.Errorf("spinner did not advance one frame:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestProgressInterrupt(t *testing.T) {
	t.Parallel()
	type want struct {
		Calls      []bool // OnInterrupt arguments in order
		Confirming bool
		Stopping   bool
		Hard       bool
		Quit       bool
	}
	tests := map[string]struct {
		keys []string
		done bool // ApplyDone already received
		want want
	}{
		"ctrl+c asks first":      {[]string{"ctrl+c"}, false, want{Confirming: true}},
		"y stops launching work": {[]string{"ctrl+c", "y"}, false, want{Calls: []bool{false}, Stopping: true}},
		"n carries on":           {[]string{"ctrl+c", "n"}, false, want{}},
		"esc carries on":         {[]string{"ctrl+c", "esc"}, false, want{}},
		"n then ctrl+c asks again": {[]string{"ctrl+c", "n", "ctrl+c"}, false,
			want{Confirming: true}},
		"second ctrl+c exits now": {[]string{"ctrl+c", "y", "ctrl+c"}, false,
			want{Calls: []bool{false, true}, Stopping: true, Hard: true, Quit: true}},
		"ctrl+c twice without answering exits now": {[]string{"ctrl+c", "ctrl+c"}, false,
			want{Calls: []bool{true}, Hard: true, Quit: true}},
		"y without a question does nothing": {[]string{"y"}, false, want{}},
		"ctrl+c after done quits":           {[]string{"ctrl+c"}, true, want{Quit: true}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls []bool
			m := NewProgressModel(Options{NoColor: true, Now: fixedClock(t0),
				OnInterrupt: func(hard bool) { calls = append(calls, hard) }})
			ev := script()
			for _, e := range ev[:4] {
				m.Update(EventMsg{Event: e})
			}
			if tc.done {
				m.Update(EventMsg{Event: ev[len(ev)-1]})
			}
			cmd := pressAll(t, m, tc.keys...)
			got := want{Calls: calls, Confirming: m.Confirming(), Stopping: m.Stopping(), Hard: m.Hard(), Quit: isQuit(cmd)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("after %v: -want +got:\n%s", tc.keys, diff)
			}
		})
	}
}

// TestProgressQuestionHoldsWork: the caller is told when the stop question
// opens and closes (it holds new work meanwhile), and on "y" the stop comes
// before the release, so nothing launches in between.
func TestProgressQuestionHoldsWork(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		keys []string
		want []string
	}{
		"question open":           {[]string{"ctrl+c"}, []string{"hold"}},
		"y stops, then releases":  {[]string{"ctrl+c", "y"}, []string{"hold", "stop", "release"}},
		"n releases":              {[]string{"ctrl+c", "n"}, []string{"hold", "release"}},
		"second ctrl+c abandons":  {[]string{"ctrl+c", "ctrl+c"}, []string{"hold", "abandon", "release"}},
		"no question, no holding": {[]string{"y"}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var log []string
			m := NewProgressModel(Options{NoColor: true, Now: fixedClock(t0),
				OnInterrupt: func(hard bool) {
					if hard {
						log = append(log, "abandon")
					} else {
						log = append(log, "stop")
					}
				},
				OnQuestion: func(open bool) {
					if open {
						log = append(log, "hold")
					} else {
						log = append(log, "release")
					}
				}})
			for _, e := range script()[:4] {
				m.Update(EventMsg{Event: e})
			}
			pressAll(t, m, tc.keys...)
			if diff := cmp.Diff(tc.want, log); diff != "" {
				t.Errorf("after %v: -want +got:\n%s", tc.keys, diff)
			}
		})
	}
}

func TestProgressInterruptPrompts(t *testing.T) {
	t.Parallel()
	m := NewProgressModel(Options{Width: 100, Height: 20, NoColor: true, Now: fixedClock(t0)})
	for _, e := range script()[:4] {
		m.Update(EventMsg{Event: e})
	}
	steps := []struct {
		key  string
		want string
	}{
		{"ctrl+c", "Stop launching new work? Work in flight will finish. (y/n)"},
		{"y", "Stopping: waiting for 2 in flight. Ctrl-C again exits now."},
		{"ctrl+c", "Exited: work may still be running on the server."},
	}
	for _, s := range steps {
		m.Update(press(s.key))
		if screen := m.Render(); !strings.Contains(screen, s.want) {
			t.Errorf("after %s the screen lacks %q:\n%s", s.key, s.want, screen)
		}
	}
	var out bytes.Buffer
	if err := m.WriteFinal(&out); err != nil {
		t.Fatal(err)
	}
	want := "\nExited before apply finished. Still running on the server:\n" +
		"  vbr/vbr.repository/repo-ams: session 5b7e-11 (Create repository repo-ams)\n" +
		"  vbr/vbr.repository/repo-fra: no session reported yet\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("WriteFinal after a hard exit: -want +got:\n%s", diff)
	}
}

func TestProgressCancelledContext(t *testing.T) {
	t.Parallel()
	ch := make(chan engine.Event)
	cancelled := make(chan struct{})
	close(cancelled)
	called := false
	m := newProgressModel(Options{NoColor: true, OnInterrupt: func(bool) { called = true }}, ch, cancelled)
	msg := m.next()()
	if _, ok := msg.(cancelledMsg); !ok {
		t.Fatalf("next() with a cancelled context = %T, want cancelledMsg", msg)
	}
	_, cmd := m.Update(msg)
	if !m.Stopping() || called || cmd == nil {
		t.Errorf("after cancel: stopping=%v callback=%v next=%v, want stopping, no callback, keep reading", m.Stopping(), called, cmd != nil)
	}
	close(ch)
	if msg := cmd(); msg != (StreamClosedMsg{}) {
		t.Errorf("next read after close = %#v, want StreamClosedMsg", msg)
	}
}

func TestWriteFinalIsTheRendererSummary(t *testing.T) {
	t.Parallel()
	ev := script()
	m := NewProgressModel(Options{NoColor: true, Now: fixedClock(t0)})
	for _, e := range ev {
		m.Update(EventMsg{Event: e})
	}
	var got, want bytes.Buffer
	if err := m.WriteFinal(&got); err != nil {
		t.Fatal(err)
	}
	want.WriteString("\n")
	if err := render.Summary(&want, ev[len(ev)-1].(engine.ApplyDone).Result); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("WriteFinal: -want +got:\n%s", diff)
	}
}

func TestProgressRejectsNilStream(t *testing.T) {
	t.Parallel()
	if err := Progress(t.Context(), nil, Options{}); err == nil {
		t.Errorf("Progress(nil stream) = nil error")
	}
	if _, err := Review(t.Context(), nil, Options{}); err == nil {
		t.Errorf("Review(nil plan) = nil error")
	}
}

func TestProgressRenderFits(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{40, 6}, {60, 10}, {100, 30}} {
		for n := range len(script()) + 1 {
			m := NewProgressModel(Options{Width: sz.w, Height: sz.h, NoColor: true, Now: fixedClock(t0.Add(time.Minute))})
			for _, e := range script()[:n] {
				m.Update(EventMsg{Event: e})
			}
			checkSize(t, m.Render(), sz.w, sz.h)
		}
	}
}
