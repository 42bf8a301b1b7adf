package sim_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim"
)

// TestRequestLoggedBeforeAnswer checks that a request is in the log by the
// time its client has the answer, or has lost the connection: tests count
// requests right after a call returns. The race it guards against was
// intermittent, so the check repeats.
func TestRequestLoggedBeforeAnswer(t *testing.T) {
	t.Parallel()
	const rounds = 25
	s := start(t)
	hc := httpClient(t, s)
	// A fresh connection per request: net/http silently repeats a GET whose
	// reused connection was dropped, which would hide the drop.
	hc.Transport.(*http.Transport).DisableKeepAlives = true
	base := s.URLs().VBR
	for i := range rounds {
		s.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodGet, Path: "/api/v1/dropped", Times: 1, Drop: true})
		resp, err := hc.Get(base + "/api/v1/dropped")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("round %d: dropped request answered %d", i, resp.StatusCode)
		}
		// Any answer will do: without a token it is a 401 with a body.
		resp, err = hc.Get(base + "/api/v1/serverTime")
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("round %d: read body: %v", i, err)
		}
		resp.Body.Close()
		var got []int
		for _, r := range s.Requests() {
			got = append(got, r.Status)
		}
		want := make([]int, 0, 2*(i+1))
		for range i + 1 {
			want = append(want, 0, resp.StatusCode)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: logged statuses (-want +got):\n%s", i, diff)
		}
	}
}
