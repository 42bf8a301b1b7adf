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
	Address   engine.Addr     `json:"address"`
	Action    string          `json:"action"`
	Policy    string          `json:"policy"`
	Risk      string          `json:"risk"`
	Flag      string          `json:"flag,omitempty"`
	Source    string          `json:"source,omitempty"`
	ID        string          `json:"id,omitempty"`
	Before    map[string]any  `json:"before"`
	After     map[string]any  `json:"after"`
	Diff      []jsonFieldDiff `json:"diff"`
	Reason    string          `json:"reason,omitempty"`
	DependsOn []string        `json:"depends_on,omitempty"`
}

type jsonFieldDiff struct {
	Path      string `json:"path"`
	Op        string `json:"op"`
	Before    any    `json:"before,omitempty"`
	After     any    `json:"after,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
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

func opWord(o engine.DiffOp) string {
	switch o {
	case engine.FieldAdd:
		return "add"
	case engine.FieldRemove:
		return "remove"
	}
	return "change"
}

// JSON writes the plan in the documented, versioned machine format (see
// FORMAT.md and PlanSchema): indented, field names in snake_case, actions
// and diff operations as words, numbers as written and every field flagged
// sensitive masked, in the diff and in the before/after documents.
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
	jc := jsonChange{
		Address: c.Addr, Action: ActionWord(c.Action), Policy: string(c.Policy), Risk: string(c.Risk),
		Flag: ChangeFlag(c), Source: changeSource(c), ID: c.ID,
		Diff:   make([]jsonFieldDiff, 0, len(c.Diff)),
		Reason: c.Reason, DependsOn: c.DependsOn,
	}
	var secret [][]segment
	for _, d := range c.Diff {
		if d.Sensitive {
			secret = append(secret, parsePath(d.Path))
		}
		m := maskDiff(d)
		jc.Diff = append(jc.Diff, jsonFieldDiff{Path: d.Path, Op: opWord(d.Op), Before: m.Before, After: m.After, Sensitive: d.Sensitive})
	}
	jc.Before = maskDoc(c.Before, secret)
	jc.After = maskDoc(c.After, secret)
	return jc
}

// maskDoc returns doc with the value at each path replaced by the
// placeholder. It copies only the containers along those paths, so the
// plan is never modified.
func maskDoc(doc map[string]any, paths [][]segment) map[string]any {
	if doc == nil || len(paths) == 0 {
		return doc
	}
	var v any = doc
	for _, p := range paths {
		v = maskAt(v, p)
	}
	m, _ := v.(map[string]any)
	return m
}

func maskAt(v any, path []segment) any {
	if len(path) == 0 {
		if v == nil {
			return nil
		}
		return engine.Sensitive
	}
	seg := path[0]
	switch x := v.(type) {
	case map[string]any:
		if seg.isIndex {
			return v
		}
		e, ok := x[seg.key]
		if !ok {
			return v
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		out[seg.key] = maskAt(e, path[1:])
		return out
	case []any:
		if !seg.isIndex || seg.idx < 0 || seg.idx >= len(x) {
			return v
		}
		out := slices.Clone(x)
		out[seg.idx] = maskAt(x[seg.idx], path[1:])
		return out
	}
	return v
}
