package playbook

import (
	"fmt"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
)

// ParseVar parses a --var flag "NAME=VALUE". VALUE is read as a YAML
// scalar or flow value, so 4 is a number, true a boolean and [a, b] a list;
// quote it ('"4"') to force a string.
func ParseVar(s string) (string, any, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", nil, fmt.Errorf("--var %q: expected NAME=VALUE", s)
	}
	if strings.TrimSpace(v) == "" {
		return k, "", nil
	}
	src := newSource("--var", []byte(v))
	n, ds := parseYAML(src)
	if ds.HasErrors() || n == nil {
		return k, v, nil // not YAML: take the text as a string
	}
	if n.Kind == eval.MappingNode && len(n.Keys) == 1 && !strings.Contains(v, ": ") && !strings.HasPrefix(strings.TrimSpace(v), "{") {
		return k, v, nil // "a:b" is text, not a mapping
	}
	return k, n.Plain(), nil
}

// ParseVarFile parses a --var-file: a YAML mapping of variable values.
func ParseVarFile(name string, text []byte) (map[string]any, diag.Diagnostics) {
	src := newSource(name, text)
	n, ds := parseYAML(src)
	if ds.HasErrors() {
		return nil, finish(ds)
	}
	if n.Kind != eval.MappingNode {
		return nil, diag.Diagnostics{diag.Errorf(n.Pos, "not-mapping", "a var file is a mapping of variable names to values; got %s", kindName(n))}
	}
	m, _ := n.Plain().(map[string]any)
	return m, nil
}
