package vbrsim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/sim"
)

// TestRepositoryDefaults: a repository created through the API reads back
// with the defaults the vendor model shows, and without the unknown fields
// the request carried.
func TestRepositoryDefaults(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	spec := linuxRepoSpec("repo-defaults")
	spec["bogus"] = "kept?"
	spec["repository"].(map[string]any)["alsoBogus"] = 1
	delete(spec["mountServer"].(map[string]any)["windows"].(map[string]any), "vPowerNFSPortSettings")
	st, s := admin.do(http.MethodPost, reposPath, spec)
	if st != 201 {
		t.Fatalf("create: %d %v", st, s)
	}
	admin.await(clock, s)
	_, repo := admin.do(http.MethodGet, reposPath+"/"+idNamed(admin, reposPath, "repo-defaults"), nil)
	for _, path := range [][]string{
		{"repository", "advancedSettings", "perVmBackup"},
		{"repository", "readWriteLimitEnabled"},
		{"mountServer", "windows", "vPowerNFSPortSettings", "mountPort"},
	} {
		if field(repo, path...) == nil {
			t.Errorf("repository lacks the default %s: %v", strings.Join(path, "."), repo)
		}
	}
	if repo["bogus"] != nil || field(repo, "repository", "alsoBogus") != nil {
		t.Errorf("unknown fields stored and echoed: %v", repo)
	}
	if field(repo, "repository", "path") != "/backups/repo-defaults" || field(repo, "repository", "maxTaskCount") != 4.0 {
		t.Errorf("sent values not kept: %v", repo["repository"])
	}

	sobr := map[string]any{"name": "sobr-defaults", "description": "", "performanceTier": map[string]any{
		"performanceExtents": []any{map[string]any{"id": "4e2a20fc-487d-44ed-a5a8-8058c62bc3a0"}}}}
	st, s = admin.do(http.MethodPost, sobrPath, sobr)
	if st != 201 {
		t.Fatalf("create sobr: %d %v", st, s)
	}
	admin.await(clock, s)
	_, got := admin.do(http.MethodGet, sobrPath+"/"+idNamed(admin, sobrPath, "sobr-defaults"), nil)
	for _, k := range []string{"capacityTier", "archiveTier", "placementPolicy"} {
		if got[k] == nil {
			t.Errorf("scale-out repository lacks the default %s: %v", k, got)
		}
	}
}

// TestAccessTokenIsJWT: the access token's payload decodes, with exp.
func TestAccessTokenIsJWT(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	parts := strings.Split(admin.token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", admin.token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload: %v", err)
	}
	var claims struct {
		Exp  int64  `json:"exp"`
		Name string `json:"unique_name"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("payload %s: %v", raw, err)
	}
	if want := clock.Now().Add(900e9).Unix(); claims.Exp != want || claims.Name != "admin" {
		t.Errorf("claims %s: want exp %d and unique_name admin", raw, want)
	}
}

// TestIDsRandomPerProcess: two fresh simulators hand out different ids;
// with the same --rand-seed they hand out the same.
func TestIDsRandomPerProcess(t *testing.T) {
	t.Parallel()
	created := func(opts ...sim.Option) string {
		_, _, admin := startSim(t, opts...)
		_, s := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-id"))
		id, _ := s["id"].(string)
		return id
	}
	if a, b := created(), created(); a == b {
		t.Errorf("two simulators created the same id %s", a)
	}
	if a, b := created(sim.WithRandSeed(7)), created(sim.WithRandSeed(7)); a != b {
		t.Errorf("same seed, different ids: %s %s", a, b)
	}
}

// TestTimestampPrecision: date-times carry at most 7 fractional digits.
func TestTimestampPrecision(t *testing.T) {
	t.Parallel()
	_, clock, admin := startSim(t)
	clock.Advance(123456789) // 0.123456789 s
	_, s := admin.do(http.MethodPost, reposPath, linuxRepoSpec("repo-time"))
	done := admin.await(clock, s)
	frac := regexp.MustCompile(`\.(\d+)`)
	for _, k := range []string{"creationTime", "endTime"} {
		v, _ := done[k].(string)
		if m := frac.FindStringSubmatch(v); m != nil && len(m[1]) > 7 {
			t.Errorf("%s = %q has more than 7 fractional digits", k, v)
		}
	}
}
