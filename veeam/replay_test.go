package veeam

import (
	"context"
	"net/http"
	"testing"
)

// TestSendReplaysOutcome: an answer that replays a stored outcome skips the
// API's RetryStatus hook (a stored 520 is final) but keeps the generic
// retries of throttling and unavailability.
func TestSendReplaysOutcome(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		replay   bool
		steps    []step
		wantHits int32
		wantAPI  int // status of the *APIError, 0 for success
	}{
		"hook status retried":                {replay: false, steps: []step{{520, ""}}, wantHits: 2},
		"hook status replayed is final":      {replay: true, steps: []step{{520, ""}}, wantHits: 1, wantAPI: 520},
		"503 on a replaying call is retried": {replay: true, steps: []step{{503, ""}}, wantHits: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, hits := scripted(t, tc.steps)
			tr := newTestTransport(t, srv.URL, newFakeClock(), nil)
			tr.hooks.RetryStatus = func(status int, _ http.Header, _ []byte) bool { return status == 520 }
			_, err := tr.Send(context.Background(), &Request{Method: http.MethodGet, Path: "/api/v3/asyncActions/a/result", ReplaysOutcome: tc.replay})
			if got := hits.Load(); got != tc.wantHits {
				t.Errorf("Send hit the server %d times, want %d", got, tc.wantHits)
			}
			switch {
			case tc.wantAPI == 0 && err != nil:
				t.Errorf("Send error = %v, want success", err)
			case tc.wantAPI != 0 && !IsStatus(err, tc.wantAPI):
				t.Errorf("Send error = %v, want an APIError with status %d", err, tc.wantAPI)
			}
		})
	}
}
