// Package playbook loads vplay playbooks: YAML files that declare targets,
// variables, data queries, resources and steps. Load parses the file keeping
// every node's position, validates it against the JSON Schema generated from
// the catalogue (package schema), compiles every expression (package eval)
// and runs the semantic checks (targets, kinds, duplicates, references,
// dependency cycles), reporting every problem at once as positioned
// diagnostics.
//
// The result is an immutable, typed model in which every node keeps its
// diag.Pos. playbook is the only package that imports goccy/go-yaml. It does
// not talk to servers or evaluate anything that needs live state: that is
// the engine's work.
package playbook
