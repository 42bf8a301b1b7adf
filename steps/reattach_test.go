package steps

import (
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
)

// TestAgentJobRetryReattachAfterRestart: a retry started by one process
// (one EM logon) is still running when a new process (a new logon, which
// cannot see the task) runs the step with the journalled task. The new run
// re-attaches through the job's running backup session: it sends no
// second retry and reports the session's result.
func TestAgentJobRetryReattachAfterRestart(t *testing.T) {
	t.Parallel()
	s := startSim(t, sim.WithSessionDuration(800*time.Millisecond))
	ctx := testCtx(t)
	const jobID = "4dc5d947-9c23-4e1b-976a-ee5911f6a996"
	task, err := s.em.EM.StartAction(ctx, pathEMAgentJobs+"/"+jobID, "retry")
	if err != nil {
		t.Fatal(err)
	}
	taskID := em.TaskID(task)

	// The "restarted" process: a fresh client, so a fresh logon session.
	e := s.srv.Env()
	fresh, err := em.New(veeam.Config{URL: e["EM_URL"], Username: e["EM_USERNAME"], Password: e["EM_PASSWORD"],
		TLS: veeam.TLS{Fingerprint: e["EM_FINGERPRINT"]}})
	if err != nil {
		t.Fatal(err)
	}
	conn := &Conn{Target: "em", API: veeam.EM, EM: fresh}
	env := s.env
	env.Resume = func() (veeam.AsyncKind, string, string, bool) { return veeam.KindTask, taskID, "", true }
	var dropped []string
	env.Drop = func(note string) { dropped = append(dropped, note) }
	s.srv.ResetRequests()
	res, err := emAgentJobRetry().Ops.Run(ctx, conn, env, Doc{"id": jobID})
	if err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if w := s.writes("em"); len(w) > 0 {
		t.Errorf("re-run wrote %v, want no second retry while the first runs", w)
	}
	if len(dropped) != 1 || !strings.Contains(dropped[0], "unknown to the server") {
		t.Errorf("journal notes = %q, want the invisible task dropped", dropped)
	}
	jobs := asList(res["jobs"])
	if len(jobs) != 1 || str(jobs[0].(Doc), "state") != "Stopped" || !strings.Contains(str(jobs[0].(Doc), "message"), "Success") {
		t.Errorf("result = %v, want the re-attached session, stopped with Success", res)
	}
	// The job's retry ran once, and the job is no longer failed.
	var sessions []string
	for _, r := range s.srv.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/api/backupSessions/") {
			sessions = append(sessions, r.Path)
		}
	}
	if len(sessions) == 0 {
		t.Errorf("no poll of the backup session: %v", s.srv.Requests())
	}
	jobsNow, err := listAgentJobs(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobsNow {
		if strings.EqualFold(scalarString(j["id"]), jobID) && str(j, "lastResult") != "Success" {
			t.Errorf("job after re-attach: last result %q, want Success", str(j, "lastResult"))
		}
	}
}

// TestRunning observes journalled work once for the planner: a session
// still working, one that ended, and one the server does not know.
func TestRunning(t *testing.T) {
	t.Parallel()
	s := startSim(t, sim.WithSessionDuration(30*time.Second))
	ctx := testCtx(t)
	resp, err := s.vbr.VBR.Post(ctx, pathRepositories+"/rescan", nil, Doc{"repositoryIds": []any{"4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}})
	if err != nil {
		t.Fatal(err)
	}
	id := scalarString(resp.Doc["id"])
	check := func(id string, want bool) {
		t.Helper()
		got, err := Running(ctx, s.vbr, veeam.KindSession, id)
		if err != nil || got != want {
			t.Errorf("Running(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	check(id, true)
	s.srv.Advance(time.Hour)
	check(id, false)
	if _, err := Running(ctx, s.vbr, veeam.KindSession, "00000000-0000-0000-0000-000000000000"); !isNotFound(err) {
		t.Errorf("Running(unknown) error = %v, want the server's 404", err)
	}
}
