package render

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/vplay-dev/vplay/engine"
)

//go:embed plan-format.schema.json
var planSchema []byte

// PlanSchema returns the JSON Schema (draft 2020-12) of the document JSON
// writes, as committed in plan-format.schema.json.
func PlanSchema() []byte { return slices.Clone(planSchema) }

// jsonPlan is the machine-readable plan, format_version engine.FormatVersion.
// Field names are part of the format: see FORMAT.md before changing one.
type jsonPlan struct {
	FormatVersion string               `json:"format_version"`
	Playbook      string               `json:"playbook"`
	Name          string               `json:"name"`
	PlaybookHash  string               `json:"playbook_hash"`
	Targets       []engine.Target      `json:"targets"`
	Changes       []jsonChange         `json:"resource_changes"`
	Steps         []jsonStep           `json:"steps"`
	Fingerprints  []engine.Fingerprint `json:"fingerprints"`
	Summary       engine.Summary       `json:"summary"`
	HasChanges    bool                 `json:"has_changes"`
	Destructive   bool                 `json:"destructive"`
	Disruptive    bool                 `json:"disruptive"`
}

type jsonChange struct {
	Address   engine.Addr       `json:"address"`
	Action    string            `json:"action"`
	Policy    string            `json:"policy"`
	Risk      string            `json:"risk"`
	Flag      string            `json:"flag,omitempty"`
	Source    string            `json:"source,omitempty"`
	ID        string            `json:"id,omitempty"`
	Before    map[string]any    `json:"before"`
	After     map[string]any    `json:"after"`
	Diff      []engine.DiffNode `json:"diff"`
	Reason    string            `json:"reason,omitempty"`
	DependsOn []string          `json:"depends_on,omitempty"`
}

type jsonStep struct {
	ID      string   `json:"id"`
	Name    string   `json:"name,omitempty"`
	Action  string   `json:"action"`
	Target  string   `json:"target,omitempty"`
	Risk    string   `json:"risk"`
	Status  string   `json:"status"`
	Flag    string   `json:"flag,omitempty"`
	Source  string   `json:"source,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Summary string   `json:"summary,omitempty"`
	Items   []string `json:"items,omitempty"`
}

// ActionWord returns the machine word of a plan action in the JSON format:
// create, update, delete, no_op or drift.
func ActionWord(a engine.Action) string {
	switch a {
	case engine.Create:
		return "create"
	case engine.Update:
		return "update"
	case engine.Delete:
		return "delete"
	case engine.Drift:
		return "drift"
	}
	return "no_op"
}

// JSON writes the plan in the documented, versioned machine format (see
// FORMAT.md and PlanSchema): indented, field names in snake_case, actions
// and diff operations as words, numbers as written and every field flagged
// sensitive masked, in the diff and in the before/after documents. The diff
// is the engine's diff tree as it is (already masked), list element
// operations included.
func JSON(w io.Writer, p *engine.Plan) error {
	doc := jsonPlan{
		FormatVersion: engine.FormatVersion,
		Playbook:      p.Playbook,
		Name:          p.Name,
		PlaybookHash:  p.PlaybookHash,
		Targets:       orEmpty(p.Targets),
		Changes:       make([]jsonChange, 0, len(p.Changes)),
		Steps:         make([]jsonStep, 0, len(p.Steps)),
		Fingerprints:  orEmpty(p.Fingerprints),
		Summary:       p.Summary,
		HasChanges:    p.HasChanges(),
		Destructive:   p.MayRun(engine.RiskDestructive),
		Disruptive:    p.MayRun(engine.RiskDisruptive),
	}
	for _, c := range p.Changes {
		doc.Changes = append(doc.Changes, jsonChangeOf(c))
	}
	for _, s := range p.Steps {
		doc.Steps = append(doc.Steps, jsonStep{
			ID: s.ID, Name: s.Name, Action: s.Action, Target: s.Target, Risk: string(s.Risk),
			Status: string(s.Status), Flag: StepFlag(s), Source: stepSource(s),
			Reason: s.Reason, Summary: s.Summary, Items: s.Items,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode plan json: %w", err)
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func jsonChangeOf(c engine.Change) jsonChange {
	return jsonChange{
		Address: c.Addr, Action: ActionWord(c.Action), Policy: string(c.Policy), Risk: string(c.Risk),
		Flag: ChangeFlag(c), Source: changeSource(c), ID: c.ID,
		Before: c.Before, After: c.After, Diff: orEmpty(c.Diff),
		Reason: c.Reason, DependsOn: c.DependsOn,
	}
}
