package steps

import (
	"testing"

	"github.com/vplay-dev/vplay/veeam"
)

func TestListQuery(t *testing.T) {
	t.Parallel()
	for kind, want := range map[string]string{
		"vbr.credential":          "vbr.credentials",
		"vbr.encryption_password": "vbr.encryption_passwords",
		"vbr.repository":          "vbr.repositories",
		"vbr.managed_server":      "vbr.managed_servers",
		"vbr.proxy":               "vbr.proxies",
	} {
		if got, ok := ListQuery(kind); !ok || got != want {
			t.Errorf("ListQuery(%s) = %q, %v; want %q", kind, got, ok, want)
		}
	}
	// A settings singleton has no list query, nor has a name vplay lacks.
	for _, kind := range []string{"vbr.config_backup", "vbr.nope"} {
		if got, ok := ListQuery(kind); ok {
			t.Errorf("ListQuery(%s) = %q; want none", kind, got)
		}
	}
	// Every VBR collection kind has one, and it is a query of the catalogue.
	cat := Builtin()
	for _, k := range cat.Kinds() {
		if k.API != veeam.VBR {
			continue
		}
		if tb, ok := TableOf(k); ok && tb.Singleton {
			continue
		}
		q, ok := ListQuery(k.Name)
		if _, known := cat.Query(q); !ok || !known {
			t.Errorf("ListQuery(%s) = %q, %v: not a query of the catalogue", k.Name, q, ok)
		}
	}
}
