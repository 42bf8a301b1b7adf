package vbrsim_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim"
)

// TestRevisions: every revision is served by x-api-version with its own
// paths and response codes; versions the vendor never had are refused.
func TestRevisions(t *testing.T) {
	t.Parallel()
	s, _, _ := startSim(t)
	spec := map[string]any{"backupIds": []string{backupWin}, "expirationDate": "2031-01-01T00:00:00Z"}
	tests := map[string]struct {
		rev         string
		pgStatus    int // GET protectionGroups: absent before 1.3
		tokenStatus int // POST recoveryTokens: 201 only in rev2
	}{
		"1.1-rev0": {"1.1-rev0", 404, 200},
		"1.1-rev1": {"1.1-rev1", 404, 200}, // served from the 1.1-rev0 document
		"1.1-rev2": {"1.1-rev2", 404, 200},
		"1.2-rev0": {"1.2-rev0", 404, 200},
		"1.2-rev1": {"1.2-rev1", 404, 200},
		"1.3-rev0": {"1.3-rev0", 200, 200},
		"1.3-rev1": {"1.3-rev1", 200, 200},
		"1.3-rev2": {"1.3-rev2", 200, 201},
	}
	for name, tc := range tests {
		c := newClient(t, s, tc.rev)
		c.login("admin")
		st, body := c.do(http.MethodGet, "/api/v1/agents/protectionGroups", nil)
		if st != tc.pgStatus {
			t.Errorf("%s: GET protectionGroups: %d %v, want %d", name, st, body, tc.pgStatus)
		}
		if st == 404 && body["errorCode"] != "NotFound" {
			t.Errorf("%s: 404 without the vendor error body: %v", name, body)
		}
		if st, body := c.do(http.MethodPost, "/api/v1/agents/recoveryTokens", spec); st != tc.tokenStatus {
			t.Errorf("%s: create recovery token: %d %v, want %d", name, st, body, tc.tokenStatus)
		}
		if st, body := c.do(http.MethodGet, "/api/v1/serverInfo", nil); st != 200 || body["name"] == nil {
			t.Errorf("%s: serverInfo: %d %v", name, st, body)
		}
	}
	for _, v := range []string{"1.0-rev0", "1.2-rev2", "1.3-rev3", "2.0-rev0"} {
		c := newClient(t, s, v)
		st, body := c.tokenRequest(map[string][]string{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}})
		if diff := cmp.Diff([]any{400, "NotImplemented", "The specified API version is not supported."}, []any{st, body["errorCode"], body["message"]}); diff != "" {
			t.Errorf("x-api-version %s (-want +got):\n%s", v, diff)
		}
	}
}

// TestMountServerRequired: mountServer stops being required only in rev2.
func TestMountServerRequired(t *testing.T) {
	t.Parallel()
	s, _, _ := startSim(t)
	for rev, want := range map[string]int{"1.3-rev0": 400, "1.3-rev1": 400, "1.3-rev2": 201} {
		c := newClient(t, s, rev)
		c.login("admin")
		spec := linuxRepoSpec("repo-nomount-" + rev)
		delete(spec, "mountServer")
		spec["type"] = "WinLocal"
		spec["hostId"] = vbr01
		spec["repository"] = map[string]any{"path": `C:\b-` + rev}
		if st, body := c.do(http.MethodPost, reposPath, spec); st != want {
			t.Errorf("%s: WinLocal without mountServer: %d %v, want %d", rev, st, body, want)
		}
	}
}

// TestAuthBeforeRouting: no token is 401 on every documented path (before
// the method is looked at), unknown paths are 404 with the vendor body,
// and DELETE/PUT on a collection are 405.
func TestAuthBeforeRouting(t *testing.T) {
	t.Parallel()
	s, _, admin := startSim(t)
	anon := newClient(t, s, "1.3-rev2")
	tests := []struct {
		c            *client
		method, path string
		status       int
		code         string
	}{
		{anon, "GET", "/api/v1/jobs", 401, "AccessDenied"},
		{anon, "DELETE", reposPath, 401, "AccessDenied"},
		{anon, "GET", "/api/v1/license", 401, "AccessDenied"},
		{anon, "GET", "/api/v1/noSuchThing", 404, "NotFound"},
		{admin, "GET", "/api/v1/noSuchThing", 404, "NotFound"},
		{admin, "DELETE", reposPath, 405, "MethodNotAllowed"},
		{admin, "PUT", sobrPath, 405, "MethodNotAllowed"},
		{admin, "DELETE", "/api/v1/jobs", 405, "MethodNotAllowed"},
	}
	for _, tc := range tests {
		st, body := tc.c.do(tc.method, tc.path, nil)
		if diff := cmp.Diff([]any{tc.status, tc.code}, []any{st, body["errorCode"]}); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tc.method, tc.path, diff)
		}
	}
	if st, body := anon.do("GET", "/api/v1/serverTime", nil); st != 200 || body["serverTime"] == nil {
		t.Errorf("serverTime is anonymous in the vendor document: %d %v", st, body)
	}
}

// TestGenericCollection: a path without hand-written behaviour lists
// generated objects, pages and filters them, and reads them by id.
func TestGenericCollection(t *testing.T) {
	t.Parallel()
	_, _, admin := startSim(t)
	st, list := admin.do(http.MethodGet, "/api/v1/credentials", nil)
	if st != 200 || field(list, "pagination", "total") != float64(3) || len(list["data"].([]any)) != 3 {
		t.Fatalf("credentials: %d %v", st, list)
	}
	first := list["data"].([]any)[0].(map[string]any)
	st, one := admin.do(http.MethodGet, "/api/v1/credentials/"+first["id"].(string), nil)
	if st != 200 || one["id"] != first["id"] {
		t.Errorf("get credential: %d %v", st, one)
	}
	st, page := admin.do(http.MethodGet, "/api/v1/credentials?skip=1&limit=1", nil)
	if diff := cmp.Diff(map[string]any{"total": 3.0, "count": 1.0, "skip": 1.0, "limit": 1.0}, page["pagination"]); st != 200 || diff != "" {
		t.Errorf("paging (-want +got):\n%s", diff)
	}
	if st, body := admin.do(http.MethodGet, "/api/v1/credentials/00000000-1111-4222-8333-444444444444", nil); st != 404 || body["errorCode"] != "NotFound" {
		t.Errorf("missing credential: %d %v", st, body)
	}
	// Create: unknown fields dropped, the model's defaults filled.
	spec := map[string]any{"type": "Standard", "username": "svc-backup", "password": "secret", "description": "d", "bogus": 1}
	st, made := admin.do(http.MethodPost, "/api/v1/credentials", spec)
	if st != 201 || made["username"] != "svc-backup" || made["bogus"] != nil || made["id"] == nil {
		t.Fatalf("create credential: %d %v", st, made)
	}
	if _, list := admin.do(http.MethodGet, "/api/v1/credentials", nil); field(list, "pagination", "total") != float64(4) {
		t.Errorf("after create: %v", list["pagination"])
	}
	if st, _ := admin.do(http.MethodDelete, "/api/v1/credentials/"+made["id"].(string), nil); st != 204 {
		t.Errorf("delete credential: %d", st)
	}
	if st, _ := admin.do(http.MethodGet, "/api/v1/credentials/"+made["id"].(string), nil); st != 404 {
		t.Errorf("deleted credential: %d", st)
	}
	// A required field missing is the vendor's 400.
	if st, body := admin.do(http.MethodPost, "/api/v1/credentials", map[string]any{"type": "Standard"}); st != 400 || body["errorCode"] != "UnexpectedContent" {
		t.Errorf("incomplete credential: %d %v", st, body)
	}
}

// TestProtectionGroupAndManagedServerLifecycle: protection-group create
// and delete and managed-server delete answer sessions and apply.
func TestProtectionGroupAndManagedServerLifecycle(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	pg := map[string]any{"name": "pg-new", "description": "", "type": "IndividualComputers",
		"computers": []any{map[string]any{"hostName": "srv01.tech.local", "connectionType": "PermanentCredentials",
			"credentialsId": "0b9d5e8e-58e6-4e1a-9d5c-6f0c3c1d2a01"}}}
	st, sess := admin.do(http.MethodPost, "/api/v1/agents/protectionGroups", pg)
	if st != 201 || sess["sessionType"] == nil {
		t.Fatalf("create protection group: %d %v", st, sess)
	}
	admin.await(clock, sess)
	_, list := admin.do(http.MethodGet, "/api/v1/agents/protectionGroups?nameFilter=pg-new", nil)
	data, _ := list["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("created protection group not listed: %v", list)
	}
	id := data[0].(map[string]any)["id"].(string)
	st, sess = admin.do(http.MethodDelete, "/api/v1/agents/protectionGroups/"+id, nil)
	if st != 201 {
		t.Fatalf("delete protection group: %d %v", st, sess)
	}
	admin.await(clock, sess)
	if st, _ := admin.do(http.MethodGet, "/api/v1/agents/protectionGroups/"+id, nil); st != 404 {
		t.Errorf("deleted protection group: %d", st)
	}
	if st, body := admin.do(http.MethodDelete, "/api/v1/backupInfrastructure/managedServers/"+linux01, nil); st != 400 {
		t.Errorf("delete a repository's host: %d %v, want 400", st, body)
	}
	ms := map[string]any{"type": "WindowsHost", "name": "win05.tech.local", "description": "spare",
		"credentialsId": "0b9d5e8e-58e6-4e1a-9d5c-6f0c3c1d2a01", "credentialsStorageType": "Permanent"}
	st, sess = admin.do(http.MethodPost, "/api/v1/backupInfrastructure/managedServers", ms)
	if st != 201 {
		t.Fatalf("create managed server: %d %v", st, sess)
	}
	admin.await(clock, sess)
	_, list = admin.do(http.MethodGet, "/api/v1/backupInfrastructure/managedServers?nameFilter=win05*", nil)
	data, _ = list["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("created managed server not listed: %v", list)
	}
	id = data[0].(map[string]any)["id"].(string)
	st, sess = admin.do(http.MethodDelete, "/api/v1/backupInfrastructure/managedServers/"+id, nil)
	if st != 201 {
		t.Fatalf("delete managed server: %d %v", st, sess)
	}
	admin.await(clock, sess)
	if st, _ := admin.do(http.MethodGet, "/api/v1/backupInfrastructure/managedServers/"+id, nil); st != 404 {
		t.Errorf("deleted managed server: %d", st)
	}
}

// TestRepositoryAcrossRevisions: a repository created at 1.2-rev1 with the
// flat mount server of 1.1/1.2 reads back flat there, nested with
// lower-case enums at 1.3-rev0 and capitalised at 1.3-rev1, each valid
// against its revision's document (startSim is strict).
func TestRepositoryAcrossRevisions(t *testing.T) {
	t.Parallel()
	s, clock, _ := startSim(t)
	old := newClient(t, s, "1.2-rev1")
	old.login("admin")
	spec := linuxRepoSpec("repo-12")
	spec["mountServer"] = map[string]any{"mountServerId": vbr01, "writeCacheFolder": `C:\cache`, "vPowerNFSEnabled": true}
	st, sess := old.do(http.MethodPost, reposPath, spec)
	if st != 201 {
		t.Fatalf("create at 1.2-rev1: %d %v", st, sess)
	}
	old.await(clock, sess)
	id := idNamed(old, reposPath, "repo-12")
	tests := map[string]struct{ path []string }{
		"1.2-rev1": {[]string{"mountServer", "mountServerId"}},
		"1.3-rev0": {[]string{"mountServer", "windows", "mountServerId"}},
		"1.3-rev1": {[]string{"mountServer", "windows", "mountServerId"}},
	}
	wantType := map[string]any{"1.2-rev1": nil, "1.3-rev0": "windows", "1.3-rev1": "Windows"}
	for rev, tc := range tests {
		c := newClient(t, s, rev)
		c.login("admin")
		st, repo := c.do(http.MethodGet, reposPath+"/"+id, nil)
		if st != 200 || field(repo, tc.path...) != vbr01 {
			t.Errorf("%s: GET repository: %d, mountServer %v", rev, st, repo["mountServer"])
		}
		if got := field(repo, "mountServer", "mountServerSettingsType"); got != wantType[rev] {
			t.Errorf("%s: mountServerSettingsType = %v, want %v", rev, got, wantType[rev])
		}
	}
}

// TestGenericStatePersists: objects of generic collections survive a
// restart with a state file.
func TestGenericStatePersists(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state.json")
	s1, _, admin := startSim(t, sim.WithStateFile(state))
	spec := map[string]any{"type": "Standard", "username": "svc-persist", "password": "secret", "description": "d"}
	st, made := admin.do(http.MethodPost, "/api/v1/credentials", spec)
	if st != 201 {
		t.Fatalf("create credential: %d %v", st, made)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, again := startSim(t, sim.WithStateFile(state))
	if st, got := again.do(http.MethodGet, "/api/v1/credentials/"+made["id"].(string), nil); st != 200 || got["username"] != "svc-persist" {
		t.Errorf("credential after restart: %d %v", st, got)
	}
}
