// Package fleet is the unit of work "playbook x server": it reads fleet
// files (the members one playbook runs against, with the environment their
// targets read, secrets only by reference, vars and labels), narrows them by
// label selectors and stable-hash shards, resolves each member's secret
// references, and runs one piece of work per member concurrently,
// collecting one Report each.
//
// It knows nothing of plans or HTTP: cmd/vplay gives it the work (plan or
// apply one member through its own engine) and renders the reports; the
// engine does the planning. It must not do either.
package fleet
