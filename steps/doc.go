// Package steps is the catalogue of everything a playbook can name: resource
// kinds (declarative, planned and diffed), actions (imperative steps) and data
// queries (read-only). Each entry lives in its own file and is listed once in
// Builtin.
//
// steps sees only evaluated values, veeam clients and engine/diag. It must
// not import engine: the engine consumes a *Catalog handed to it, so engine
// tests can use fake catalogues.
package steps
