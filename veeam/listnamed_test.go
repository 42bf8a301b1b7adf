package veeam_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/vbr"
)

// TestListNamedReadsOnlyWhatIsDeclared lists 3 and then 30 named
// repositories among the 1000 of bigSeed in pages of 50: a few names are
// read with nameFilter (first page + one read each, not 20 pages); many
// names read the pages, concurrently, keeping only the named objects.
func TestListNamedReadsOnlyWhatIsDeclared(t *testing.T) {
	ctx := testContext(t)
	s := startSim(t, sim.WithSeedYAML(bigSeed(t)))
	cfg := clientConfig(s, "VBR", nil)
	cfg.PageSize = 50
	c, err := vbr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	closeClient(t, c)
	names := func(n, stride int) []string {
		var out []string
		for i := range n {
			// From 107: none is on the first page of 50.
			out = append(out, fmt.Sprintf("big-repo-%04d", 107+i*stride))
		}
		return append(out, "not-there")
	}
	for _, tc := range []struct {
		names    []string
		requests int
	}{
		{names(3, 300), 1 + 4},  // first page, then one filtered read per name
		{names(30, 29), 1 + 20}, // more names than pages: every page once
	} {
		s.ResetRequests()
		got, err := c.ListNamed(ctx, reposPath, tc.names)
		if err != nil {
			t.Fatal(err)
		}
		var gotNames []string
		for _, d := range got {
			gotNames = append(gotNames, veeam.String(d, "name"))
		}
		slices.Sort(gotNames)
		want := slices.Clone(tc.names[:len(tc.names)-1])
		slices.Sort(want)
		if !slices.Equal(gotNames, want) {
			t.Errorf("ListNamed(%d names) = %v, want %v", len(tc.names), gotNames, want)
		}
		if n := len(requests(s, "vbr", http.MethodGet, reposPath)); n != tc.requests {
			t.Errorf("ListNamed(%d names): %d requests, want %d", len(tc.names), n, tc.requests)
		}
	}
}
