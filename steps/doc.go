// Package steps is the catalogue of everything a playbook can name: resource
// kinds (declarative, planned and diffed), actions (imperative steps) and data
// queries (read-only). Each entry lives in its own file and is listed once in
// Builtin.
//
// steps sees only evaluated values, veeam clients and engine/diag. It must
// not import engine: the engine consumes a *Catalog handed to it, so engine
// tests can use fake catalogues.
package steps

// Entry files are named after the entry (vbr_repository.go,
// em_agent_job_retry.go, query_vbr_sessions.go); families that share an
// implementation keep it in a file named for the concept (extent_mode.go,
// discovered_entity_action.go, vbr_list_query.go). Every entry starts and
// awaits asynchronous work through await.go, which reports progress and
// journals it through Env.Track and Env.Resume; lookup.go resolves the names
// a playbook uses to the ids vendor paths need.

//go:generate go run ./gen -o vbr_shapes.json
