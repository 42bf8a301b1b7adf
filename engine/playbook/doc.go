// Package playbook loads vplay playbooks: YAML files that declare targets,
// variables, data queries, resources, steps and prune selectors. Load parses the file keeping
// every node's position, validates it against the JSON Schema generated from
// the catalogue (package schema), compiles every expression (package eval)
// and runs the semantic checks (targets, kinds, duplicates, references,
// dependency cycles), reporting every problem at once as positioned
// diagnostics (at most maxReported per file, then a count of the others).
// Large files parse their resources: list in pieces on several goroutines
// (split.go) and validate list items concurrently; the result is the same as
// parsing and validating them whole. Alias expansion is bounded, so a small
// file cannot make loading do an unbounded amount of work, and so are file
// size, nesting depth and block mapping length (bounds.go), checked in one
// pass over the tokens before goccy parses them.
//
// The result is an immutable, typed model in which every node keeps its
// diag.Pos. playbook is the only package that imports goccy/go-yaml. It does
// not talk to servers or evaluate anything that needs live state: that is
// the engine's work.
package playbook
