package vbrsim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim"
)

const (
	reposPath = "/api/v1/backupInfrastructure/repositories"
	sobrPath  = "/api/v1/backupInfrastructure/scaleOutRepositories"
	pgWindows = "/api/v1/agents/protectionGroups/c2600b42-7c64-4219-a447-95bd33e70c1a"
	linux01   = "3251ddfc-3691-4d20-a43e-860dc275147e"
	vbr01     = "6745a759-2205-4cd2-b172-8ec8f7e60ef8"
	defRepo   = "88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec"
	perf01    = "5b0c7a1e-2f3d-4c5b-9e8f-1a2b3c4d5e01"
	sobrMain  = "7d3f2e1c-6b5a-4f9e-8d7c-0a1b2c3d4e50"
	winApp01  = "7e76a5bb-287a-490e-ae0a-5e852ea775ef"
	winFile01 = "7e76a5bb-287a-490e-ae0a-5e852ea775f0"
	backupWin = "3f6b1c2d-4e5f-4a6b-9c7d-8e9f0a1b2c01"
)

func linuxRepoSpec(name string) map[string]any {
	return map[string]any{
		"name": name, "description": "", "type": "LinuxLocal", "hostId": linux01,
		"repository": map[string]any{"path": "/backups/" + name, "maxTaskCount": 4, "taskLimitEnabled": true},
		"mountServer": map[string]any{"mountServerSettingsType": "Windows", "windows": map[string]any{
			"mountServerId": vbr01, "writeCacheFolder": `C:\cache`, "vPowerNFSEnabled": true}},
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s, clock, admin := startSim(t, sim.WithTokenTTL(time.Minute))
	type want struct {
		Status int
		Code   any
	}
	anon := newClient(t, s, "1.3-rev2")
	bogus := newClient(t, s, "1.3-rev2")
	bogus.token = "not-a-token"
	noVersion := newClient(t, s, "")
	noVersion.token = admin.token
	oldVersion := newClient(t, s, "1.2-rev9")
	oldVersion.token = admin.token
	tests := map[string]struct {
		c    *client
		want want
	}{
		"valid token":         {admin, want{200, nil}},
		"no token":            {anon, want{401, "AccessDenied"}},
		"unknown token":       {bogus, want{401, "InvalidToken"}},
		"missing api version": {noVersion, want{400, "NotImplemented"}},
		"unknown api version": {oldVersion, want{400, "NotImplemented"}},
	}
	for name, tc := range tests {
		st, body := tc.c.do(http.MethodGet, reposPath, nil)
		if diff := cmp.Diff(tc.want, want{st, body["errorCode"]}); diff != "" {
			t.Errorf("%s: GET repositories (-want +got):\n%s", name, diff)
		}
	}

	// Wrong password and unknown grant.
	st, body := anon.tokenRequest(url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"nope"}})
	if st != 401 || body["errorCode"] != "AccessDenied" {
		t.Errorf("wrong password: %d %v", st, body)
	}
	if strings.Contains(fmt.Sprint(body), "nope") {
		t.Errorf("error body echoes the password: %v", body)
	}
	st, _ = anon.tokenRequest(url.Values{"grant_type": {"vbr_token"}})
	if st != 400 {
		t.Errorf("unsupported grant: got %d, want 400", st)
	}

	// Token model fields; rev2's capitalised grant type is accepted.
	st, tok := anon.tokenRequest(url.Values{"grant_type": {"Password"}, "username": {`.\admin`}, "password": {"Passw0rd!"}})
	if st != 200 || tok["token_type"] != "bearer" || tok["expires_in"] != float64(60) || tok[".issued"] == nil || tok[".expires"] == nil {
		t.Fatalf("password grant: %d %v", st, tok)
	}

	// Refresh tokens are single-use.
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	if st, body := anon.tokenRequest(refresh); st != 200 || body["access_token"] == nil {
		t.Errorf("first refresh: %d %v", st, body)
	}
	if st, body := anon.tokenRequest(refresh); st != 401 || body["errorCode"] != "InvalidToken" {
		t.Errorf("reused refresh token: %d %v, want 401 InvalidToken", st, body)
	}

	// Access tokens expire after the TTL.
	clock.Advance(61 * time.Second)
	if st, body := admin.do(http.MethodGet, reposPath, nil); st != 401 || body["errorCode"] != "ExpiredToken" {
		t.Errorf("expired token: %d %v, want 401 ExpiredToken", st, body)
	}

	// Logout invalidates both tokens.
	admin.login("admin")
	refreshAfter := admin.refresh
	if st, _ := admin.do(http.MethodPost, "/api/oauth2/logout", nil); st != 200 {
		t.Errorf("logout: %d", st)
	}
	if st, _ := admin.do(http.MethodGet, reposPath, nil); st != 401 {
		t.Errorf("after logout: %d, want 401", st)
	}
	if st, _ := anon.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshAfter}}); st != 401 {
		t.Errorf("refresh after logout: %d, want 401", st)
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	_, _, admin := startSim(t)
	operator, viewer := admin.as("operator"), admin.as("viewer")
	_, created := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-roles"))
	sessionID := created["id"].(string)
	tests := map[string]struct {
		c      *client
		method string
		path   string
		body   any
		want   int
	}{
		"viewer reads repositories":         {viewer, "GET", reposPath, nil, 200},
		"viewer reads sessions":             {viewer, "GET", "/api/v1/sessions", nil, 200},
		"viewer cannot create repositories": {viewer, "POST", reposPath, linuxRepoSpec("x"), 403},
		"operator cannot delete":            {operator, "DELETE", reposPath + "/" + defRepo, nil, 403},
		"operator cannot read tokens":       {operator, "GET", "/api/v1/agents/recoveryTokens", nil, 403},
		"viewer cannot read groups":         {viewer, "GET", "/api/v1/agents/protectionGroups", nil, 403},
		"viewer cannot stop sessions":       {viewer, "POST", "/api/v1/sessions/" + sessionID + "/stop", nil, 403},
		"operator stops sessions":           {operator, "POST", "/api/v1/sessions/" + sessionID + "/stop", nil, 200},
	}
	for name, tc := range tests {
		st, body := tc.c.do(tc.method, tc.path, tc.body)
		if st != tc.want {
			t.Errorf("%s: %s %s = %d %v, want %d", name, tc.method, tc.path, st, body, tc.want)
		}
		if st == 403 && (body["errorCode"] != "AccessDenied" || body["message"] != "Forbidden") {
			t.Errorf("%s: 403 body %v", name, body)
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	_, _, admin := startSim(t)
	missing := "00000000-1111-4222-8333-444444444444"
	for _, path := range []string{
		reposPath + "/" + missing,
		sobrPath + "/" + missing,
		"/api/v1/backupInfrastructure/managedServers/" + missing,
		"/api/v1/agents/recoveryTokens/" + missing,
		"/api/v1/agents/protectionGroups/" + missing,
		pgWindows + "/discoveredEntities/" + missing,
		"/api/v1/sessions/" + missing,
	} {
		st, body := admin.do(http.MethodGet, path, nil)
		if diff := cmp.Diff([]any{404, "NotFound", missing}, []any{st, body["errorCode"], body["resourceId"]}); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}
	if st, body := admin.do(http.MethodPatch, reposPath, nil); st != 405 || body["errorCode"] != "MethodNotAllowed" {
		t.Errorf("PATCH repositories: %d %v", st, body)
	}
}

func TestRepositoryValidation(t *testing.T) {
	t.Parallel()
	_, _, admin := startSim(t)
	wrongType := linuxRepoSpec("repo-bad")
	wrongType["repository"].(map[string]any)["maxTaskCount"] = "four"
	winOnLinux := linuxRepoSpec("repo-win")
	winOnLinux["type"] = "WinLocal"
	noHost := linuxRepoSpec("repo-nohost")
	noHost["hostId"] = "00000000-1111-4222-8333-444444444444"
	missing := linuxRepoSpec("repo-missing")
	delete(missing, "repository")
	tests := map[string]struct {
		body any
		want string // substring of the message (vbrsim's or the contract's)
	}{
		"wrong field type":        {wrongType, "maxTaskCount"},
		"missing required field":  {missing, `"repository"`},
		"duplicate name":          {linuxRepoSpec("Default Backup Repository"), `Repository "Default Backup Repository" already exists`},
		"host of the wrong type":  {winOnLinux, "needs a WindowsHost"},
		"unknown host":            {noHost, "was not found"},
		"not JSON":                {"{", "body"},
		"unknown repository type": {map[string]any{"name": "x", "description": "", "type": "Floppy"}, "Floppy"},
	}
	for name, tc := range tests {
		st, body := admin.do(http.MethodPost, reposPath, tc.body)
		msg, _ := body["message"].(string)
		if st != 400 || body["errorCode"] != "UnexpectedContent" || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %v, want 400 UnexpectedContent containing %q", name, st, body, tc.want)
		}
	}
	// A scale-out extent cannot be removed.
	if st, body := admin.do(http.MethodDelete, reposPath+"/"+perf01, nil); st != 400 || !strings.Contains(fmt.Sprint(body["message"]), "extent") {
		t.Errorf("delete extent: %d %v", st, body)
	}
}

func TestRepositoryLifecycle(t *testing.T) {
	t.Parallel()
	srv, clock, admin := startSim(t)
	st, s := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-ams"))
	if st != 201 || s["sessionType"] != "Infrastructure" || s["state"] != "Starting" || field(s, "result", "result") != "None" {
		t.Fatalf("create: %d %v", st, s)
	}
	// The session carries only the fields of the vendor example: no
	// resourceId a client could wrongly rely on.
	for _, k := range []string{"resourceId", "resourceReference", "platformName", "platformId"} {
		if _, ok := s[k]; ok {
			t.Errorf("create session has %s: %v", k, s)
		}
	}
	// Not visible before the session ends.
	if ids := idsNamed(admin, reposPath, "repo-ams"); len(ids) != 0 {
		t.Errorf("repository visible while its session runs: %v", ids)
	}
	clock.Advance(sessionDuration / 2)
	_, mid := admin.do(http.MethodGet, "/api/v1/sessions/"+s["id"].(string), nil)
	if p := mid["progressPercent"].(float64); mid["state"] != "Working" || p < 30 || p > 70 {
		t.Errorf("half-way session: state %v progress %v", mid["state"], p)
	}
	done := admin.await(clock, s)
	if field(done, "result", "result") != "Success" || done["endTime"] == nil || done["progressPercent"] != float64(100) {
		t.Errorf("finished session: %v", done)
	}
	id := idNamed(admin, reposPath, "repo-ams")
	st, repo := admin.do(http.MethodGet, reposPath+"/"+id, nil)
	if st != 200 || repo["name"] != "repo-ams" || field(repo, "mountServer", "mountServerSettingsType") != "Windows" {
		t.Fatalf("created repository: %d %v", st, repo)
	}
	_, logs := admin.do(http.MethodGet, "/api/v1/sessions/"+s["id"].(string)+"/logs", nil)
	if logs["totalRecords"] != float64(2) {
		t.Errorf("logs: %v", logs)
	}

	// rev0 spells the mount-server type in lower case.
	old := newClient(t, srv, "1.3-rev0")
	old.login("admin")
	_, repo0 := old.do(http.MethodGet, reposPath+"/"+id, nil)
	if got := field(repo0, "mountServer", "mountServerSettingsType"); got != "windows" {
		t.Errorf("rev0 mountServerSettingsType = %v, want windows", got)
	}

	// Edit: PUT the full model with id (rev0 casing accepted on input).
	repo0["description"] = "Amsterdam"
	st, s2 := old.do(http.MethodPut, reposPath+"/"+id, repo0)
	if st != 201 {
		t.Fatalf("edit: %d %v", st, s2)
	}
	admin.await(clock, s2)
	_, repo = admin.do(http.MethodGet, reposPath+"/"+id, nil)
	if repo["description"] != "Amsterdam" {
		t.Errorf("edited description = %v", repo["description"])
	}
	// Mismatched id in the body.
	repo["id"] = defRepo
	if st, _ := admin.do(http.MethodPut, reposPath+"/"+id, repo); st != 400 {
		t.Errorf("PUT with another id: %d, want 400", st)
	}
	// Rescan and delete.
	st, rs := admin.do(http.MethodPost, reposPath+"/rescan", map[string]any{"repositoryIds": []string{id}})
	if st != 201 || rs["sessionType"] != "ConfigurationResynchronize" {
		t.Errorf("rescan: %d %v", st, rs)
	}
	if st, _ := admin.do(http.MethodDelete, reposPath+"/"+id+"?deleteBackups=true", nil); st != 204 {
		t.Errorf("delete: %d", st)
	}
	if st, _ := admin.do(http.MethodGet, reposPath+"/"+id, nil); st != 404 {
		t.Errorf("deleted repository still there: %d", st)
	}
}

func TestFlatMountServerAndStates(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	spec := linuxRepoSpec("repo-flat")
	spec["mountServer"] = map[string]any{"mountServerId": vbr01, "writeCacheFolder": `C:\cache`, "vPowerNFSEnabled": true}
	st, s := admin.do(http.MethodPost, reposPath, spec)
	if st != 201 {
		t.Fatalf("create with flat mountServer: %d %v", st, s)
	}
	admin.await(clock, s)
	_, repo := admin.do(http.MethodGet, reposPath+"/"+idNamed(admin, reposPath, "repo-flat"), nil)
	if field(repo, "mountServer", "windows", "mountServerId") != vbr01 {
		t.Errorf("flat mount server not normalised: %v", repo["mountServer"])
	}
	st, states := admin.do(http.MethodGet, reposPath+"/states?sobrIdFilter="+sobrMain, nil)
	if diff := cmp.Diff([]string{"repo-perf-01", "repo-perf-02"}, names(states)); st != 200 || diff != "" {
		t.Errorf("states of sobr-main: %d (-want +got):\n%s", st, diff)
	}
}

func TestPagingAndFilters(t *testing.T) {
	t.Parallel()
	_, _, admin := startSim(t)
	tests := map[string]struct {
		query string
		want  []string
		total float64
	}{
		"default order":  {"", []string{"Default Backup Repository", "Linux Backup Repository", "repo-perf-01", "repo-perf-02"}, 4},
		"name desc":      {"?orderColumn=Name&orderAsc=false", []string{"repo-perf-02", "repo-perf-01", "Linux Backup Repository", "Default Backup Repository"}, 4},
		"skip and limit": {"?orderColumn=Name&skip=1&limit=2", []string{"Linux Backup Repository", "repo-perf-01"}, 4},
		"prefix":         {"?nameFilter=repo-*", []string{"repo-perf-01", "repo-perf-02"}, 2},
		"contains":       {"?nameFilter=*backup*", []string{"Default Backup Repository", "Linux Backup Repository"}, 2},
		"suffix":         {"?nameFilter=*02", []string{"repo-perf-02"}, 1},
		"type filter":    {"?typeFilter=WinLocal", []string{"Default Backup Repository"}, 1},
		"two types":      {"?typeFilter=WinLocal&typeFilter=LinuxLocal&limit=1", []string{"Default Backup Repository"}, 4},
		"host filter":    {"?hostIdFilter=" + linux01, []string{"Linux Backup Repository", "repo-perf-01"}, 2},
		"exclude extent": {"?excludeExtents=true", []string{"Default Backup Repository", "Linux Backup Repository"}, 2},
	}
	for name, tc := range tests {
		st, body := admin.do(http.MethodGet, reposPath+tc.query, nil)
		if st != 200 {
			t.Errorf("%s: %d %v", name, st, body)
			continue
		}
		if diff := cmp.Diff(tc.want, names(body)); diff != "" {
			t.Errorf("%s: names (-want +got):\n%s", name, diff)
		}
		if got := field(body, "pagination", "total"); got != tc.total {
			t.Errorf("%s: total = %v, want %v", name, got, tc.total)
		}
	}
	if st, _ := admin.do(http.MethodGet, reposPath+"?limit=abc", nil); st != 400 {
		t.Errorf("limit=abc: %d, want 400", st)
	}
	if st, _ := admin.do(http.MethodGet, reposPath+"?orderColumn=Color", nil); st != 400 {
		t.Errorf("orderColumn=Color: %d, want 400", st)
	}
}

func TestSessionFaultsAndStop(t *testing.T) {
	t.Parallel()
	s, clock, admin := startSim(t)
	s.AddFault(sim.FaultRule{Method: "POST", Path: reposPath, Times: 1, FailSession: "Cannot connect to linux01.tech.local."})
	_, first := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-fail"))
	done := admin.await(clock, first)
	if field(done, "result", "result") != "Failed" || field(done, "result", "message") != "Cannot connect to linux01.tech.local." {
		t.Errorf("failed session: %v", done)
	}
	if ids := idsNamed(admin, reposPath, "repo-fail"); len(ids) != 0 {
		t.Errorf("failed create left a repository: %v", ids)
	}
	_, logs := admin.do(http.MethodGet, "/api/v1/sessions/"+first["id"].(string)+"/logs?statusFilter=Failed", nil)
	if logs["totalRecords"] != float64(1) {
		t.Errorf("failure log records: %v", logs)
	}
	// The rule answered once: the next create succeeds.
	_, second := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-fail"))
	if done := admin.await(clock, second); field(done, "result", "result") != "Success" {
		t.Errorf("second session: %v", done)
	}

	// Stop: isCanceled, no change.
	_, third := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-stop"))
	if st, _ := admin.do(http.MethodPost, "/api/v1/sessions/"+third["id"].(string)+"/stop", nil); st != 200 {
		t.Fatalf("stop: %d", st)
	}
	_, stopped := admin.do(http.MethodGet, "/api/v1/sessions/"+third["id"].(string), nil)
	if stopped["state"] != "Stopped" || field(stopped, "result", "isCanceled") != true {
		t.Errorf("stopped session: %v", stopped)
	}
	clock.Advance(2 * sessionDuration)
	if ids := idsNamed(admin, reposPath, "repo-stop"); len(ids) != 0 {
		t.Errorf("stopped create left a repository: %v", ids)
	}
	if st, _ := admin.do(http.MethodPost, "/api/v1/sessions/"+third["id"].(string)+"/stop", nil); st != 400 {
		t.Errorf("stop of a stopped session: %d, want 400", st)
	}

	// Session filters.
	tests := map[string]struct {
		query string
		want  float64
	}{
		"all":            {"", 3},
		"failed":         {"?resultFilter=Failed", 2},
		"success":        {"?resultFilter=Success", 1},
		"type":           {"?typeFilter=Infrastructure", 3},
		"other type":     {"?typeFilter=AgentDiscovery", 0},
		"state":          {"?stateFilter=Stopped", 3},
		"job":            {"?jobIdFilter=" + second["id"].(string), 1},
		"created before": {"?createdBeforeFilter=2000-01-01T00:00:00Z", 0},
		"name":           {"?nameFilter=Infrastructure*", 3},
	}
	for name, tc := range tests {
		_, body := admin.do(http.MethodGet, "/api/v1/sessions"+tc.query, nil)
		if got := field(body, "pagination", "total"); got != tc.want {
			t.Errorf("sessions %s: total %v, want %v", name, got, tc.want)
		}
	}
}

func TestScaleOutModes(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	st, s := admin.do(http.MethodPost, sobrPath+"/"+sobrMain+"/enableSealedMode", map[string]any{"repositoryIds": []string{perf01}})
	if st != 201 || s["sessionType"] != "RepositoryMaintenance" {
		t.Fatalf("enable sealed: %d %v", st, s)
	}
	status := func() []any {
		_, sobr := admin.do(http.MethodGet, sobrPath+"/"+sobrMain, nil)
		ext := field(sobr, "performanceTier", "performanceExtents").([]any)
		return ext[0].(map[string]any)["status"].([]any)
	}
	if diff := cmp.Diff([]any{"Normal"}, status()); diff != "" {
		t.Errorf("status before the session ends (-want +got):\n%s", diff)
	}
	admin.await(clock, s)
	if diff := cmp.Diff([]any{"Sealed"}, status()); diff != "" {
		t.Errorf("status after sealing (-want +got):\n%s", diff)
	}
	_, s = admin.do(http.MethodPost, sobrPath+"/"+sobrMain+"/enableMaintenanceMode", map[string]any{"repositoryIds": []string{perf01}})
	admin.await(clock, s)
	_, s = admin.do(http.MethodPost, sobrPath+"/"+sobrMain+"/disableSealedMode", map[string]any{"repositoryIds": []string{perf01}})
	admin.await(clock, s)
	if diff := cmp.Diff([]any{"Maintenance"}, status()); diff != "" {
		t.Errorf("status after maintenance on, sealed off (-want +got):\n%s", diff)
	}
	if st, _ := admin.do(http.MethodPost, sobrPath+"/"+sobrMain+"/enableSealedMode", map[string]any{"repositoryIds": []string{defRepo}}); st != 400 {
		t.Errorf("sealing a non-extent: %d, want 400", st)
	}

	// Create a scale-out repository from a free repository; reusing an
	// extent is refused.
	spec := map[string]any{"name": "sobr-2", "description": "", "performanceTier": map[string]any{
		"performanceExtents": []any{map[string]any{"id": "4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}}}}
	st, s = admin.do(http.MethodPost, sobrPath, spec)
	if st != 201 {
		t.Fatalf("create sobr: %d %v", st, s)
	}
	admin.await(clock, s)
	spec["name"] = "sobr-3"
	if st, body := admin.do(http.MethodPost, sobrPath, spec); st != 400 || !strings.Contains(fmt.Sprint(body["message"]), "already an extent") {
		t.Errorf("reused extent: %d %v", st, body)
	}
	_, list := admin.do(http.MethodGet, sobrPath+"?orderColumn=Name", nil)
	if diff := cmp.Diff([]string{"sobr-2", "sobr-main"}, names(list)); diff != "" {
		t.Errorf("scale-out list (-want +got):\n%s", diff)
	}
	if st, _ := admin.do(http.MethodDelete, sobrPath+"/"+idNamed(admin, sobrPath, "sobr-2"), nil); st != 204 {
		t.Errorf("delete sobr: %d", st)
	}
}

func TestRecoveryTokens(t *testing.T) {
	t.Parallel()
	s, _, admin := startSim(t)
	old := newClient(t, s, "1.3-rev0")
	old.login("admin")
	spec := map[string]any{"backupIds": []string{backupWin}, "expirationDate": "2031-01-01T00:00:00Z"}
	for _, tc := range []struct {
		c    *client
		want int
	}{{old, 200}, {admin, 201}} {
		st, tok := tc.c.do(http.MethodPost, "/api/v1/agents/recoveryTokens", spec)
		if st != tc.want {
			t.Errorf("create on %s: %d, want %d", tc.c.rev, st, tc.want)
		}
		if v, _ := tok["recoveryToken"].(string); len(v) != 23 || strings.Count(v, "-") != 5 {
			t.Errorf("recoveryToken %q is not shaped like ASD-123-DSA-321-QWE-456", v)
		}
	}
	_, list := admin.do(http.MethodGet, "/api/v1/agents/recoveryTokens", nil)
	if got := field(list, "pagination", "total"); got != float64(3) {
		t.Fatalf("tokens: %v", list)
	}
	tok := list["data"].([]any)[1].(map[string]any)
	tok["name"] = "renamed"
	if st, body := admin.do(http.MethodPut, "/api/v1/agents/recoveryTokens/"+tok["id"].(string), tok); st != 200 || body["name"] != "renamed" {
		t.Errorf("edit token: %d %v", st, body)
	}
	bad := map[string]any{"backupIds": []string{"00000000-1111-4222-8333-444444444444"}, "expirationDate": "2031-01-01T00:00:00Z"}
	if st, _ := admin.do(http.MethodPost, "/api/v1/agents/recoveryTokens", bad); st != 400 {
		t.Errorf("unknown backup: %d, want 400", st)
	}
	if st, _ := admin.do(http.MethodDelete, "/api/v1/agents/recoveryTokens/"+tok["id"].(string), nil); st != 204 {
		t.Errorf("delete token: %d", st)
	}
}

func TestDiscoveredEntities(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	st, list := admin.do(http.MethodGet, pgWindows+"/discoveredEntities?agentStatusFilter=NotInstalled&orderColumn=Name", nil)
	if diff := cmp.Diff([]string{"win-app01", "win-file01"}, names(list)); st != 200 || diff != "" {
		t.Fatalf("not installed (-want +got):\n%s", diff)
	}
	st, s := admin.do(http.MethodPost, pgWindows+"/discoveredEntities/installAgent", map[string]any{"entityIds": []string{winApp01}})
	if st != 200 || s["sessionType"] != "AgentDiscovery" {
		t.Fatalf("installAgent: %d %v", st, s)
	}
	agent := func(id string) any {
		_, e := admin.do(http.MethodGet, pgWindows+"/discoveredEntities/"+id, nil)
		return e["agentStatus"]
	}
	if got := agent(winApp01); got != "NotInstalled" {
		t.Errorf("agent installed before the session ended: %v", got)
	}
	if done := admin.await(clock, s); field(done, "result", "result") != "Success" {
		t.Errorf("install session: %v", done)
	}
	if got := agent(winApp01); got != "Installed" {
		t.Errorf("agentStatus after install = %v", got)
	}
	// An offline computer fails the session.
	_, s = admin.do(http.MethodPost, pgWindows+"/discoveredEntities/installAgent", map[string]any{"entityIds": []string{winFile01}})
	if done := admin.await(clock, s); field(done, "result", "result") != "Failed" || !strings.Contains(fmt.Sprint(field(done, "result", "message")), "win-file01") {
		t.Errorf("install on offline computer: %v", done)
	}
	st, s = admin.do(http.MethodPost, pgWindows+"/discoveredEntities/uninstallAllComponents", map[string]any{"entityIds": []string{winApp01}})
	if st != 200 || s["sessionType"] != "Infrastructure" {
		t.Fatalf("uninstallAllComponents: %d %v", st, s)
	}
	admin.await(clock, s)
	if got := agent(winApp01); got != "NotInstalled" {
		t.Errorf("agentStatus after uninstall = %v", got)
	}
	if st, _ := admin.do(http.MethodPost, pgWindows+"/discoveredEntities/rescan", map[string]any{"entityIds": []string{"00000000-1111-4222-8333-444444444444"}}); st != 404 {
		t.Errorf("action on unknown entity: %d, want 404", st)
	}
	if st, _ := admin.do(http.MethodDelete, pgWindows+"/discoveredEntities/"+winFile01, nil); st != 204 {
		t.Errorf("remove entity: %d", st)
	}
	_, groups := admin.do(http.MethodGet, "/api/v1/agents/protectionGroups?orderColumn=Name", nil)
	if diff := cmp.Diff([]string{"Linux Servers", "Windows Servers"}, names(groups)); diff != "" {
		t.Errorf("protection groups (-want +got):\n%s", diff)
	}
}

func TestConcurrentCreatesKeepNamesUnique(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-race"))
		}()
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		if st == 201 {
			created++
		}
	}
	if created != 1 {
		t.Errorf("concurrent creates of one name: %v, want exactly one 201", statuses)
	}
	clock.Advance(2 * sessionDuration)
	_, list := admin.do(http.MethodGet, reposPath+"?nameFilter=repo-race", nil)
	if got := field(list, "pagination", "total"); got != float64(1) {
		t.Errorf("repositories named repo-race: %v", got)
	}
}

// TestReadEndpointsMatchBothRevisions reads every collection in both
// revisions under the strict contract check (startSim fails the test on
// any recorded mismatch).
func TestReadEndpointsMatchBothRevisions(t *testing.T) {
	t.Parallel()
	srv, clock, admin := startSim(t)
	_, s := admin.do(http.MethodPost, pgWindows+"/discoveredEntities/rescan", map[string]any{"entityIds": []string{winApp01}})
	admin.await(clock, s)
	for _, rev := range []string{"1.3-rev0", "1.3-rev2"} {
		c := newClient(t, srv, rev)
		c.login("admin")
		for _, path := range []string{
			"/api/v1/backupInfrastructure/managedServers", "/api/v1/backupInfrastructure/managedServers/" + vbr01,
			reposPath, reposPath + "/states", reposPath + "/" + defRepo, sobrPath, sobrPath + "/" + sobrMain,
			"/api/v1/backups", "/api/v1/agents/recoveryTokens", "/api/v1/agents/protectionGroups",
			pgWindows, pgWindows + "/discoveredEntities", pgWindows + "/discoveredEntities/" + winApp01,
			"/api/v1/sessions", "/api/v1/sessions/" + s["id"].(string), "/api/v1/sessions/" + s["id"].(string) + "/logs",
		} {
			if st, body := c.do(http.MethodGet, path, nil); st != 200 {
				t.Errorf("%s GET %s: %d %v", rev, path, st, body)
			}
		}
	}
}
