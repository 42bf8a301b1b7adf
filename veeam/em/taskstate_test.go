package em_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/veeam"
)

// TestAwaitTaskWaitsForFinished: OperationFinished means the backup server
// is done but Enterprise Manager has not collected the result, so AwaitTask
// keeps polling until Finished and returns that Task.
func TestAwaitTaskWaitsForFinished(t *testing.T) {
	t.Parallel()
	answers := []map[string]any{
		{"TaskId": "task-1", "State": "Running"},
		{"TaskId": "task-1", "State": "OperationFinished", "Result": map[string]any{"Success": true}},
		{"TaskId": "task-1", "State": "Finished", "Result": map[string]any{"Success": true, "Message": `Job "Oracle Backup" triggered to retry.`}},
	}
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "POST /api/sessionMngr/":
			w.Header().Set("X-RestSvcSessionId", "c2Vzc2lvbg==")
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]any{"Href": "http://em/api/logonSessions/1", "SessionId": "1"})
		case "GET /api/tasks/task-1":
			n := int(polls.Add(1)) - 1
			_ = json.NewEncoder(w).Encode(answers[min(n, len(answers)-1)])
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	var states []string
	done, err := c.AwaitTask(context.Background(), "task-1", veeam.AwaitOptions{
		OnProgress: func(p veeam.Progress) { states = append(states, p.State) },
	})
	if err != nil {
		t.Fatalf("AwaitTask: %v", err)
	}
	if diff := cmp.Diff([]string{"Running", "OperationFinished", "Finished"}, states); diff != "" {
		t.Errorf("observed states (-want +got):\n%s", diff)
	}
	if got := veeam.String(done, "Result", "Message"); got != `Job "Oracle Backup" triggered to retry.` {
		t.Errorf("final message %q, want the Finished task's", got)
	}
}
