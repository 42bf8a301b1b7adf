package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/engine"
)

var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

var (
	repoAms = engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams"}
	repoLon = engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-lon"}
	jobNew  = engine.Addr{Target: "vbr", Kind: "vbr.job", Name: "nightly"}
)

// failedRun is an apply where one resource fails with the server's message
// and the rest is not attempted.
func failedRun() []engine.Event {
	return []engine.Event{
		engine.ApplyStarted{Time: at(0), Playbook: "playbooks/site.yaml", Changes: 3, Steps: 2},
		engine.ResourceStarted{Time: at(0), Addr: repoAms, Action: engine.Create},
		engine.Progress{Time: at(1), Owner: repoAms.String(), Kind: "session", ID: "s-1", Name: "Repository creation", State: "Starting", Percent: 0},
		engine.Progress{Time: at(2), Owner: repoAms.String(), Kind: "session", ID: "s-1", Name: "Repository creation", State: "Working", Percent: 10},
		engine.Progress{Time: at(3), Owner: repoAms.String(), Kind: "session", ID: "s-1", Name: "Repository creation", State: "Working", Percent: 20},
		engine.Progress{Time: at(4), Owner: repoAms.String(), Kind: "session", ID: "s-1", Name: "Repository creation", State: "Working", Percent: 35},
		engine.Progress{Time: at(5), Owner: repoAms.String(), Kind: "session", ID: "s-1", Name: "Repository creation", State: "Working", Percent: 50},
		engine.Progress{Time: at(6), Owner: repoAms.String(), Kind: "session", ID: "s-1", Name: "Repository creation", State: "Stopped", Percent: 100, Message: "Success"},
		engine.ResourceDone{Time: at(6), Addr: repoAms, Action: engine.Create, Duration: 6200 * time.Millisecond},
		engine.ResourceStarted{Time: at(6), Addr: repoLon, Action: engine.Update},
		engine.Progress{Time: at(7), Owner: repoLon.String(), Kind: "session", ID: "s-2", Name: "Repository update", State: "Working", Percent: -1},
		engine.Progress{Time: at(8), Owner: repoLon.String(), Kind: "session", ID: "s-2", Name: "Repository update", State: "Working", Percent: -1},
		engine.LogLine{Time: at(8), Level: "warn", Message: "repository repo-lon is in maintenance mode"},
		engine.ResourceDone{Time: at(9), Addr: repoLon, Action: engine.Update, Duration: 3 * time.Second,
			Err: errors.New(`session "Repository update" failed: Path E:\Backups is not accessible`)},
		engine.StepSkipped{Time: at(9), StepID: "cleanup", Reason: "when `env.STAGE == 'prod'` was false"},
		engine.ApplyDone{Time: at(9), Result: &engine.Result{Duration: 9 * time.Second, Items: []engine.ItemResult{
			{Addr: repoAms.String(), Action: "create", Outcome: engine.OutcomeDone, Duration: 6200 * time.Millisecond},
			{Addr: repoLon.String(), Action: "update", Outcome: engine.OutcomeFailed, Duration: 3 * time.Second,
				Error: `update vbr.repository "repo-lon": session "Repository update" failed: Path E:\Backups is not accessible`},
			{Addr: jobNew.String(), Action: "create", Outcome: engine.OutcomeNotAttempted},
			{Addr: "step.cleanup", Action: "vbr.restorepoint.delete", Outcome: engine.OutcomeSkipped, Error: "when `env.STAGE == 'prod'` was false"},
			{Addr: "step.retry", Action: "vbr.job.retry", Outcome: engine.OutcomeNotAttempted},
		}}},
	}
}

// interruptedRun is an apply stopped by a signal while a step's sessions
// were still running on the server.
func interruptedRun() []engine.Event {
	return []engine.Event{
		engine.ApplyStarted{Time: at(0), Playbook: "playbooks/ops.yaml", Changes: 0, Steps: 1},
		engine.StepStarted{Time: at(0), StepID: "retry", Action: "vbr.job.retry", Item: "Agent A"},
		engine.StepStarted{Time: at(0), StepID: "retry", Action: "vbr.job.retry", Item: "Agent B"},
		engine.Progress{Time: at(1), Owner: "retry", Kind: "session", ID: "s-10", Name: "Agent A", State: "Working", Percent: 40},
		engine.StepDone{Time: at(2), StepID: "retry", Item: "Agent A", Duration: 2 * time.Second,
			Err: errors.New("session s-10 failed: agent unreachable"), Ignored: true},
		engine.Progress{Time: at(3), Owner: "retry", Kind: "session", ID: "s-11", Name: "Agent B", State: "Working", Percent: 70},
		engine.LogLine{Time: at(4), Level: "info", Message: "interrupted: waiting up to 30s for work in flight"},
		engine.ApplyDone{Time: at(34), Interrupted: true, Result: &engine.Result{Duration: 34 * time.Second, Items: []engine.ItemResult{
			{Addr: "step.retry", Action: "vbr.job.retry", Outcome: engine.OutcomeRunning, Running: []string{"s-11"},
				Duration: 34 * time.Second},
		}}},
	}
}

func TestObservers(t *testing.T) {
	t.Parallel()
	runs := map[string][]engine.Event{"Failed": failedRun(), "Interrupted": interruptedRun()}
	for name, events := range runs {
		t.Run("Text"+name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			o := TextObserver(&buf, TextOptions{})
			for _, e := range events {
				o.Observe(e)
			}
			golden(t, "ApplyText"+name, buf.Bytes())
		})
		t.Run("JSON"+name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			o := JSONObserver(&buf)
			for _, e := range events {
				o.Observe(e)
			}
			golden(t, "ApplyJSON"+name, buf.Bytes())
			// Every line is one JSON object with a type.
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != len(events) {
				t.Fatalf("%d lines for %d events", len(lines), len(events))
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil || m["type"] == "" {
					t.Errorf("line %q: %v", l, err)
				}
			}
		})
	}
}

func TestProgressThrottle(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		percents []int
		states   []string
		want     int // lines printed
	}{
		"same state small moves": {percents: []int{0, 5, 10, 20, 24, 25, 30, 49, 50}, want: 3}, // 0, 25, 50
		"state changes":          {percents: []int{10, 10, 10}, states: []string{"Starting", "Working", "Stopped"}, want: 3},
		"unknown percent":        {percents: []int{-1, -1, -1, 50}, want: 2},
		"big jumps":              {percents: []int{0, 30, 60, 90, 100}, want: 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			o := TextObserver(&buf, TextOptions{})
			for i, p := range tc.percents {
				state := "Working"
				if tc.states != nil {
					state = tc.states[i]
				}
				o.Observe(engine.Progress{Owner: "x", Kind: "session", ID: "s", State: state, Percent: p})
			}
			if got := strings.Count(buf.String(), "\n"); got != tc.want {
				t.Errorf("printed %d lines, want %d:\n%s", got, tc.want, buf.String())
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	r := failedRun()[len(failedRun())-1].(engine.ApplyDone).Result
	var buf bytes.Buffer
	if err := Summary(&buf, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if got, want := lines[len(lines)-1], "Apply complete: 1 done, 1 failed, 2 not attempted."; got != want {
		t.Errorf("last line = %q, want %q", got, want)
	}
	if !strings.Contains(buf.String(), "is not accessible") {
		t.Errorf("summary lacks the server message:\n%s", buf.String())
	}
}

// TestObserverConcurrent observes from many goroutines; every line must
// come out whole (run with -race to check the locking).
func TestObserverConcurrent(t *testing.T) {
	t.Parallel()
	for name, mk := range map[string]func(*bytes.Buffer) engine.Observer{
		"text": func(b *bytes.Buffer) engine.Observer { return TextObserver(b, TextOptions{}) },
		"json": func(b *bytes.Buffer) engine.Observer { return JSONObserver(b) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			o := mk(&buf)
			var wg sync.WaitGroup
			const workers, each = 8, 50
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						o.Observe(engine.LogLine{Time: at(i), Level: "info", Message: fmt.Sprintf("worker %d line %d", w, i)})
					}
				}()
			}
			wg.Wait()
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if diff := cmp.Diff(workers*each, len(lines)); diff != "" {
				t.Fatalf("line count (-want +got):\n%s", diff)
			}
			for _, l := range lines {
				if !strings.Contains(l, "worker ") || strings.Count(l, "line ") != 1 {
					t.Errorf("torn line %q", l)
				}
			}
		})
	}
}
