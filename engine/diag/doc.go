// Package diag reports problems in the user's files and flags: positions,
// diagnostics and the source snippet printed under each one.
//
// It is a leaf package: it must not parse YAML, evaluate expressions or know
// any playbook type (that is engine/playbook's job). Runtime failures are Go
// errors, not diagnostics.
package diag
