package engine

import (
	"fmt"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/steps"
)

// FormatVersion is the version of the plan's JSON and saved-plan format.
// It changes only when a field changes meaning or disappears.
const FormatVersion = "2.0"

// Action is what a plan does to one resource. Its value is the display symbol.
type Action string

// The plan actions.
const (
	NoOp   Action = "="
	Create Action = "+"
	Update Action = "~"
	Delete Action = "-"
	// Drift marks a resource under policy observe whose drift is reported
	// but never written.
	Drift Action = "!"
)

// String returns the action's word: create, update, delete, no-op, drift.
func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case Drift:
		return "drift"
	}
	return "no-op"
}

// MarshalText writes the action as its word (create, update, delete,
// no_op, drift), as the JSON format documents.
func (a Action) MarshalText() ([]byte, error) {
	if a == NoOp {
		return []byte("no_op"), nil
	}
	return []byte(a.String()), nil
}

// UnmarshalText reads an action word or symbol.
func (a *Action) UnmarshalText(b []byte) error {
	for _, x := range []Action{NoOp, Create, Update, Delete, Drift} {
		if w, _ := x.MarshalText(); string(b) == string(w) || string(b) == string(x) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("unknown plan action %q", b)
}

// Addr names a resource: (target, kind, name) is its identity.
type Addr struct {
	Target string `json:"target"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
}

// String renders target/kind/name, e.g. vbr/vbr.repository/repo-ams.
func (a Addr) String() string { return a.Target + "/" + a.Kind + "/" + a.Name }

// Policy limits what apply may do to a resource.
type Policy string

// Resource policies.
const (
	PolicyManage     Policy = "manage"
	PolicyObserve    Policy = "observe"
	PolicyUpdateOnly Policy = "update_only"
	PolicyNoDelete   Policy = "no_delete"
)

// Risk is how dangerous a change or a step is. Its value is the word the
// JSON format and the renderers use.
type Risk string

// Risk classes, least dangerous first.
const (
	RiskRead        Risk = "read"        // only reads
	RiskMaintenance Risk = "maintenance" // changes configuration or starts routine work
	RiskDisruptive  Risk = "disruptive"  // interrupts running work (restart, stop)
	RiskDestructive Risk = "destructive" // deletes data or objects
)

// riskOf is the plan's risk of a catalogue entry's risk class.
func riskOf(r steps.Risk) Risk { return Risk(r.String()) }

// Sensitive is the placeholder every renderer shows instead of a secret.
const Sensitive = "(sensitive)"

// Change is the plan for one resource.
type Change struct {
	Addr   Addr   `json:"address"`
	Action Action `json:"action"`
	Policy Policy `json:"policy"`
	Risk   Risk   `json:"risk"`
	// Pos is where the playbook declares the resource, the change's only
	// source field; JSON and saved plans write it as "file:line:col".
	Pos diag.Pos `json:"source,omitzero"`
	// ID is the live object's id, empty for creates.
	ID string `json:"id,omitempty"`
	// Before is the live object (masked), nil for creates.
	Before map[string]any `json:"before,omitempty"`
	// After is the declared spec merged over live (masked), nil for deletes.
	After map[string]any `json:"after,omitempty"`
	// Diff is the tree of the declared fields that differ, sorted by key,
	// already masked (see DiffNode).
	Diff []DiffNode `json:"diff,omitempty"`
	// Reason explains a no-op that would otherwise be a change (policy).
	Reason string `json:"reason,omitempty"`
	// DependsOn lists the addresses this change waits for.
	DependsOn []string `json:"depends_on,omitempty"`
}

// StepStatus says what a step will do when the plan is applied.
type StepStatus string

// Step statuses at plan time.
const (
	StepWillRun   StepStatus = "will_run"
	StepWillSkip  StepStatus = "skipped"
	StepDependsOn StepStatus = "depends_on_apply" // inputs known only after resources change
)

// StepRun is the plan for one step.
type StepRun struct {
	ID      string     `json:"id"`
	Name    string     `json:"name,omitempty"`
	Action  string     `json:"action"`
	Target  string     `json:"target,omitempty"`
	Risk    Risk       `json:"risk"`
	Status  StepStatus `json:"status"`
	Pos     diag.Pos   `json:"source,omitzero"`   // where the playbook declares the step
	Reason  string     `json:"reason,omitempty"`  // the `when` that was false, or the precondition
	Summary string     `json:"summary,omitempty"` // "retry 3 failed agent jobs: A, B, C"
	Items   []string   `json:"items,omitempty"`   // loop items or objects touched, when known
}

// Fingerprint records the version of one live object a plan was computed
// against, so a saved plan can be refused when live state moved.
type Fingerprint struct {
	Target string `json:"target"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	ID     string `json:"id,omitempty"`
	Hash   string `json:"hash"` // sha256 of the canonical live document; "absent" when not found
}

// Summary counts the work in a plan.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Drift  int `json:"drift"`
	NoOp   int `json:"no_op"`
	// Steps counts the steps that will run or depend on apply, except
	// read-only ones (log, assert, wait), which change nothing.
	Steps int `json:"steps_to_run"`
}

// Target describes one target of the plan for display.
type Target struct {
	Name string `json:"name"`
	API  string `json:"api"`
	URL  string `json:"url"`
	// APIVersion is the VBR REST API revision (x-api-version) the plan
	// was computed with; "" for other APIs.
	APIVersion string `json:"api_version,omitempty"`
	// Negotiated is set when the playbook left the revision to the
	// server: APIVersion is the newest one vplay knows that it serves.
	Negotiated bool `json:"api_version_negotiated,omitempty"`
	// ServerBuild is the VBR build the server reported while negotiating;
	// "" when unknown.
	ServerBuild string `json:"server_build,omitempty"`
}

// Plan is the result of planning: pure data, serialisable, with no clients
// and no closures. Secrets are already masked everywhere in it.
type Plan struct {
	FormatVersion string        `json:"format_version"`
	Playbook      string        `json:"playbook"`      // file name
	Name          string        `json:"name"`          // playbook name
	PlaybookHash  string        `json:"playbook_hash"` // sha256 of the playbook's bytes
	Targets       []Target      `json:"targets"`
	Changes       []Change      `json:"resource_changes"`
	Steps         []StepRun     `json:"steps"`
	Fingerprints  []Fingerprint `json:"fingerprints,omitempty"`
	Summary       Summary       `json:"summary"`
	// Vars are the variable overrides (--var, --var-file) the plan was
	// computed with, as the planner found them in the playbook; apply of a
	// saved plan uses them when given no overrides of its own. Variables
	// are never secret (secrets come from secret()).
	Vars map[string]any `json:"vars,omitempty"`
	// Restricted lists the --target addresses the plan was narrowed to.
	Restricted string `json:"restricted_to,omitempty"`
}

// HasChanges reports whether applying the plan would write anything or run
// any step.
func (p *Plan) HasChanges() bool {
	s := p.Summary
	return s.Create+s.Update+s.Delete+s.Steps > 0 || s.Drift > 0
}

// HasWork reports whether apply has anything to run: changes, or steps
// that will run even if they only read (log, assert, wait).
func (p *Plan) HasWork() bool {
	if p.HasChanges() {
		return true
	}
	for _, s := range p.Steps {
		if s.Status != StepWillSkip {
			return true
		}
	}
	return false
}

// MayRun reports whether applying the plan may do work of the risk class
// risk (RiskDestructive or RiskDisruptive): steps that will run with it,
// changes flagged with it, and for RiskDestructive every delete.
func (p *Plan) MayRun(risk Risk) bool {
	for _, c := range p.Changes {
		if (risk == RiskDestructive && c.Action == Delete) || (c.Action != NoOp && c.Risk == risk) {
			return true
		}
	}
	for _, s := range p.Steps {
		if s.Status != StepWillSkip && s.Risk == risk {
			return true
		}
	}
	return false
}

// Destructive reports whether the plan deletes anything or runs a
// destructive or disruptive step.
func (p *Plan) Destructive() bool {
	for _, c := range p.Changes {
		if c.Action == Delete {
			return true
		}
	}
	for _, s := range p.Steps {
		if s.Status != StepWillSkip && (s.Risk == RiskDestructive || s.Risk == RiskDisruptive) {
			return true
		}
	}
	return false
}
