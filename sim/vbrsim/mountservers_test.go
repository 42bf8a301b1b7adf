package vbrsim_test

import (
	"net/http"
	"testing"
)

const mountPath = "/api/v1/backupInfrastructure/mountServers"

// TestMountServers: the backup server is the default Windows mount server
// from the seed; POST assigns the role to a managed server (its id is the
// host's, the type the host's OS, the vendor example's settings filled)
// when its session ends; PUT changes the settings, never the type;
// POST /{id}/default moves the default of that type; there is no DELETE;
// 1.3-rev0 spells the type in lower case.
func TestMountServers(t *testing.T) {
	t.Parallel()
	s, clock, c := startSim(t)

	st, list := c.do(http.MethodGet, mountPath, nil)
	if st != http.StatusOK || len(asItems(list)) != 1 || field(asItems(list)[0], "id") != vbr01 ||
		field(asItems(list)[0], "type") != "Windows" || field(asItems(list)[0], "isDefault") != true {
		t.Fatalf("seeded mount servers: %d %v", st, list)
	}

	// Unknown host: 404; a host that is already one: 400.
	if st, body := c.do(http.MethodPost, mountPath, map[string]any{"hostId": "00000000-0000-4000-8000-000000000001"}); st != http.StatusNotFound {
		t.Errorf("unknown host: %d %v", st, body)
	}
	if st, body := c.do(http.MethodPost, mountPath, map[string]any{"hostId": vbr01}); st != http.StatusBadRequest {
		t.Errorf("backup server again: %d %v", st, body)
	}

	st, sess := c.do(http.MethodPost, mountPath, map[string]any{"hostId": linux01, "setAsDefault": true,
		"settings": map[string]any{"writeCacheFolder": "/cache"}})
	if st != http.StatusCreated || field(sess, "sessionType") != "Infrastructure" {
		t.Fatalf("create: %d %v", st, sess)
	}
	if st, _ := c.do(http.MethodGet, mountPath+"/"+linux01, nil); st != http.StatusNotFound {
		t.Errorf("mount server before its session ended: %d, want 404", st)
	}
	if st, body := c.do(http.MethodPost, mountPath, map[string]any{"hostId": linux01}); st != http.StatusBadRequest {
		t.Errorf("second create while the first runs: %d %v", st, body)
	}
	if s := c.await(clock, sess); field(s, "result", "result") != "Success" {
		t.Fatalf("create session: %v", s)
	}
	st, ms := c.do(http.MethodGet, mountPath+"/"+linux01, nil)
	if st != http.StatusOK || field(ms, "type") != "Linux" || field(ms, "isDefault") != true ||
		field(ms, "settings", "writeCacheFolder") != "/cache" || field(ms, "settings", "vPowerNFSPortSettings", "mountPort") != float64(1058) {
		t.Fatalf("created: %d %v", st, ms)
	}

	// PUT: new settings; the type cannot change.
	ms["settings"].(map[string]any)["writeCacheFolder"] = "/cache2"
	st, sess = c.do(http.MethodPut, mountPath+"/"+linux01, ms)
	if st != http.StatusCreated {
		t.Fatalf("update: %d %v", st, sess)
	}
	c.await(clock, sess)
	if _, ms = c.do(http.MethodGet, mountPath+"/"+linux01, nil); field(ms, "settings", "writeCacheFolder") != "/cache2" {
		t.Errorf("after update: %v", ms)
	}
	ms["type"] = "Windows"
	if st, body := c.do(http.MethodPut, mountPath+"/"+linux01, ms); st != http.StatusBadRequest {
		t.Errorf("type change: %d %v", st, body)
	}
	if st, _ := c.do(http.MethodDelete, mountPath+"/"+linux01, nil); st != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d, want 405 (the vendor has none)", st)
	}

	// Defaults: one per type.
	if _, d := c.do(http.MethodGet, mountPath+"/default", nil); len(asItems(d)) != 2 {
		t.Errorf("defaults: %v", d)
	}
	if st, _ := c.do(http.MethodPost, mountPath+"/"+linux01+"/default", nil); st != http.StatusCreated {
		t.Errorf("set default: %d", st)
	}
	if st, l := c.do(http.MethodGet, mountPath+"?isDefaultFilter=true&typeFilter=Linux", nil); st != http.StatusOK || len(asItems(l)) != 1 {
		t.Errorf("filtered: %d %v", st, l)
	}

	old := newClient(t, s, "1.3-rev0")
	old.login("admin")
	if _, ms := old.do(http.MethodGet, mountPath+"/"+linux01, nil); field(ms, "type") != "linux" {
		t.Errorf("1.3-rev0 type: %v", ms)
	}
}

func asItems(body map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range body["data"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}
