package eval

import (
	"testing"

	"github.com/vplay-dev/vplay/engine/diag"
)

// In a where, the item's fields win over expr's builtins (Veeam objects
// have a `type` field nearly everywhere), builtins still work as calls, and
// `item` is the whole item.
func TestWhereFieldsAndItem(t *testing.T) {
	t.Parallel()
	linux := map[string]any{"name": "linux01", "type": "LinuxHost", "len": 3, "tags": []any{"a", "b"}}
	windows := map[string]any{"name": "win01", "type": "WindowsHost", "len": 1, "tags": []any{}}
	tests := map[string]struct {
		src        string
		wantLinux  bool
		wantWindow bool
	}{
		"field named like a builtin":     {`type == "LinuxHost"`, true, false},
		"builtin still callable":         {`len(tags) > 0`, true, false},
		"field and builtin call at once": {`type == "LinuxHost" && upper(name) == "LINUX01"`, true, false},
		"field len shadows builtin len":  {`len > 2`, true, false},
		"item is the whole item":         {`item.type == "WindowsHost"`, false, true},
		"item index":                     {`item["name"] == "linux01"`, true, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, ds := CompileWhere(tc.src, diag.Pos{File: "p.yaml", Line: 1, Col: 1})
			if len(ds) > 0 {
				t.Fatalf("CompileWhere(%q): %v", tc.src, ds)
			}
			for _, it := range []struct {
				item map[string]any
				want bool
			}{{linux, tc.wantLinux}, {windows, tc.wantWindow}} {
				got, err := c.Eval(&Scope{Item: it.item})
				if err != nil {
					t.Fatalf("Eval(%q) on %v: %v", tc.src, it.item["name"], err)
				}
				if got != it.want {
					t.Errorf("Eval(%q) on %v = %v, want %v", tc.src, it.item["name"], got, it.want)
				}
			}
		})
	}
}
