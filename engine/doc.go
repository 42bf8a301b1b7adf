// Package engine owns the verbs of vplay: it turns a loaded playbook into a
// Plan by reading live state through a steps.Catalog, and applies a Plan,
// emitting Events to an Observer.
//
// A Plan is data (serialisable, masked, no clients or closures). Apply takes
// the playbook and the plan, as terraform's apply takes configuration and
// plan, and re-derives what it needs (evaluated specs, live objects); so a
// plan fresh from Plan, one narrowed by Restrict and one read back from a
// file all take the same path, and one whose work no longer matches live
// state is refused (CheckStale).
//
// It never prints: renderers (engine/render), the TUI and logs are observers
// of its data. It must not parse YAML (engine/playbook) or talk HTTP itself
// (veeam).
package engine
