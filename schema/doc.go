// Package schema is the JSON Schema (2020-12) of the playbook format:
// generated from a steps.Catalog (per-kind spec, per-action with and
// per-query params schemas), embedded in the binary as playbook.schema.json,
// printed by `vplay schema` and used by editors through the
// yaml-language-server modeline.
//
// Validate reports violations as instance path tokens, keyword and message,
// with the most relevant branch of oneOf/anyOf picked so users get one
// precise message. The items of the top-level lists (resources, steps) are
// validated one by one, concurrently, with the same result as validating the
// whole document. schema knows nothing about YAML or positions: mapping a
// violation back to a line and column is engine/playbook's job.
//
// playbook.schema.json is written by `go generate ./schema`; a test fails
// when it is stale.
package schema

//go:generate go run ./gen -o playbook.schema.json
