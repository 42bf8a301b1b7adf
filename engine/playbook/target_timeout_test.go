package playbook

import (
	"testing"
	"time"

	"github.com/vplay-dev/vplay/schema/testcatalog"
)

// TestTargetTimeout: targets take a per-request timeout (a Go duration).
func TestTargetTimeout(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		timeout string
		want    time.Duration
		code    string
	}{
		"set":      {timeout: "timeout: 90s", want: 90 * time.Second},
		"default":  {want: 0},
		"not Go":   {timeout: "timeout: 5 minutes", code: "schema"},
		"negative": {timeout: "timeout: -1s", code: "schema"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := "vplay: 1\ntargets:\n  vbr:\n    type: vbr\n    url: https://vbr:9419\n    " + tc.timeout + "\n"
			pb, ds := Parse("f.yaml", []byte(src), testcatalog.Catalog(), Options{})
			if tc.code != "" {
				if pb != nil || len(ds) == 0 {
					t.Fatalf("Parse(%s) = valid, want an error", tc.timeout)
				}
				return
			}
			if pb == nil {
				t.Fatalf("Parse(%s): %v", tc.timeout, ds)
			}
			if got := pb.Targets[0].Timeout; got != tc.want {
				t.Errorf("Parse(%s): Timeout = %v, want %v", tc.timeout, got, tc.want)
			}
		})
	}
}
