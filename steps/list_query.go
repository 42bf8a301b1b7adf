package steps

import (
	"slices"
	"strings"
)

// ListQuery returns the name of the data query that lists the objects of
// kind (the query whose only vendor operation is the kind's list, such as
// vbr.credentials for vbr.credential), so import can select an object it
// does not import by name; false when no query lists them.
func ListQuery(kind string) (string, bool) {
	ops := vendorOperations[kind]
	if len(ops) == 0 {
		ops = tableOperations(kind)
	}
	if len(ops) == 0 || !strings.HasPrefix(ops[0], "GET ") {
		return "", false
	}
	var names []string
	for name, qops := range vendorOperations {
		if name != kind && len(qops) == 1 && qops[0] == ops[0] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", false
	}
	slices.Sort(names)
	return names[0], true
}
