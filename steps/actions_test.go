package steps

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
)

// previewRun previews then runs an action, asserting the preview made no
// write.
func previewRun(t *testing.T, s *simEnv, c *Conn, a *Action, with Doc) (Preview, Doc, error) {
	t.Helper()
	ctx := testCtx(t)
	s.srv.ResetRequests()
	p, err := a.Ops.Preview(ctx, c, with)
	if err != nil {
		t.Fatalf("%s preview: %v", a.Name, err)
	}
	if w := s.writes(string(c.API)); len(w) > 0 {
		t.Errorf("%s preview wrote: %v", a.Name, w)
	}
	res, err := a.Ops.Run(ctx, c, s.env, with)
	return p, res, err
}

func TestRepositoryRescan(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	a := vbrRepositoryRescan()
	p, res, err := previewRun(t, s, s.vbr, a, Doc{"names": []any{"repo-perf-01"}, "repositoryIds": []any{"4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := Preview{Summary: "rescan 2 repositories: Linux Backup Repository, repo-perf-01", Items: []string{"Linux Backup Repository", "repo-perf-01"}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("preview -want +got:\n%s", diff)
	}
	if res["result"] != "Success" || res["sessionId"] == nil {
		t.Errorf("result = %v", res)
	}
	if diff := cmp.Diff([]string{"POST /api/v1/backupInfrastructure/repositories/rescan"}, s.writes("vbr")); diff != "" {
		t.Errorf("writes -want +got:\n%s", diff)
	}

	p, err = a.Ops.Preview(testCtx(t), s.vbr, Doc{})
	if err != nil || !p.Skip {
		t.Errorf("empty preview = %+v, %v; want skip", p, err)
	}
	if _, err := a.Ops.Preview(testCtx(t), s.vbr, Doc{"names": []any{"nope"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown name: %v, want ErrNotFound", err)
	}

	// A lost answer is not sent again.
	s.srv.ResetRequests()
	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/backupInfrastructure/repositories/rescan", Times: 1, Drop: true})
	_, err = a.Ops.Run(testCtx(t), s.vbr, s.env, Doc{"names": []any{"repo-perf-01"}})
	rescans := func() int {
		n := 0
		for _, w := range s.writes("vbr") {
			if strings.HasSuffix(w, "/rescan") {
				n++
			}
		}
		return n
	}
	eventually(t, func() bool { return rescans() >= 1 })
	if !errors.Is(err, veeam.ErrUncertain) || !strings.Contains(err.Error(), "not retried") || rescans() != 1 {
		t.Errorf("dropped rescan: %v after %d POSTs, want ErrUncertain, not retried, 1 POST", err, rescans())
	}

	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/backupInfrastructure/repositories/rescan", Times: 1,
		FailSession: "Repository repo-perf-01 is unavailable"})
	_, err = a.Ops.Run(testCtx(t), s.vbr, s.env, Doc{"names": []any{"repo-perf-01"}})
	wantAsyncFailure(t, err, "is unavailable")
}

func TestExtentModes(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	with := Doc{"scaleOutRepository": "sobr-main", "extents": []any{"repo-perf-01"}}
	status := func() []string {
		d, err := vbrFindByName(testCtx(t), s.vbr.VBR, pathScaleOut, "sobr", "sobr-main")
		if err != nil {
			t.Fatal(err)
		}
		ext := asList(fieldAt(d, "performanceTier.performanceExtents"))
		return stringList(ext[0].(Doc)["status"])
	}
	steps := []struct {
		action      *Action
		wantSummary string
		wantStatus  string
	}{
		{vbrScaleOutEnableSealedMode(), "enable sealed mode on 1 extent of sobr-main: repo-perf-01", "Sealed"},
		{vbrScaleOutDisableSealedMode(), "disable sealed mode on 1 extent of sobr-main: repo-perf-01", "Normal"},
		{vbrScaleOutEnableMaintenanceMode(), "enable maintenance mode on 1 extent of sobr-main: repo-perf-01", "Maintenance"},
		{vbrScaleOutDisableMaintenanceMode(), "disable maintenance mode on 1 extent of sobr-main: repo-perf-01", "Normal"},
	}
	for _, st := range steps {
		p, res, err := previewRun(t, s, s.vbr, st.action, with)
		if err != nil {
			t.Fatalf("%s: %v", st.action.Name, err)
		}
		if p.Summary != st.wantSummary {
			t.Errorf("%s preview = %q, want %q", st.action.Name, p.Summary, st.wantSummary)
		}
		if res["result"] != "Success" {
			t.Errorf("%s result = %v", st.action.Name, res)
		}
		if got := status(); !slices.Contains(got, st.wantStatus) {
			t.Errorf("%s: extent status %v, want %s", st.action.Name, got, st.wantStatus)
		}
		// Done once, the precondition skips it.
		if strings.HasPrefix(st.action.Name, "vbr.scale_out_repository.enable") {
			p, err := st.action.Ops.Preview(testCtx(t), s.vbr, with)
			if err != nil || !p.Skip || !strings.Contains(p.Reason, "repo-perf-01 (already") {
				t.Errorf("%s second preview = %+v, %v; want a skip naming the extent", st.action.Name, p, err)
			}
		}
	}
	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/backupInfrastructure/scaleOutRepositories/*/enableSealedMode",
		Times: 1, FailSession: "Extent repo-perf-01 has running tasks"})
	_, err := vbrScaleOutEnableSealedMode().Ops.Run(testCtx(t), s.vbr, s.env, with)
	wantAsyncFailure(t, err, "running tasks")
	if _, err := vbrScaleOutEnableSealedMode().Ops.Preview(testCtx(t), s.vbr, Doc{"scaleOutRepository": "sobr-main", "extents": []any{"x"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown extent: %v, want ErrNotFound", err)
	}
}

func TestDiscoveredEntityActions(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	agent := func(name string) string {
		items, err := fetchDiscoveredEntities(testCtx(t), s.vbr, Doc{"protection_group": "Windows Servers"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range items {
			if str(e, "name") == name {
				return str(e, "agentStatus")
			}
		}
		return "absent"
	}
	tests := []struct {
		action      *Action
		with        Doc
		wantSummary string
		check       func() bool
	}{
		{vbrDiscoveredEntityInstallAgent(), Doc{"protectionGroup": "Windows Servers", "entities": []any{"win-app01", "win-sql01"}},
			"install the agent on 1 entity of Windows Servers: win-app01; skip win-sql01 (agent already installed)",
			func() bool { return agent("win-app01") == "Installed" }},
		{vbrDiscoveredEntityRescan(), Doc{"protectionGroup": "Windows Servers", "where": Doc{"state": "Online"}},
			"rescan 2 entities of Windows Servers: win-sql01, win-app01", func() bool { return true }},
		{vbrDiscoveredEntityUninstallAgent(), Doc{"protectionGroup": "Windows Servers", "entities": []any{"win-app01"}},
			"uninstall the agent from 1 entity of Windows Servers: win-app01",
			func() bool { return agent("win-app01") == "NotInstalled" }},
		{vbrDiscoveredEntityUninstallAllComponents(), Doc{"protectionGroup": "c2600b42-7c64-4219-a447-95bd33e70c1a", "entities": []any{"win-sql01"}},
			"uninstall all components from 1 entity of Windows Servers: win-sql01",
			func() bool { return agent("win-sql01") == "NotInstalled" }},
		{vbrDiscoveredEntityRemove(), Doc{"protectionGroup": "Windows Servers", "where": Doc{"state": "Offline"}},
			"remove 1 entity of Windows Servers: win-file01", func() bool { return agent("win-file01") == "absent" }},
	}
	for _, tc := range tests {
		p, res, err := previewRun(t, s, s.vbr, tc.action, tc.with)
		if err != nil {
			t.Fatalf("%s: %v", tc.action.Name, err)
		}
		if p.Summary != tc.wantSummary {
			t.Errorf("%s preview = %q, want %q", tc.action.Name, p.Summary, tc.wantSummary)
		}
		if tc.action.Await == veeam.KindSession && res["result"] != "Success" {
			t.Errorf("%s result = %v", tc.action.Name, res)
		}
		if !tc.check() {
			t.Errorf("%s did not take effect", tc.action.Name)
		}
	}
	s.srv.AddFault(sim.FaultRule{API: "vbr", Method: "POST", Path: "/api/v1/agents/protectionGroups/*/discoveredEntities/installAgent",
		Times: 1, FailSession: "Failed to connect to linux-db01: access denied"})
	_, err := vbrDiscoveredEntityInstallAgent().Ops.Run(testCtx(t), s.vbr, s.env,
		Doc{"protectionGroup": "Linux Servers", "where": Doc{"agentStatus": "NotInstalled"}})
	wantAsyncFailure(t, err, "access denied")
	if _, err := vbrDiscoveredEntityRescan().Ops.Preview(testCtx(t), s.vbr, Doc{"protectionGroup": "No Such Group", "entities": []any{"a"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown group: %v, want ErrNotFound", err)
	}
}

func TestSessionStop(t *testing.T) {
	t.Parallel()
	s := startSim(t, sim.WithSessionDuration(30*time.Second))
	ctx := testCtx(t)
	resp, err := s.vbr.VBR.Post(ctx, pathRepositories+"/rescan", nil, Doc{"repositoryIds": []any{"4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}})
	if err != nil {
		t.Fatal(err)
	}
	id := scalarString(resp.Doc["id"])
	a := vbrSessionStop()
	p, res, err := previewRun(t, s, s.vbr, a, Doc{"id": id})
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if len(p.Items) != 1 || !strings.Contains(p.Items[0], id) {
		t.Errorf("preview = %+v", p)
	}
	sess := asList(res["sessions"])
	if len(sess) != 1 || !strings.EqualFold(strAt(sess[0].(Doc), "session.state"), "Stopped") {
		t.Errorf("result = %v", res)
	}
	p, err = a.Ops.Preview(ctx, s.vbr, Doc{"id": id})
	if err != nil || !p.Skip {
		t.Errorf("preview of a stopped session = %+v, %v; want skip", p, err)
	}
	_, err = a.Ops.Run(ctx, s.vbr, s.env, Doc{"id": "00000000-0000-0000-0000-0000000000ff"})
	var ae *veeam.APIError
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Errorf("stop of an unknown session: %v, want the server's 404", err)
	}
}

func TestAgentJobRetry(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	a := emAgentJobRetry()
	with := Doc{"name": []any{"Windows Servers Backup", "SQL Servers Backup", "Oracle Backup"}}
	p, res, err := previewRun(t, s, s.em, a, with)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := "retry 2 failed agent jobs: Windows Servers Backup, Oracle Backup; skip SQL Servers Backup (last result Success)"
	if p.Summary != want {
		t.Errorf("preview = %q, want %q", p.Summary, want)
	}
	jobs := asList(res["jobs"])
	if len(jobs) != 2 || !strings.Contains(str(jobs[0].(Doc), "message"), "triggered to retry") {
		t.Errorf("result = %v", res)
	}
	if got := s.progress.doneKinds(); !slices.Contains(got, veeam.KindTask) {
		t.Errorf("no finished task reported: %v", got)
	}

	// By id, and a failed task.
	s.srv.AddFault(sim.FaultRule{API: "em", Method: "POST", Path: "/api/agents/jobs/*", Times: 1,
		FailSession: "Job Linux Web Servers cannot be retried: backup server unavailable"})
	_, err = a.Ops.Run(testCtx(t), s.em, s.env, Doc{"id": "4dc5d947-9c23-4e1b-976a-ee5911f6a996"})
	wantAsyncFailure(t, err, "backup server unavailable")

	p, err = a.Ops.Preview(testCtx(t), s.em, Doc{"name": "SQL Servers Backup"})
	if err != nil || !p.Skip || !strings.Contains(p.Reason, "SQL Servers Backup (last result Success)") {
		t.Errorf("preview of a successful job = %+v, %v; want skip with reason", p, err)
	}
	if _, err := a.Ops.Preview(testCtx(t), s.em, Doc{"name": "No Such Job"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job: %v, want ErrNotFound", err)
	}
}

func TestBackupAgentRestart(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	a := vspcBackupAgentRestart()
	p, res, err := previewRun(t, s, s.vspc, a, Doc{"where": Doc{"managementAgentStatus": "Error"}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if diff := cmp.Diff(Preview{Summary: "restart 1 backup agent: ctso-sql01", Items: []string{"ctso-sql01"}}, p); diff != "" {
		t.Errorf("preview -want +got:\n%s", diff)
	}
	if len(asList(res["agents"])) != 1 {
		t.Errorf("result = %v", res)
	}
	refs := s.progress.trackedRefs()
	if len(refs) == 0 || refs[len(refs)-1].Kind != veeam.KindAsyncAction || refs[len(refs)-1].RequestID == "" {
		t.Errorf("tracked = %+v, want an async action with its request id", refs)
	}
	ag, err := s.vspc.VSPC.Get(testCtx(t), pathVSPCBackupAgents+"/5a1e7b3f-2c44-4d8a-8e61-0f9b2d3c4a02", nil)
	if err != nil || !agentReady(ag) {
		t.Errorf("agent after restart = %v, %v; want Healthy/Active", ag, err)
	}

	// Failure: the restart's async action fails with the server's message.
	s.srv.AddFault(sim.FaultRule{API: "vspc", Method: "POST", Path: "/api/v3/infrastructure/backupAgents/*/restart", Times: 1,
		FailSession: "Cannot restart backup agent ctso-dc01: the management agent did not respond."})
	_, err = a.Ops.Run(testCtx(t), s.vspc, s.env, Doc{"uid": "304c08c2-0d13-4e9d-b26b-0bd5add83b3b"})
	if err == nil || !strings.Contains(err.Error(), "did not respond") {
		t.Errorf("failed restart: %v, want the server's message", err)
	}
}

// TestBackupAgentWatch covers the 200 path: a restart that is only queued
// is awaited by watching the agent.
func TestBackupAgentWatch(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := testCtx(t)
	uid := "6b2f8c40-3d55-4e9b-9f72-1a0c3e4d5b03"
	resp, err := s.vspc.VSPC.Do(ctx, "POST", pathVSPCBackupAgents+"/"+uid+"/restart", nil, nil) // no X-Request-id: queued only
	if err != nil || resp.Status != 200 {
		t.Fatalf("queue restart: %v %v", resp, err)
	}
	d, err := awaitRef(ctx, s.vspc, s.env, asyncRef{Kind: veeam.KindWatch, ID: uid})
	if err != nil || !agentReady(d) {
		t.Fatalf("watch = %v, %v", d, err)
	}
	// A restart that never comes back times out with ErrAwaitTimeout.
	s.srv.AddFault(sim.FaultRule{API: "vspc", Method: "POST", Path: "/api/v3/infrastructure/backupAgents/*/restart", Times: 1,
		FailSession: "management agent did not respond"})
	if _, err := s.vspc.VSPC.Do(ctx, "POST", pathVSPCBackupAgents+"/"+uid+"/restart", nil, nil); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
	defer cancel()
	if _, err := watchBackupAgent(short, s.vspc, s.env, uid); !errors.Is(err, veeam.ErrAwaitTimeout) {
		t.Errorf("watch of a stuck agent: %v, want ErrAwaitTimeout", err)
	}
}

func TestHTTPAction(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	a := httpAction()
	p, res, err := previewRun(t, s, s.vbr, a, Doc{"method": "POST", "path": pathRepositories + "/rescan",
		"body": Doc{"repositoryIds": []any{"4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}}, "await": "session"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if p.Summary != "vbr: POST /api/v1/backupInfrastructure/repositories/rescan (await session)" {
		t.Errorf("preview = %q", p.Summary)
	}
	if !strings.EqualFold(strAt(res, "final.state"), "Stopped") {
		t.Errorf("result = %v", res)
	}
	res, err = a.Ops.Run(testCtx(t), s.em, s.env, Doc{"method": "GET", "path": pathEMAgentJobs, "query": Doc{"format": "Entity"}})
	if err != nil || res["status"] != 200 {
		t.Errorf("em GET: %v %v", res, err)
	}
	_, err = a.Ops.Run(testCtx(t), s.vbr, s.env, Doc{"method": "GET", "path": pathRepositories + "/00000000-0000-0000-0000-0000000000aa"})
	var ae *veeam.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Message == "" {
		t.Errorf("GET of a missing object: %v, want the server's 404 message", err)
	}
}

// TestResume re-attaches to journalled work instead of starting it again.
func TestResume(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	ctx := testCtx(t)
	resp, err := s.vbr.VBR.Post(ctx, pathRepositories+"/rescan", nil, Doc{"repositoryIds": []any{"4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}})
	if err != nil {
		t.Fatal(err)
	}
	id := scalarString(resp.Doc["id"])
	env := s.env
	env.Resume = func() (veeam.AsyncKind, string, string, bool) { return veeam.KindSession, id, "", true }
	s.srv.ResetRequests()
	res, err := vbrRepositoryRescan().Ops.Run(ctx, s.vbr, env, Doc{"names": []any{"Linux Backup Repository"}})
	if err != nil {
		t.Fatal(err)
	}
	if res["sessionId"] != id {
		t.Errorf("resumed result = %v, want session %s", res, id)
	}
	if w := s.writes("vbr"); len(w) > 0 {
		t.Errorf("resume wrote %v, want no new rescan", w)
	}
}

func TestQueries(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	tests := []struct {
		query     *Query
		conn      func() *Conn
		params    Doc
		wantNames []string // names (or count when nil and wantN > 0)
		wantQuery string   // a substring of a request query: a pushed-down filter
	}{
		{vbrManagedServers(), func() *Conn { return s.vbr }, Doc{"type": "LinuxHost"}, []string{"linux01.tech.local", "linux02.tech.local"}, "typeFilter=LinuxHost"},
		{vbrRepositories(), func() *Conn { return s.vbr }, Doc{"name": "repo-perf-01"}, []string{"repo-perf-01"}, "nameFilter=repo-perf-01"},
		{vbrRepositoryStates(), func() *Conn { return s.vbr }, Doc{"name": "repo-perf-02"}, []string{"repo-perf-02"}, "nameFilter=repo-perf-02"},
		{vbrScaleOutRepositories(), func() *Conn { return s.vbr }, Doc{}, []string{"sobr-main"}, ""},
		{vbrRecoveryTokens(), func() *Conn { return s.vbr }, Doc{}, []string{"Recovery token for win-sql01"}, ""},
		{vbrProtectionGroups(), func() *Conn { return s.vbr }, Doc{"type": "IndividualComputers"}, []string{"Linux Servers", "Windows Servers"}, "typeFilter=IndividualComputers"},
		{vbrDiscoveredEntities(), func() *Conn { return s.vbr }, Doc{"protection_group": "Linux Servers", "agentStatus": "Installed"}, []string{"linux-web01"}, "agentStatusFilter=Installed"},
		{vbrDiscoveredEntities(), func() *Conn { return s.vbr }, Doc{"state": "Offline"}, []string{"win-file01"}, "stateFilter=Offline"},
		{vbrProtectedComputers(), func() *Conn { return s.vbr }, Doc{}, []string{"linux-web01", "win-sql01"}, ""},
		{vbrSessions(), func() *Conn { return s.vbr }, Doc{"type": "Infrastructure", "state": "Working"}, []string{}, "stateFilter=Working"},
		{emAgentJobs(), func() *Conn { return s.em }, Doc{"platform": "AgentForLinux"}, []string{"Linux Database Servers", "Linux Web Servers", "Oracle Backup"}, ""},
		{vspcBackupAgents(), func() *Conn { return s.vspc }, Doc{"status": "NotRunning"}, nil, "filter="},
	}
	for _, tc := range tests {
		t.Run(tc.query.Name, func(t *testing.T) {
			items, err := tc.query.Fetch(testCtx(t), tc.conn(), tc.params)
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if tc.wantNames != nil {
				got := sortedNames(items, "name")
				if diff := cmp.Diff(tc.wantNames, got); diff != "" {
					t.Errorf("names -want +got:\n%s", diff)
				}
			} else if len(items) == 0 {
				t.Errorf("no items")
			}
			if tc.wantQuery != "" {
				found := false
				for _, r := range s.srv.Requests() {
					q, _ := url.QueryUnescape(r.Query)
					if strings.Contains(q, tc.wantQuery) || strings.Contains(r.Query, tc.wantQuery) {
						found = true
					}
				}
				if !found {
					t.Errorf("no request pushed %q down", tc.wantQuery)
				}
			}
			for _, it := range items {
				if _, ok := it["recoveryToken"]; ok {
					t.Errorf("item carries a recovery token value")
				}
			}
		})
	}
	jobs, err := emAgentJobs().Fetch(testCtx(t), s.em, Doc{"name": "Oracle Backup"})
	if err != nil || len(jobs) != 1 || jobs[0]["lastResult"] != "Failed" || jobs[0]["id"] != "78c3919c-54d7-43fe-b047-485d3566f11f" {
		t.Errorf("em.agent_jobs Oracle Backup = %v, %v; want id and lastResult Failed", jobs, err)
	}
}
