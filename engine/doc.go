// Package engine owns the verbs of vplay: it turns a loaded playbook into a
// Plan by reading live state through a steps.Catalog, and applies a Plan,
// emitting Events to an Observer.
//
// It never prints: renderers (engine/render), the TUI and logs are observers
// of its data. It must not parse YAML (engine/playbook) or talk HTTP itself
// (veeam).
package engine
