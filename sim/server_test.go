package sim_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vplay-dev/vplay/sim"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)} }

func start(t *testing.T, opts ...sim.Option) *sim.Server {
	t.Helper()
	s, err := sim.New(append([]sim.Option{sim.WithStrict(true)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func httpClient(t *testing.T, s *sim.Server) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM())
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// vbr logs in as admin and returns a request function for the VBR API.
func vbr(t *testing.T, s *sim.Server) func(method, path string, body any) (int, http.Header, map[string]any) {
	hc := httpClient(t, s)
	token := ""
	do := func(method, path string, body any) (int, http.Header, map[string]any) {
		t.Helper()
		var r io.Reader
		ct := "application/json"
		switch b := body.(type) {
		case nil:
		case url.Values:
			r, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
		default:
			j, _ := json.Marshal(b)
			r = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, s.URLs().VBR+path, r)
		req.Header.Set("x-api-version", "1.3-rev2")
		req.Header.Set("Content-Type", ct)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, resp.Header, m
	}
	st, _, tok := do(http.MethodPost, "/api/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"Passw0rd!"}})
	if st != 200 {
		t.Fatalf("login: %d %v", st, tok)
	}
	token = tok["access_token"].(string)
	return do
}

func control(t *testing.T, s *sim.Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.URLs().VBR+path, r)
	resp, err := httpClient(t, s).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

const repos = "/api/v1/backupInfrastructure/repositories"

func repoSpec(name string) map[string]any {
	return map[string]any{
		"name": name, "description": "", "type": "LinuxLocal", "hostId": "3251ddfc-3691-4d20-a43e-860dc275147e",
		"repository": map[string]any{"path": "/backups/" + name},
	}
}

func TestServerIdentity(t *testing.T) {
	t.Parallel()
	s := start(t, sim.WithPassword("s3cret"))
	block, _ := pem.Decode(s.CertPEM())
	if block == nil {
		t.Fatal("CertPEM has no PEM block")
	}
	sum := sha256.Sum256(block.Bytes)
	if want := "sha256:" + hex.EncodeToString(sum[:]); s.Fingerprint() != want {
		t.Errorf("Fingerprint = %s, want %s", s.Fingerprint(), want)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"localhost"}, cert.DNSNames); diff != "" {
		t.Errorf("DNS SANs (-want +got):\n%s", diff)
	}
	if len(cert.IPAddresses) != 2 {
		t.Errorf("IP SANs = %v, want 127.0.0.1 and ::1", cert.IPAddresses)
	}
	env := s.Env()
	u := s.URLs()
	want := map[string]string{}
	for p, base := range map[string]string{"VBR_": u.VBR, "EM_": u.EM, "VSPC_": u.VSPC} {
		if !strings.HasPrefix(base, "https://127.0.0.1:") {
			t.Errorf("%sURL = %q", p, base)
		}
		want[p+"URL"], want[p+"USERNAME"], want[p+"PASSWORD"], want[p+"FINGERPRINT"] = base, "admin", "s3cret", s.Fingerprint()
	}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("Env (-want +got):\n%s", diff)
	}
}

func TestPlainHTTP(t *testing.T) {
	t.Parallel()
	s := start(t, sim.WithPlainHTTP(true))
	if !strings.HasPrefix(s.URLs().VBR, "http://") {
		t.Fatalf("URL = %s", s.URLs().VBR)
	}
	resp, err := http.Get(s.URLs().VBR + "/api/v1/backupInfrastructure/repositories")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 { // no x-api-version
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state.json")
	clock := newClock()
	opts := []sim.Option{sim.WithStateFile(state), sim.WithClock(clock), sim.WithSessionDuration(time.Second)}
	s1, err := sim.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	do := vbr(t, s1)
	if st, _, b := do(http.MethodPost, repos, repoSpec("repo-persist")); st != 201 {
		t.Fatalf("create: %d %v", st, b)
	}
	clock.Advance(2 * time.Second)
	_, _, before := do(http.MethodGet, repos+"?orderColumn=Name", nil)
	if err := s1.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s2 := start(t, opts...)
	_, _, after := vbr(t, s2)(http.MethodGet, repos+"?orderColumn=Name", nil)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("repositories after restart (-before +after):\n%s", diff)
	}
	if !strings.Contains(fmtNames(after), "repo-persist") {
		t.Errorf("repo-persist missing after restart: %s", fmtNames(after))
	}
	// Ids generated after the restart do not collide with earlier ones.
	_, _, created := vbr(t, s2)(http.MethodPost, repos, repoSpec("repo-second"))
	for _, d := range after["data"].([]any) {
		if d.(map[string]any)["id"] == created["id"] {
			t.Errorf("session id %v reuses an object id after restart", created["id"])
		}
	}
}

func fmtNames(list map[string]any) string {
	var out []string
	data, _ := list["data"].([]any)
	for _, d := range data {
		out = append(out, d.(map[string]any)["name"].(string))
	}
	return strings.Join(out, ",")
}

func TestFaultRuleAnswersNTimes(t *testing.T) {
	t.Parallel()
	s := start(t)
	do := vbr(t, s)
	st, rule := control(t, s, http.MethodPost, "/_sim/faults", sim.FaultRule{Method: "GET", Path: repos + "*", Times: 2, Status: 503, RetryAfter: 7})
	if st != 201 || rule["api"] != "vbr" {
		t.Fatalf("add fault: %d %v", st, rule)
	}
	var got []int
	for range 3 {
		st, h, body := do(http.MethodGet, repos, nil)
		got = append(got, st)
		if st == 503 && (h.Get("Retry-After") != "7" || body["errorCode"] != "ServiceUnavailable") {
			t.Errorf("fault answer: Retry-After %q body %v", h.Get("Retry-After"), body)
		}
	}
	if diff := cmp.Diff([]int{503, 503, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	_, faults := control(t, s, http.MethodGet, "/_sim/faults", nil)
	if used := faults["faults"].([]any)[0].(map[string]any)["used"]; used != float64(2) {
		t.Errorf("used = %v", used)
	}
	if st, _ := control(t, s, http.MethodPost, "/_sim/faults", map[string]any{"path": ""}); st != 400 {
		t.Errorf("invalid rule: %d, want 400", st)
	}
}

func TestDroppedConnection(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.AddFault(sim.FaultRule{Path: "/api/v1/sessions", Times: 1, Drop: true})
	hc := httpClient(t, s)
	req, _ := http.NewRequest(http.MethodGet, s.URLs().VBR+"/api/v1/sessions", nil)
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Status != 0 {
		t.Errorf("log of a dropped request: %+v", reqs)
	}
}

func TestRandomFaultRate(t *testing.T) {
	t.Parallel()
	s := start(t, sim.WithFaultRate(1), sim.WithFaultSeed(7))
	hc := httpClient(t, s)
	seen := map[string]bool{}
	for range 40 {
		req, _ := http.NewRequest(http.MethodGet, s.URLs().VBR+"/api/v1/sessions", nil)
		resp, err := hc.Do(req)
		if err != nil {
			seen["drop"] = true
			continue
		}
		resp.Body.Close()
		seen[resp.Status[:3]] = true
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if diff := cmp.Diff(map[string]bool{"500": true, "503": true, "429": true, "drop": true}, seen); diff != "" {
		t.Errorf("fault kinds over 40 requests (-want +got):\n%s", diff)
	}
	// The control API is never faulted.
	if st, _ := control(t, s, http.MethodGet, "/_sim/state", nil); st != 200 {
		t.Errorf("control under faults: %d", st)
	}
}

func TestFailSessionsFromSeed(t *testing.T) {
	t.Parallel()
	clock := newClock()
	seed := []byte(`
faults:
  - api: vbr
    method: POST
    path: /api/v1/backupInfrastructure/repositories
    times: 1
    failSession: Disk is full.
`)
	s := start(t, sim.WithSeedYAML(seed), sim.WithClock(clock), sim.WithSessionDuration(time.Second))
	do := vbr(t, s)
	_, _, sess := do(http.MethodPost, repos, repoSpec("repo-full"))
	clock.Advance(2 * time.Second)
	_, _, done := do(http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), nil)
	res := done["result"].(map[string]any)
	if res["result"] != "Failed" || res["message"] != "Disk is full." {
		t.Errorf("session result %v", res)
	}
	// The default VBR seed still applies: the seed file has no vbr section.
	_, _, list := do(http.MethodGet, repos+"?nameFilter=Default*", nil)
	if fmtNames(list) != "Default Backup Repository" {
		t.Errorf("default seed: %s", fmtNames(list))
	}
	// --fail-sessions 1 fails every session.
	s2 := start(t, sim.WithFailSessions(1), sim.WithClock(clock), sim.WithSessionDuration(time.Second))
	do2 := vbr(t, s2)
	_, _, sess = do2(http.MethodPost, repos, repoSpec("repo-x"))
	clock.Advance(2 * time.Second)
	_, _, done = do2(http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), nil)
	if done["result"].(map[string]any)["result"] != "Failed" {
		t.Errorf("--fail-sessions 1: %v", done["result"])
	}
}

func TestSeedErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"unknown section": "vbx: {}\n",
		"bad fault":       "faults:\n  - status: 500\n",
		"not a mapping":   "- 1\n",
		"bad collection":  "vbr:\n  widgets: []\n",
	}
	for name, seed := range tests {
		if _, err := sim.New(sim.WithSeedYAML([]byte(seed))); err == nil {
			t.Errorf("%s: New accepted %q", name, seed)
		}
	}
}

func TestControlAPI(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, sim.WithClock(clock), sim.WithTokenTTL(time.Minute))
	do := vbr(t, s)
	do(http.MethodGet, repos, nil)
	do(http.MethodGet, repos+"/88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec", nil)
	_, reqs := control(t, s, http.MethodGet, "/_sim/requests", nil)
	want := map[string]any{
		"POST /api/oauth2/token": float64(1),
		"GET " + repos:           float64(1),
		"GET " + repos + "/{id}": float64(1),
	}
	if diff := cmp.Diff(want, reqs["counts"]); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if st, _ := control(t, s, http.MethodDelete, "/_sim/requests", nil); st != 204 || len(s.Requests()) != 0 {
		t.Errorf("reset: %d, %d requests left", st, len(s.Requests()))
	}

	// Mutate changes live state without a session.
	st, _ := control(t, s, http.MethodPost, "/_sim/mutate", map[string]any{
		"api": "vbr", "collection": "repositories", "name": "Linux Backup Repository", "merge": map[string]any{"description": "drifted"}})
	if st != 204 {
		t.Fatalf("mutate: %d", st)
	}
	_, _, repo := do(http.MethodGet, repos+"/4e2a20fc-487d-44ed-a5a8-8058c62bc3a0", nil)
	if repo["description"] != "drifted" {
		t.Errorf("description after mutate = %v", repo["description"])
	}
	if st, _ := control(t, s, http.MethodPost, "/_sim/mutate", map[string]any{"api": "vbr", "collection": "repositories", "name": "nope", "delete": true}); st != 400 {
		t.Errorf("mutate unknown object: %d", st)
	}
	_, state := control(t, s, http.MethodGet, "/_sim/state", nil)
	if _, ok := state["vbr"].(map[string]any)["repositories"]; !ok {
		t.Errorf("state has no vbr repositories: %v", state)
	}
	// Advance moves the clock: the token expires.
	if st, _ := control(t, s, http.MethodPost, "/_sim/advance", map[string]any{"duration": "2m"}); st != 200 {
		t.Fatalf("advance: %d", st)
	}
	if st, _, body := do(http.MethodGet, repos, nil); st != 401 || body["errorCode"] != "ExpiredToken" {
		t.Errorf("after advance: %d %v", st, body)
	}
	if st, _ := control(t, s, http.MethodGet, "/_sim/nope", nil); st != 404 {
		t.Errorf("unknown control endpoint: %d", st)
	}
}

// TestContractCheckBites proves requests are validated against the vendor
// OpenAPI: a wrong field type is refused with 400 and a vendor Error body
// produced by the contract, not by the API's own checks.
func TestContractCheckBites(t *testing.T) {
	t.Parallel()
	s := start(t)
	do := vbr(t, s)
	spec := repoSpec("repo-typed")
	spec["repository"].(map[string]any)["maxTaskCount"] = "four"
	st, _, body := do(http.MethodPost, repos, spec)
	msg, _ := body["message"].(string)
	if st != 400 || body["errorCode"] != "UnexpectedContent" || !strings.Contains(msg, "API contract") || !strings.Contains(msg, "maxTaskCount") {
		t.Errorf("wrong field type: %d %v", st, body)
	}
	// A query parameter of the wrong type too.
	if st, _, body := do(http.MethodGet, repos+"?limit=many", nil); st != 400 || body["errorCode"] != "UnexpectedContent" {
		t.Errorf("limit=many: %d %v", st, body)
	}
	if errs := s.ContractErrors(); len(errs) > 0 {
		t.Errorf("contract errors: %v", errs)
	}
}

// TestStrictResponseMismatch proves a response that breaks the contract is
// answered with 500 and recorded for the test to fail on.
func TestStrictResponseMismatch(t *testing.T) {
	t.Parallel()
	fake := sim.ContractFuncs{
		ValidateResponseFn: func(r *http.Request, status int, _ http.Header, _ []byte) error {
			if r.URL.Path == repos {
				return errors.New("data[0].name: value must be a string")
			}
			return nil
		},
	}
	s := start(t, sim.WithContract(func(string) (sim.Contract, error) { return fake, nil }))
	do := vbr(t, s)
	st, _, body := do(http.MethodGet, repos, nil)
	if st != 500 || !strings.Contains(body["message"].(string), "does not match the vendor contract") {
		t.Errorf("mismatching response: %d %v", st, body)
	}
	errs := s.ContractErrors()
	if len(errs) != 1 || !strings.Contains(errs[0], "value must be a string") {
		t.Errorf("ContractErrors = %v", errs)
	}
	// Without strict mode responses are not checked.
	s2 := start(t, sim.WithStrict(false), sim.WithContract(func(string) (sim.Contract, error) { return fake, nil }))
	if st, _, _ := vbr(t, s2)(http.MethodGet, repos, nil); st != 200 {
		t.Errorf("non-strict: %d", st)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	s := start(t, sim.WithLatency(30*time.Millisecond))
	hc := httpClient(t, s)
	begin := time.Now()
	resp, err := hc.Get(s.URLs().VBR + "/api/v1/sessions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(begin); d < 30*time.Millisecond {
		t.Errorf("request took %v, want at least the 30ms latency", d)
	}
}
