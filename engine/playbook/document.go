package playbook

import (
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
)

// ParseDocument parses a YAML file that is not a playbook (a fleet file)
// into a node tree with positions, so its own package can validate and
// decode it with file:line:col diagnostics. An empty document is a nil node.
func ParseDocument(name string, text []byte) (*eval.Node, diag.Diagnostics) {
	n, ds := parseYAML(newSource(name, text))
	if len(ds) == 1 && ds[0].Code == "empty" {
		return nil, nil
	}
	if ds.HasErrors() {
		return nil, finish(ds)
	}
	return n, nil
}
