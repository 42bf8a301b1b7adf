package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	t.Parallel()
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := map[string]struct {
		ldflags string
		info    *debug.BuildInfo
		want    string
	}{
		"ldflags win":    {"v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}}, "v1.2.3"},
		"go install @v":  {"", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "v0.4.0"},
		"checkout":       {"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "false")}, "0123456789ab"},
		"dirty checkout": {"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "true")}, "0123456789ab-dirty"},
		"no vcs":         {"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		"no build info":  {"", nil, "dev"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := versionFrom(tc.ldflags, tc.info); got != tc.want {
				t.Errorf("versionFrom(%q, ...) = %q, want %q", tc.ldflags, got, tc.want)
			}
		})
	}
}
