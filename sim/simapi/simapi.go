// Package simapi is the contract between the simulator's core (package sim:
// listeners, TLS, faults, request log, persistence, control API) and each
// simulated API (sim/vbrsim, sim/emsim, sim/vspcsim).
//
// It holds no behaviour of its own: each API package owns its state, its
// authentication and its endpoints; the core owns everything that is the
// same for all three.
package simapi

import (
	"encoding/json"
	"net/http"
	"time"
)

// Clock gives the simulator's notion of now. Sessions, tasks, tokens and
// async actions are computed from it, so a test can drive time.
type Clock interface {
	Now() time.Time
}

// SessionFault is a decision that a newly started session, task or async
// action must fail, with the message the server reports.
type SessionFault struct {
	Fail    bool
	Message string
}

// Env is what the core hands to each simulated API.
type Env struct {
	Clock Clock
	// Duration returns how long the next asynchronous operation runs (the
	// configured --session-duration with jitter).
	Duration func() time.Duration
	// SessionFault decides whether the operation started by the request
	// (method, path) fails: a deterministic seed rule or --fail-sessions.
	SessionFault func(method, path string) SessionFault
	// Changed must be called after every state change (after the API's own
	// lock is released) so the core persists state.
	Changed func()
	// Password is the password every simulated user accepts.
	Password string
	// TokenTTL is the access-token lifetime (VBR default 900s; VSPC uses its
	// own 1h default when zero).
	TokenTTL time.Duration
	// BaseURL is the listener's base URL (https://127.0.0.1:port), for
	// Location headers and Href links.
	BaseURL func() string
	// Seed seeds the API's generator of new object ids (--rand-seed), so
	// runs with the same seed create the same ids.
	Seed int64
}

// API is one simulated Veeam API.
type API interface {
	// Handler serves the vendor paths of this API.
	Handler() http.Handler
	// Snapshot returns the API's whole state as JSON, for --state files and
	// GET /_sim/state.
	Snapshot() (json.RawMessage, error)
	// Restore replaces the state with a snapshot.
	Restore(json.RawMessage) error
	// Mutate changes one object without a session (drift tests): merge is a
	// JSON merge patch applied to the object named name in collection;
	// del removes it instead.
	Mutate(collection, name string, merge map[string]any, del bool) error
}

// Roles every simulated API knows; each maps them to its vendor role names.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleViewer   = "viewer"
)

// Users are the simulated user names, which are also their roles.
var Users = []string{RoleAdmin, RoleOperator, RoleViewer}

// RouteTemplater is optionally implemented by an API handler to name the
// path template of a request ("/api/v1/sessions/{id}") for the request log.
type RouteTemplater interface {
	Template(r *http.Request) string
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// WithDefaults returns env with working defaults for its zero fields: the
// real clock, 2s operations, no faults, no persistence.
func (env Env) WithDefaults() Env {
	if env.Clock == nil {
		env.Clock = realClock{}
	}
	if env.Duration == nil {
		env.Duration = func() time.Duration { return 2 * time.Second }
	}
	if env.SessionFault == nil {
		env.SessionFault = func(string, string) SessionFault { return SessionFault{} }
	}
	if env.Changed == nil {
		env.Changed = func() {}
	}
	return env
}
