// Package importer writes the live objects of a target as a playbook
// (`vplay import`): each object becomes one resource whose spec holds only
// what the kind's request schema lets a client set, so planning the
// playbook against the same server shows no changes. It works over any
// steps.Kind; what a kind knows beyond its schema (references to other
// objects, write-only secrets) comes from the kind's Import rules, or for
// the table-driven VBR kinds from their table (steps.TableOf, see
// table.go). Of several objects of a kind with one name only the first is
// written (a playbook names each object once), with a note.
//
// It reads through the steps contract and never plans or applies: package
// engine does that with the playbook this package writes.
package importer
