package vspcsim

import (
	"net/url"
	"testing"
)

// TestProviderCollections: companies, sites, backup servers, jobs,
// repositories, alarms and /about answer the data/meta envelope.
func TestProviderCollections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	token, _ := f.login("admin")
	for _, path := range []string{
		"/api/v3/organizations/companies", "/api/v3/infrastructure/sites", "/api/v3/infrastructure/backupServers",
		"/api/v3/infrastructure/backupServers/jobs", "/api/v3/infrastructure/backupServers/repositories", "/api/v3/alarms/active",
	} {
		r := f.expect("GET", path, token, nil, 200)
		rows, _ := r.body["data"].([]any)
		if len(rows) == 0 {
			t.Errorf("GET %s: no rows: %s", path, r.raw)
			continue
		}
		if total := r.body["meta"].(map[string]any)["pagingInfo"].(map[string]any)["total"]; total != float64(len(rows)) {
			t.Errorf("GET %s: total %v for %d rows", path, total, len(rows))
		}
		f.expect("GET", path, "", nil, 401)
	}
	about := f.expect("GET", "/api/v3/about", token, nil, 200).body["data"].(map[string]any)
	if about["serverVersion"] == nil {
		t.Errorf("about: %v", about)
	}
	// Filter and paging on a derived list.
	q := url.Values{"filter": {`[{"property":"name","operation":"contains","value":"linux"}]`}}
	r := f.expect("GET", "/api/v3/infrastructure/backupServers/repositories?"+q.Encode(), token, nil, 200)
	if rows := r.body["data"].([]any); len(rows) != 1 || rows[0].(map[string]any)["name"] != "Linux Backup Repository" {
		t.Errorf("filtered repositories: %s", r.raw)
	}
	companies := f.expect("GET", "/api/v3/organizations/companies", token, nil, 200).body["data"].([]any)
	uid := companies[0].(map[string]any)["instanceUid"].(string)
	f.expect("GET", "/api/v3/organizations/companies/"+uid, token, nil, 200)
	f.expect("GET", "/api/v3/organizations/companies/00000000-0000-0000-0000-000000000000", token, nil, 404)
}

// TestPatchAgent: a JSON Patch replaces managementMode; an unknown path or
// value is a 400 naming the failed operation.
func TestPatchAgent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, 0)
	token, _ := f.login("admin")
	path := "/api/v3/infrastructure/backupAgents/" + agentHealthy
	r := f.do("PATCH", path, token, map[string]string{"Content-Type": "application/json"},
		`[{"op":"replace","path":"/managementMode","value":"UnManaged"}]`)
	if r.status != 200 || r.body["data"].(map[string]any)["managementMode"] != "UnManaged" {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	if got := f.agent(token, agentHealthy)["managementMode"]; got != "UnManaged" {
		t.Errorf("managementMode after patch = %v", got)
	}
	bad := f.do("PATCH", path, token, map[string]string{"Content-Type": "application/json"},
		`[{"op":"replace","path":"/name","value":"x"}]`)
	if bad.status != 400 || firstError(t, bad)["failedJsonPatch"] == nil {
		t.Errorf("bad patch: %d %s", bad.status, bad.raw)
	}
	viewer, _ := f.login("viewer")
	if r := f.do("PATCH", path, viewer, map[string]string{"Content-Type": "application/json"},
		`[{"op":"replace","path":"/managementMode","value":"ManagedByConsole"}]`); r.status != 403 {
		t.Errorf("viewer patch: %d", r.status)
	}
}
