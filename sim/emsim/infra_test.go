package emsim

import (
	"net/http"
	"strings"
	"testing"
)

// TestInfrastructureCollections: the collections clients use answer
// EntityReferences, entities with ?format=Entity, and one item by guid.
func TestInfrastructureCollections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	token := f.logon("admin")
	for path, typ := range map[string]string{
		"/api/jobs":                       "Job",
		"/api/repositories":               "Repository",
		"/api/agents/protectionGroups":    "AgentProtectionGroup",
		"/api/agents/discoveredComputers": "DiscoveredComputer",
	} {
		refs := f.getJSON("GET", path, token, 200)
		list, _ := refs["Refs"].([]any)
		if len(list) == 0 {
			t.Errorf("GET %s: no Refs in %v", path, refs)
			continue
		}
		first := list[0].(map[string]any)
		if first["Type"] != typ+"Reference" || !strings.HasPrefix(first["UID"].(string), "urn:veeam:"+typ+":") {
			t.Errorf("GET %s: first ref %v", path, first)
		}
		id := strings.TrimPrefix(first["UID"].(string), "urn:veeam:"+typ+":")
		one := f.getJSON("GET", path+"/"+id+"?format=Entity", token, 200)
		if one["Name"] != first["Name"] || one["Type"] != typ {
			t.Errorf("GET %s/%s?format=Entity: %v", path, id, one)
		}
		f.getJSON("GET", path+"/00000000-0000-0000-0000-000000000000", token, 404)
		f.getJSON("GET", path, "", 401)
	}
}

// TestHrefUsesAddressedHost: links name the host the client addressed.
func TestHrefUsesAddressedHost(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	r := f.do("GET", "/api/", "", "application/json", func(req *http.Request) { req.Host = "em.example.org:443" })
	if r.status != 200 || !strings.Contains(string(r.body), "https://em.example.org:443/api/sessionMngr/") {
		t.Errorf("discovery through em.example.org: %d %s", r.status, r.body)
	}
}
