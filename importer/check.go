package importer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/steps"
)

// This file is import's last check: every resource it writes fits the
// spec schema of its kind (at the import's revision), so the playbook
// validates. A live object whose document does not fit (the vendor's
// answer model differs from its request model in a way no rule covers) is
// left out with a note rather than written invalid.

// invalid returns, by resource address, why the spec of each resource of
// pb that the schema of cat refuses does not fit.
func invalid(cat *steps.Catalog, pb *Playbook) (map[address]string, error) {
	if len(pb.Resources) == 0 {
		return nil, nil
	}
	val, err := schema.ForCatalog(cat.Focus(pb.Kinds))
	if err != nil {
		return nil, fmt.Errorf("importer: check the written specs: %w", err)
	}
	res := make([]any, len(pb.Resources))
	for i, r := range pb.Resources {
		res[i] = map[string]any{"kind": r.Kind, "target": pb.Target, "name": r.Name, "spec": map[string]any(r.Spec)}
	}
	inst := map[string]any{"vplay": 1, "name": "imported", "resources": res,
		"targets": map[string]any{pb.Target: map[string]any{"type": string(pb.API), "url": "https://check.invalid"}}}
	out := map[address]string{}
	for _, v := range val.Validate(inst) {
		if len(v.Path) < 3 || v.Path[0] != "resources" || v.Path[2] != "spec" {
			continue
		}
		i, err := strconv.Atoi(v.Path[1])
		if err != nil || i < 0 || i >= len(pb.Resources) {
			continue
		}
		a := address{pb.Resources[i].Kind, pb.Resources[i].Name}
		if _, seen := out[a]; seen {
			continue
		}
		where := strings.Join(v.Path[3:], ".")
		if where == "" {
			where = "spec"
		}
		out[a] = where + ": " + v.Message
	}
	return out, nil
}

// address names one resource of an imported playbook.
type address struct{ kind, name string }
