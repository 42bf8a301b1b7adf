package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
	"github.com/vplay-dev/vplay/veeam/vbr"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// Doc is an evaluated JSON-like value: a spec, a with block or a live object.
type Doc = veeam.Doc

// Risk classifies what an action or change can do to a running system.
type Risk int

// Risk classes, least dangerous first.
const (
	RiskRead        Risk = iota // only reads
	RiskMaintenance             // changes configuration or starts routine work
	RiskDisruptive              // interrupts running work (restart, stop)
	RiskDestructive             // deletes data or objects
)

// String returns the risk class name as written in docs and renderers.
func (r Risk) String() string {
	switch r {
	case RiskRead:
		return "read"
	case RiskMaintenance:
		return "maintenance"
	case RiskDisruptive:
		return "disruptive"
	case RiskDestructive:
		return "destructive"
	}
	return fmt.Sprintf("Risk(%d)", int(r))
}

// Conn is the live, authenticated connection to one playbook target. Exactly
// one of VBR, EM and VSPC is set, matching API.
type Conn struct {
	Target string
	API    veeam.API
	VBR    *vbr.Client
	EM     *em.Client
	VSPC   *vspc.Client
}

// Object is one live object of a resource kind.
type Object struct {
	ID   string // the server's id, used in paths
	Name string // the identity the playbook uses
	Doc  Doc    // the object as the server returned it
}

// Env is what an entry needs besides its connection while it runs.
type Env struct {
	// Progress receives observations of awaited sessions, tasks and actions.
	Progress veeam.ProgressFunc
	// Logf writes one line to the run output (the `log` action, warnings).
	Logf func(format string, args ...any)
	// Sink receives write-once sensitive values (recovery tokens) declared
	// by the playbook; nil discards them.
	Sink func(name string, value string) error
	// Track, when set, is called right after an entry starts asynchronous
	// work (a session, task, async action or watched object), so the engine
	// can journal it and re-attach after an interruption.
	Track func(kind veeam.AsyncKind, id, requestID string)
	// Resume, when set, is consulted before an entry starts asynchronous
	// work: when ok, the journal says that work is still in flight and the
	// entry awaits it instead of starting it again.
	Resume func() (kind veeam.AsyncKind, id, requestID string, ok bool)
	// Drop, when set, removes the journalled work Resume reported when the
	// entry finds the server no longer knows it, with a note saying why.
	Drop func(note string)
	// Release, when set, is called by an entry once the server has
	// finished the work it started and only reads remain (reading a
	// created object back): the engine's parallelism bounds work in flight
	// on the server, so the next change may start meanwhile. Calling it
	// again does nothing.
	Release func()
}

// release calls env.Release when the engine set one.
func (env Env) release() {
	if env.Release != nil {
		env.Release()
	}
}

// Field describes one documented field of a spec or with block, for
// `vplay describe`.
type Field struct {
	Name     string
	Type     string
	Required bool
	Doc      string
}

// Meta is what every catalogue entry declares about itself.
type Meta struct {
	Name    string    // "vbr.repository", "em.agent_job.retry", "vbr.managed_servers"
	API     veeam.API // "" for engine built-ins (wait, assert, log)
	Summary string    // one line
	Doc     string    // a paragraph for `vplay describe`
	Example string    // a YAML snippet for `vplay describe`
	// Schema is the JSON Schema (2020-12, as a decoded JSON value) of the
	// entry's spec (kinds), with block (actions) or params (queries).
	Schema map[string]any
	// SchemaAt, when set, returns the schema at one VBR document revision
	// (one of openapi.Revisions) for entries whose schema follows the
	// vendor document; Schema then accepts what any revision accepts. See
	// Catalog.At.
	SchemaAt func(doc string) map[string]any
	// ValuesPerRevision, with SchemaAt, says that Schema only stands in
	// for the per-revision schemas (a table kind's checks the top-level
	// keys alone): for a target whose revision is not known while
	// loading, the loader checks the spec or with block against SchemaAt
	// of each revision that defines the entry, accepts it when one of
	// them does and reports the newest one's complaint otherwise.
	ValuesPerRevision bool
	// schemaFn computes Schema on first use when it is nil (see
	// JSONSchema): the table-driven kinds read large vendor documents.
	schemaFn func() map[string]any
	// docFn, when set, returns the schema to document when Schema is only
	// a placeholder accepting any revision's spec (the table kinds): the
	// newest revision's.
	docFn func() map[string]any
}

// DocSchema returns the schema `vplay describe` and the catalogue document
// the fields of: the newest revision's for the table-driven kinds (whose
// any-revision Schema accepts any object), JSONSchema otherwise.
func (m *Meta) DocSchema() map[string]any {
	if m.docFn != nil {
		return m.docFn()
	}
	return m.JSONSchema()
}

// DocsNewestRevision reports whether DocSchema is the newest revision's
// schema (the entries whose Schema stands in for every revision's), not
// one accepting any revision.
func (m *Meta) DocsNewestRevision() bool { return m.docFn != nil }

// JSONSchema returns the entry's schema: Schema, or the one computed on
// first use for entries that build it lazily. Read schemas through it.
func (m *Meta) JSONSchema() map[string]any {
	if m.Schema == nil && m.schemaFn != nil {
		return m.schemaFn()
	}
	return m.Schema
}

// Kind is a declarative resource type: the crossplane-shaped contract the
// planner and applier drive.
type Kind struct {
	Meta
	// ReadOnly lists dotted field paths the server generates; they are never
	// diffed or sent (id, uniqueId, usn, ...).
	ReadOnly []string
	// Sensitive lists dotted field paths whose values are never rendered.
	Sensitive []string
	// Await is the async model create/update/delete wait on.
	Await veeam.AsyncKind
	// DeleteRisk is the risk of deleting an object of this kind.
	DeleteRisk Risk
	// NoDelete marks a kind whose objects cannot be deleted (a singleton
	// settings object, or an object the API only lists): the loader
	// refuses a prune selector for it, and its Delete is never called.
	NoDelete bool
	// Normalize rewrites a declared or live value at a dotted path before
	// comparison (path separators, case); nil compares values as they are.
	// Returning nil for a declared value means the field is not compared at
	// all (create-only fields the server never echoes).
	Normalize func(path string, v any) any
	Ops       KindOps
	// Import says what `vplay import` needs to know beyond the spec schema
	// to write a live object as a spec; the zero value means nothing.
	Import ImportRules
}

// ImportRules describe, for `vplay import`, the parts of a kind's spec that
// a live object does not show as a client writes them. Every field is
// optional; paths are dotted spec paths, applied to every element of the
// lists they cross ("performanceTier.performanceExtents.id").
type ImportRules struct {
	// WriteOnly lists the paths the server never returns (passwords,
	// private keys): import writes a secret('...') reference for each, with
	// a comment naming the variable to export.
	WriteOnly []string
	// Refs maps the paths that hold the id of another object to what that
	// object is, so import writes its name (through a data query, or a
	// resources[...] reference when that object is imported too).
	Refs map[string]Ref
	// Fill holds values import writes for required create-only fields the
	// server does not return (never compared by plan), each with Note.
	Fill Doc
	// Note is a comment import writes above every imported object of the
	// kind (what Fill stands for, what to check before reusing it).
	Note string
}

// Ref names the kind of object a spec path refers to by id.
type Ref struct {
	// Kind is the resource kind of the referenced objects (such as
	// vbr.managed_server); when the catalogue has it and the object is
	// imported too, import writes resources[KIND][NAME].id.
	Kind string
	// Query is the data query that lists such objects (such as
	// vbr.managed_servers); import writes a data entry selecting the
	// object by name and refers to its id.
	Query string
	// NameField is the field of the query's items that names them ("" means
	// name; credentials are known by username).
	NameField string
}

// KindOps is the reconcile contract of a kind.
type KindOps interface {
	// List returns every live object of the kind with one paged list.
	List(ctx context.Context, c *Conn) ([]Object, error)
	// Create creates the object named name from spec, awaits the server's
	// work and returns the object as it now is.
	Create(ctx context.Context, c *Conn, env Env, name string, spec Doc) (Object, error)
	// Update changes live to match spec (a full document where the vendor
	// PUT needs one), awaits the work and returns the object as it now is.
	Update(ctx context.Context, c *Conn, env Env, live Object, spec Doc) (Object, error)
	// Delete removes live. opts holds kind-specific options such as
	// delete_backups.
	Delete(ctx context.Context, c *Conn, env Env, live Object, opts Doc) error
}

// Reference is an object a spec names: a resource of Kind called Name on
// the same target.
type Reference struct{ Kind, Name string }

// Referencer is implemented by kind operations whose specs name other
// objects (a job its repository, a managed server its credentials), so the
// planner orders a write after the writes of what it names.
type Referencer interface {
	References(spec Doc) []Reference
}

// Owned is implemented by kind operations whose objects are a role of
// another object and named after it (a mount server after its managed
// server): Owner returns that object for a resource name, so the planner
// writes it first; ok is false when the kind's objects have own names.
type Owned interface {
	Owner(name string) (ref Reference, ok bool)
}

// Replacer is implemented by kind operations that cannot apply some
// changes in place: Replaces returns why the declared spec replaces live
// (delete + create, destructive), or "" for an ordinary update.
type Replacer interface {
	Replaces(spec, live Doc) string
}

// Preview is what an action will do, computed against live state at plan
// time: "retry 3 failed agent jobs: A, B, C".
type Preview struct {
	Summary string
	Items   []string // names of the objects the action will touch
	// Skip is set when preconditions say the action has nothing to do;
	// Reason says why ("no job in state Failed").
	Skip   bool
	Reason string
}

// Action is an imperative step.
type Action struct {
	Meta
	Risk  Risk
	Await veeam.AsyncKind
	// Builtin actions (wait, assert, log) are run by the engine itself and
	// have nil Ops.
	Builtin bool
	Ops     ActionOps
}

// ActionOps is the contract of an action.
type ActionOps interface {
	// Preview evaluates preconditions against live state without writing.
	Preview(ctx context.Context, c *Conn, with Doc) (Preview, error)
	// Run performs the action, awaits what it started and returns its
	// result document (exposed as steps.<id>.result).
	Run(ctx context.Context, c *Conn, env Env, with Doc) (Doc, error)
}

// Query is a read-only data source for `data:` blocks.
type Query struct {
	Meta
	// Fetch returns the items, pushing filters the server supports down to
	// it; the engine applies `where` to the rest.
	Fetch func(ctx context.Context, c *Conn, params Doc) ([]Doc, error)
}

// Catalog holds every entry by name.
type Catalog struct {
	kinds   map[string]*Kind
	actions map[string]*Action
	queries map[string]*Query

	atMu  sync.Mutex
	at    map[string]*Catalog // see At
	focus map[string]*Catalog // see Focus
}

// NewCatalog builds a catalogue from entries; names must be unique.
func NewCatalog(kinds []*Kind, actions []*Action, queries []*Query) *Catalog {
	c := &Catalog{kinds: map[string]*Kind{}, actions: map[string]*Action{}, queries: map[string]*Query{}}
	for _, k := range kinds {
		mustUnique(c, k.Name)
		c.kinds[k.Name] = k
	}
	for _, a := range actions {
		mustUnique(c, a.Name)
		c.actions[a.Name] = a
	}
	for _, q := range queries {
		mustUnique(c, q.Name)
		c.queries[q.Name] = q
	}
	return c
}

func mustUnique(c *Catalog, name string) {
	_, k := c.kinds[name]
	_, a := c.actions[name]
	_, q := c.queries[name]
	if k || a || q {
		panic("steps: duplicate catalogue entry " + name) // a broken invariant of Builtin, not user input
	}
}

// Kind returns the resource kind called name.
func (c *Catalog) Kind(name string) (*Kind, bool) { k, ok := c.kinds[name]; return k, ok }

// Action returns the action called name.
func (c *Catalog) Action(name string) (*Action, bool) { a, ok := c.actions[name]; return a, ok }

// Query returns the data query called name.
func (c *Catalog) Query(name string) (*Query, bool) { q, ok := c.queries[name]; return q, ok }

// Kinds returns every kind, sorted by name.
func (c *Catalog) Kinds() []*Kind { return sorted(c.kinds) }

// Actions returns every action, sorted by name.
func (c *Catalog) Actions() []*Action { return sorted(c.actions) }

// Queries returns every query, sorted by name.
func (c *Catalog) Queries() []*Query { return sorted(c.queries) }

func sorted[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// Names returns the sorted names of every kind, action and query, for
// "did you mean" hints.
func (c *Catalog) Names() []string {
	var out []string
	for k := range c.kinds {
		out = append(out, k)
	}
	for k := range c.actions {
		out = append(out, k)
	}
	for k := range c.queries {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// APIOf returns the API that a kind, action or query name belongs to, from
// its prefix ("vbr.repository" -> vbr).
func APIOf(name string) veeam.API {
	p, _, _ := strings.Cut(name, ".")
	switch veeam.API(p) {
	case veeam.VBR, veeam.EM, veeam.VSPC:
		return veeam.API(p)
	}
	return ""
}
