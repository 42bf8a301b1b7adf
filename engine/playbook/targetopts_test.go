package playbook

import (
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/schema"
)

// TestTargetBounds: page_size, page_concurrency and poll_floor of a target
// reach the model; out-of-range values are reported at their position.
func TestTargetBounds(t *testing.T) {
	t.Parallel()
	src := `vplay: 1
targets:
  vbr:
    type: vbr
    url: https://vbr:9419
    page_size: 100
    page_concurrency: 8
    poll_floor: 50ms
`
	pb, ds := Parse("p.yaml", []byte(src), schema.Catalog(), Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	tg := pb.Targets[0]
	if tg.PageSize != 100 || tg.PageConcurrency != 8 || tg.PollFloor != 50*time.Millisecond {
		t.Errorf("target bounds = %d, %d, %s", tg.PageSize, tg.PageConcurrency, tg.PollFloor)
	}
	bad := strings.Replace(src, "page_concurrency: 8", "page_concurrency: 0", 1)
	_, ds = Parse("p.yaml", []byte(bad), schema.Catalog(), Options{})
	if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), "p.yaml:7:") {
		t.Errorf("page_concurrency: 0 reported as %v, want an error at p.yaml:7", ds)
	}
}
