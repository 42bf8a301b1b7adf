package playbook

import (
	"time"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/veeam"
)

// FormatVersion is the playbook format version this package reads
// (`vplay: 1`).
const FormatVersion = 1

// Options are the caller's inputs to Load besides the file.
type Options struct {
	// Vars overrides declared variables (--var, --var-file). Overriding an
	// undeclared variable is an error.
	Vars map[string]any
	// APIVersions gives the VBR API revision of targets whose api_version
	// is not known while loading (omitted, or a template over env or
	// secrets): the engine passes what it evaluated or negotiated, and
	// their specs, with blocks and params are then validated against that
	// revision. A target's own known api_version wins.
	APIVersions map[string]string
}

// Playbook is a loaded, validated playbook. It is immutable: callers must
// not modify it or the values it holds.
type Playbook struct {
	File    string // name as given to Load
	Source  []byte
	Hash    string // sha256 hex of Source
	Version int
	Name    string
	// Description is the playbook's description, if any.
	Description string
	Targets     []*Target
	// Vars are the declared variables after overrides.
	Vars map[string]any
	// Overrides are the overrides it was loaded with (Options.Vars, from
	// --var and --var-file), nil when none: a plan records them.
	Overrides map[string]any
	Data      []*DataQuery
	Resources []*Resource
	Steps     []*Step
	// Prune lists the selectors of the live objects the playbook owns:
	// those that match and that no resource declares are planned for
	// deletion.
	Prune []*PruneSelector
}

// Target looks a target up by name.
func (p *Playbook) Target(name string) (*Target, bool) {
	for _, t := range p.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Target is a named API endpoint. URL, Username and Password may be
// templates over vars, env and secret().
type Target struct {
	Name     string
	API      veeam.API
	URL      *eval.Value
	Username *eval.Value
	Password *eval.Value
	// APIVersion is the VBR x-api-version when known at load time (a
	// literal, or a template over vars), one of vbr.RevisionNames; "" when
	// omitted (negotiated at plan time) or given by APIVersionExpr.
	APIVersion string
	// APIVersionExpr is an api_version template evaluated at plan time
	// (over env or secrets); nil otherwise.
	APIVersionExpr *eval.Value
	// APIVersionPos is where api_version is written; zero when omitted.
	APIVersionPos diag.Pos
	TLS           TLSSpec
	// InsecureHTTP allows a plain http:// URL (insecure_http: true): the
	// password and tokens then travel unencrypted.
	InsecureHTTP bool
	// PageSize, PageConcurrency and PollFloor bound how the target is
	// read and polled; zero means the client's default.
	PageSize        int
	PageConcurrency int
	PollFloor       time.Duration
	// Timeout bounds one HTTP request to the target; 0 means the default
	// (veeam.Config.Timeout).
	Timeout time.Duration
	Pos     diag.Pos
}

// TLSSpec says how a target's certificate is verified: at most one field is
// set; none means the system roots.
type TLSSpec struct {
	CAFile      string // relative to the playbook's directory as written
	Fingerprint *eval.Value
	Insecure    bool
}

// DataQuery is a read-only query of live state, fetched once at plan time.
type DataQuery struct {
	Name   string
	Target string
	Query  string
	Params *eval.Value
	// Where filters items; its bare identifiers are the item's fields.
	Where *eval.Cond
	// One requires exactly one matching item; data.NAME is then that item
	// rather than a list.
	One bool
	Pos diag.Pos
}

// Resource states.
const (
	StatePresent = "present"
	StateAbsent  = "absent"
)

// Resource policies (Policy is nil for manage, else a literal or template
// yielding one of these).
const (
	PolicyManage     = "manage"
	PolicyObserve    = "observe"
	PolicyUpdateOnly = "update_only"
	PolicyNoDelete   = "no_delete"
)

// Resource is one declared resource, before for_each expansion. Its
// identity is (Target, Kind, evaluated Name).
type Resource struct {
	Kind   string
	Target string
	Name   *eval.Value
	// ForEach is nil when the resource has no loop.
	ForEach *eval.Value
	Spec    *eval.Value
	// State is present or absent; when the playbook gives an expression
	// (`state: "${{ vars.state }}"`), StateExpr holds it and State stays
	// present until the planner evaluates it.
	State     string
	StateExpr *eval.Value
	// Policy is nil for manage.
	Policy *eval.Value
	// Options are kind-specific options as written (delete_backups,
	// token_file, ...).
	Options map[string]any
	// OptionsValue is Options compiled like Spec: the planner evaluates it
	// per item (`token_file: "token-${{ each }}.txt"`). nil without options.
	OptionsValue *eval.Value
	// DependsOn lists the resources this one converges after: explicit
	// depends_on entries plus those its expressions reference, each as
	// "TARGET/KIND/NAME" or "TARGET/KIND" (every resource of that kind).
	DependsOn []string
	// Names lists the resource names known at load time (literal, or from
	// vars and a literal for_each); nil when they depend on live state.
	Names []string
	Pos   diag.Pos
}

// Step is one ordered action, run after resources converge.
type Step struct {
	ID, Name, Action, Target string
	When                     *eval.Cond
	ForEach                  *eval.Value
	With                     *eval.Value
	// Timeout is 0 when not set.
	Timeout         time.Duration
	ContinueOnError bool
	Retries         Retries
	Until           *eval.Cond
	// Parallel bounds how many loop items run at once; 0 means one at a
	// time.
	Parallel int
	Pos      diag.Pos
}

// Retries says how often a failed step is tried again.
type Retries struct {
	Count int
	Delay time.Duration
}
