package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
)

func TestMarkdown(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		plan   *engine.Plan
		budget int
	}{
		"MarkdownFull":       {plan: fullPlan()},
		"MarkdownEmpty":      {plan: emptyPlan()},
		"MarkdownOverBudget": {plan: bigPlan(40, 3), budget: 3000},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Markdown(&buf, tc.plan, MarkdownOptions{Budget: tc.budget}); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}

// bigPlan has n updates on target vbr and steps steps.
func bigPlan(n, steps int) *engine.Plan {
	p := &engine.Plan{FormatVersion: engine.FormatVersion, Playbook: "big.yaml", Name: "big",
		Targets: []engine.Target{{Name: "vbr", API: "vbr", URL: "https://vbr.example:9419"}}}
	for i := range n {
		p.Changes = append(p.Changes, engine.Change{
			Addr:   engine.Addr{Target: "vbr", Kind: "vbr.repository", Name: fmt.Sprintf("repo-%03d", i)},
			Action: engine.Update, Policy: engine.PolicyManage, Risk: "maintenance", ID: fmt.Sprintf("id-%d", i),
			Pos: diag.Pos{File: "big.yaml", Line: 10 + i*8, Col: 5},
			Diff: diffOf(
				map[string]any{"description": fmt.Sprintf("repository %d", i), "repository": map[string]any{"maxTaskCount": i}, "tags": []any{"a", "b"}},
				map[string]any{"description": fmt.Sprintf("repository number %d", i), "repository": map[string]any{"maxTaskCount": i + 1}, "tags": []any{"a", "c"}}),
		})
	}
	for i := range steps {
		p.Steps = append(p.Steps, engine.StepRun{ID: fmt.Sprintf("step_%d", i), Action: "log", Risk: "read",
			Status: engine.StepWillRun, Summary: "say hello"})
	}
	p.Summary = engine.Summary{Update: n, Steps: steps}
	return p
}

// TestMarkdownBudget checks that the output never exceeds the budget and
// names every resource it left out, for budgets from tiny to roomy.
func TestMarkdownBudget(t *testing.T) {
	t.Parallel()
	p := bigPlan(200, 50)
	addrRe := regexp.MustCompile(`vbr/vbr\.repository/repo-\d{3}`)
	for _, budget := range []int{1, 50, 200, 500, 1000, 3000, 10000, 30000, 60000, 1 << 20} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Markdown(&buf, p, MarkdownOptions{Budget: budget}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if len(out) > budget {
				t.Fatalf("output has %d bytes, budget %d", len(out), budget)
			}
			if budget < 3000 {
				return // too small for anything but the head
			}
			// Every change is either shown in a block or named (or counted)
			// in the notice.
			shown := strings.Count(out, "<code>~ vbr.repository")
			notice := ""
			if i := strings.Index(out, "more resource change"); i >= 0 {
				notice = out[i:]
			}
			named := len(addrRe.FindAllString(notice, -1))
			more := 0
			if m := regexp.MustCompile(`… and (\d+) more\.`).FindStringSubmatch(notice); m != nil {
				fmt.Sscan(m[1], &more)
			}
			if shown+named+more != 200 {
				t.Errorf("shown %d + named %d + counted %d != 200 changes", shown, named, more)
			}
			if shown < 200 && !strings.Contains(out, fmt.Sprintf("… %d more resource changes omitted (budget %s characters): ", 200-shown, thousands(budget))) {
				t.Errorf("no exact omission notice for %d changes in:\n%s", 200-shown, notice)
			}
		})
	}
}

// TestNoSecret renders a plan with a field the engine masked in every
// format: each shows (sensitive) and never a value. (The engine masks the
// diff tree as it builds it; renderers only lay it out.)
func TestNoSecret(t *testing.T) {
	t.Parallel()
	render := map[string]func(*bytes.Buffer, *engine.Plan) error{
		"text":     func(b *bytes.Buffer, p *engine.Plan) error { return Text(b, p, TextOptions{}) },
		"color":    func(b *bytes.Buffer, p *engine.Plan) error { return Text(b, p, TextOptions{Color: true}) },
		"json":     func(b *bytes.Buffer, p *engine.Plan) error { return JSON(b, p) },
		"markdown": func(b *bytes.Buffer, p *engine.Plan) error { return Markdown(b, p, MarkdownOptions{}) },
	}
	for name, f := range render {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := f(&buf, fullPlan()); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !strings.Contains(out, engine.Sensitive) {
				t.Errorf("%s output does not show %s:\n%s", name, engine.Sensitive, out)
			}
		})
	}
}
