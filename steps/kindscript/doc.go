// Package kindscript generates the per-kind testscripts of the table-driven
// VBR kinds, and of the hand-written ones given a case (repository,
// scale-out repository, recovery token), as
// testdata/script/sim_kind_vbr_<kind>.txtar: each runs the real vplay
// binary against `vplay sim` at 1.3-rev1 and 1.3-rev2, starting from the
// kind's catalogue example (or its case's, built on the simulator's seed), through create, an empty second plan, an
// update of a declared field, a server-side change of an undeclared field
// that plans nothing, and delete (or its refusal where the vendor has no
// DELETE). The cases (which field to update, which to change on the
// server) live here, next to the generator; the steps package's Go test
// drives the same cases through the engine. It generates scripts; it does
// not run them (cmd/vplay's TestScript does).
package kindscript

//go:generate go run ./gen -dir ../../testdata/script
