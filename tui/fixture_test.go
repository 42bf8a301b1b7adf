package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/jsondoc"
)

// testPlan is a small plan with every action, a sensitive field, a long
// string and steps in every status.
func testPlan() *engine.Plan {
	repo := func(name string) engine.Addr {
		return engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: name}
	}
	return &engine.Plan{
		FormatVersion: engine.FormatVersion,
		Playbook:      "playbooks/quickstart.yaml",
		Name:          "quickstart",
		Targets: []engine.Target{
			{Name: "vbr", API: "vbr", URL: "https://vbr.example:9419"},
			{Name: "vspc", API: "vspc", URL: "https://vspc.example:1280"},
		},
		Changes: []engine.Change{
			{
				Addr: repo("repo-ams"), Action: engine.Create, Policy: engine.PolicyManage, Risk: "maintenance",
				Pos: diag.Pos{File: "playbooks/quickstart.yaml", Line: 12, Col: 5},
				Diff: diffOf(map[string]any{"repository": map[string]any{}},
					map[string]any{"name": "repo-ams", "repository": map[string]any{"maxTaskCount": 4, "path": `D:\Backups`}}),
			},
			{
				Addr: repo("repo-fra"), Action: engine.Update, Policy: engine.PolicyManage, Risk: "maintenance", ID: "6f1c",
				Pos: diag.Pos{File: "playbooks/quickstart.yaml", Line: 20, Col: 5},
				Diff: append(diffOf(
					map[string]any{"description": "Primary repository for the Frankfurt office backups", "repository": map[string]any{"maxTaskCount": 2}},
					map[string]any{"description": "Primary repository for the Frankfurt and Munich office backups", "repository": map[string]any{"maxTaskCount": 8}}),
					engine.DiffNode{Path: path("share"), Op: engine.DiffChange, Fields: []engine.DiffNode{{
						Path: path("share", "credentials"), Op: engine.DiffChange, Fields: []engine.DiffNode{{
							Path: path("share", "credentials", "password"), Op: engine.DiffChange,
							Before: engine.Sensitive, After: engine.Sensitive, Sensitive: true,
						}},
					}}}),
			},
			{Addr: repo("repo-old"), Action: engine.Delete, Policy: engine.PolicyManage, Risk: "destructive", ID: "a0b1",
				Before: map[string]any{"name": "repo-old", "description": "retired"}},
			{Addr: repo("repo-same"), Action: engine.NoOp, Policy: engine.PolicyManage, ID: "c2d3"},
			{Addr: engine.Addr{Target: "vbr", Kind: "vbr.job", Name: "job-daily"}, Action: engine.Drift, Policy: engine.PolicyObserve, ID: "77",
				Reason: "policy observe",
				Diff: diffOf(map[string]any{"schedule": map[string]any{"daily": map[string]any{"time": "22:00"}}},
					map[string]any{"schedule": map[string]any{"daily": map[string]any{"time": "23:00"}}})},
			{Addr: engine.Addr{Target: "vspc", Kind: "vspc.company", Name: "acme"}, Action: engine.Create, Policy: engine.PolicyManage, Risk: "maintenance",
				Diff: diffOf(nil, map[string]any{"name": "acme", "tags": []any{"gold", "eu"}})},
		},
		Steps: []engine.StepRun{
			{ID: "retry", Name: "Retry failed jobs", Action: "vbr.job.retry", Target: "vbr", Risk: "maintenance", Status: engine.StepWillRun,
				Summary: "retry 2 failed jobs", Items: []string{"job-a", "job-b"}},
			{ID: "cleanup", Action: "vbr.repository.rescan", Target: "vbr", Risk: "maintenance", Status: engine.StepWillSkip, Reason: "env.STAGE == 'prod'"},
			{ID: "failover", Action: "vbr.replica.failover", Target: "vbr", Risk: "disruptive", Status: engine.StepDependsOn},
		},
		Summary: engine.Summary{Create: 2, Update: 1, Delete: 1, Drift: 1, NoOp: 1, Steps: 1},
	}
}

// bigPlan has n changes over a few targets and kinds.
func bigPlan(n int) *engine.Plan {
	p := &engine.Plan{Playbook: "big.yaml", Targets: []engine.Target{{Name: "vbr", API: "vbr"}}}
	actions := []engine.Action{engine.Create, engine.Update, engine.Delete, engine.NoOp}
	for i := range n {
		a := actions[i%len(actions)]
		c := engine.Change{
			Addr:   engine.Addr{Target: fmt.Sprintf("vbr%d", i%3), Kind: fmt.Sprintf("vbr.kind%d", i%5), Name: fmt.Sprintf("res-%05d", i)},
			Action: a,
			Diff: diffOf(map[string]any{"description": "old", "maxTaskCount": 1},
				map[string]any{"description": fmt.Sprintf("new %d", i), "maxTaskCount": i}),
		}
		p.Changes = append(p.Changes, c)
		switch a {
		case engine.Create:
			p.Summary.Create++
		case engine.Update:
			p.Summary.Update++
		case engine.Delete:
			p.Summary.Delete++
		default:
			p.Summary.NoOp++
		}
	}
	return p
}

// press turns key names into key press messages: "up", "enter", "esc",
// "backspace", "ctrl+c" or a single printable character.
func press(k string) tea.KeyPressMsg {
	switch k {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// pressAll sends the keys to m and returns the last command.
func pressAll(t *testing.T, m tea.Model, keys ...string) tea.Cmd {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(press(k))
	}
	return cmd
}

// isQuit reports whether cmd quits the program.
func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// checkSize fails when the screen is taller or wider than allowed.
func checkSize(t *testing.T, screen string, width, height int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) > height {
		t.Errorf("screen has %d lines, want at most %d", len(lines), height)
	}
	for i, l := range lines {
		if w := len([]rune(l)); w > width {
			t.Errorf("line %d is %d wide, want at most %d: %q", i, w, width, l)
		}
	}
}

var t0 = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

// script is an apply event stream: two resources succeed, one fails with
// the server's message, a step loop runs two items, a step is skipped.
func script() []engine.Event {
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ams := engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-ams"}
	fra := engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: "repo-fra"}
	acme := engine.Addr{Target: "vspc", Kind: "vspc.company", Name: "acme"}
	fail := fmt.Errorf("apply vspc.company %q: create: POST /api/v3/organizations/companies: 400 Bad Request: company name acme is already taken", "acme")
	return []engine.Event{
		engine.ApplyStarted{Time: at(0), Playbook: "playbooks/quickstart.yaml", Changes: 3, Steps: 2},
		engine.ResourceStarted{Time: at(0), Addr: ams, Action: engine.Create},
		engine.ResourceStarted{Time: at(0), Addr: fra, Action: engine.Update},
		engine.Progress{Time: at(1), Owner: ams.String(), Kind: "session", ID: "5b7e-11", Name: "Create repository repo-ams", State: "Working", Percent: 40},
		engine.ResourceStarted{Time: at(1), Addr: acme, Action: engine.Create},
		engine.ResourceDone{Time: at(2), Addr: fra, Action: engine.Update, Duration: 2 * time.Second},
		engine.Progress{Time: at(3), Owner: acme.String(), Kind: "async_action", ID: "req-9", Name: "create company", State: "running", Percent: -1},
		engine.ResourceDone{Time: at(4), Addr: acme, Action: engine.Create, Duration: 3 * time.Second, Err: fail},
		engine.Progress{Time: at(5), Owner: ams.String(), Kind: "session", ID: "5b7e-11", Name: "Create repository repo-ams", State: "Stopped", Percent: 100},
		engine.ResourceDone{Time: at(5), Addr: ams, Action: engine.Create, Duration: 5 * time.Second},
		engine.StepStarted{Time: at(6), StepID: "retry", Action: "vbr.job.retry", Item: "job-a"},
		engine.Progress{Time: at(6), Owner: "retry", Kind: "session", ID: "9a-1", Name: "job-a retry", State: "Working", Percent: 10},
		engine.StepDone{Time: at(8), StepID: "retry", Item: "job-a", Duration: 2 * time.Second},
		engine.StepStarted{Time: at(8), StepID: "retry", Action: "vbr.job.retry", Item: "job-b"},
		engine.StepDone{Time: at(9), StepID: "retry", Item: "job-b", Duration: time.Second,
			Err: fmt.Errorf("session 9a-2 failed: job-b has no restore points"), Ignored: true},
		engine.StepSkipped{Time: at(9), StepID: "cleanup", Reason: "env.STAGE == 'prod'"},
		engine.LogLine{Time: at(9), Level: "info", Message: "quickstart done"},
		engine.ApplyDone{Time: at(10), Result: &engine.Result{Duration: 10 * time.Second, Items: []engine.ItemResult{
			{Addr: ams.String(), Action: "create", Outcome: engine.OutcomeDone, Duration: 5 * time.Second},
			{Addr: fra.String(), Action: "update", Outcome: engine.OutcomeDone, Duration: 2 * time.Second},
			{Addr: acme.String(), Action: "create", Outcome: engine.OutcomeFailed, Error: fail.Error(), Duration: 3 * time.Second},
			{Addr: "step.retry", Action: "vbr.job.retry", Outcome: engine.OutcomeDone, Duration: 3 * time.Second},
			{Addr: "step.cleanup", Action: "vbr.repository.rescan", Outcome: engine.OutcomeSkipped, Error: "env.STAGE == 'prod'"},
		}}},
	}
}

// fixedClock returns a clock stuck at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// diffOf is the diff tree between two documents as the engine builds it
// for values without a kind's rules (engine.DiffValues).
func diffOf(before, after map[string]any) []engine.DiffNode {
	if before == nil {
		before = map[string]any{}
	}
	return engine.DiffValues(nil, before, after).Fields
}

// path builds a path of keys.
func path(keys ...string) jsondoc.Path {
	p := make(jsondoc.Path, len(keys))
	for i, k := range keys {
		p[i] = jsondoc.Key(k)
	}
	return p
}
