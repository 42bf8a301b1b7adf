package veeam_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/sim/vbrsim"
	"github.com/vplay-dev/vplay/sim/vspcsim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
	"github.com/vplay-dev/vplay/veeam/vbr"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// The tests in this file run the three clients against an in-process
// simulator over HTTPS, with the certificate pinned by fingerprint and the
// simulator in strict mode: every VBR response is checked against the
// vendor OpenAPI, and each simulator must record no contract error. Every
// subtest has its own simulator, so faults and clock jumps stay local.

const (
	reposPath   = "/api/v1/backupInfrastructure/repositories"
	serversPath = "/api/v1/backupInfrastructure/managedServers"
	jobsPath    = "/api/agents/jobs"
	agentsPath  = "/api/v3/infrastructure/backupAgents"
	seededCount = 1000 // objects added to a kind by bigSeed
)

// startSim starts a strict simulator whose operations take about 100ms.
// Cleanup closes it and fails the test if any response broke the vendor
// contract.
func startSim(t *testing.T, opts ...sim.Option) *sim.Server {
	t.Helper()
	opts = append([]sim.Option{sim.WithStrict(true), sim.WithSessionDuration(100 * time.Millisecond)}, opts...)
	s, err := sim.New(opts...)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatalf("sim Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := s.Close(); err != nil {
			t.Errorf("sim Close: %v", err)
		}
		if errs := s.ContractErrors(); len(errs) > 0 {
			t.Errorf("simulator contract errors (want none):\n%s", strings.Join(errs, "\n"))
		}
	})
	return s
}

// clientConfig is the target of one simulated API ("VBR", "EM", "VSPC")
// with the certificate pinned and fast retries.
func clientConfig(s *sim.Server, prefix string, log *veeam.RequestLog) veeam.Config {
	env := s.Env()
	return veeam.Config{
		URL: env[prefix+"_URL"], Username: env[prefix+"_USERNAME"], Password: env[prefix+"_PASSWORD"],
		TLS: veeam.TLS{Fingerprint: env[prefix+"_FINGERPRINT"]}, Log: log,
		Retry: veeam.RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond},
	}
}

// fast polls often and gives up long before the test's deadline.
var fast = veeam.AwaitOptions{PollMin: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, Timeout: 10 * time.Second}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// closeClient closes a client at the end of the test and reports a failed
// logout.
func closeClient(t *testing.T, c interface{ Close(context.Context) error }) {
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// testClock is the real clock moved forward by Advance, as the simulator's
// is by sim.Server.Advance. It records every wait it is asked for and
// shortens it to at most 50ms, so a Retry-After of seconds costs
// milliseconds while polling still paces itself against the server.
type testClock struct {
	offset atomic.Int64
	mu     sync.Mutex
	waits  []time.Duration
}

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return time.After(min(d, 50*time.Millisecond))
}

func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

func (c *testClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

// syncBuffer is a debug-trace sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// bigSeed returns a seed with the default VBR and VSPC sections plus
// seededCount repositories ("big-repo-0000"...) and backup agents
// ("big-agent-0000"...). A generated repository is a copy of the seed's
// Linux repository, so it has every field the vendor model has.
func bigSeed(t *testing.T) []byte {
	t.Helper()
	section := func(y []byte) map[string]any {
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			t.Fatalf("default seed: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			t.Fatalf("default seed: %v", err)
		}
		return m
	}
	vbrSeed, vspcSeed := section(vbrsim.DefaultSeed), section(vspcsim.DefaultSeed)
	repos, _ := vbrSeed["repositories"].([]any)
	var model map[string]any
	for _, r := range repos {
		if m, _ := r.(map[string]any); m["type"] == "LinuxLocal" {
			model = m
			break
		}
	}
	if model == nil {
		t.Fatal("default vbr seed has no LinuxLocal repository to copy")
	}
	agents, _ := vspcSeed["backup_agents"].([]any)
	for i := range seededCount {
		b, _ := json.Marshal(model)
		var r map[string]any
		_ = json.Unmarshal(b, &r)
		r["id"] = fmt.Sprintf("%08x-0000-4000-8000-00000000b16a", i)
		r["name"] = fmt.Sprintf("big-repo-%04d", i)
		r["uniqueId"] = fmt.Sprintf("%08x00004000800000000000b16a", i)
		r["repository"].(map[string]any)["path"] = fmt.Sprintf("/backups/big/%04d", i)
		repos = append(repos, r)
		agents = append(agents, map[string]any{
			"instanceUid": fmt.Sprintf("%08x-0000-4000-8000-0000000a9e47", i),
			"name":        fmt.Sprintf("big-agent-%04d", i),
		})
	}
	vbrSeed["repositories"], vspcSeed["backup_agents"] = repos, agents
	b, err := json.Marshal(map[string]any{"vbr": vbrSeed, "vspc": vspcSeed})
	if err != nil {
		t.Fatal(err)
	}
	return b // JSON is YAML
}

// countPrefix counts the names in docs that start with prefix and reports
// the ones seen more than once.
func countPrefix(docs []veeam.Doc, key, prefix string) (n int, dups []string) {
	seen := map[string]int{}
	for _, d := range docs {
		if v := veeam.String(d, key); strings.HasPrefix(v, prefix) {
			seen[v]++
		}
	}
	for k, c := range seen {
		n++
		if c > 1 {
			dups = append(dups, k)
		}
	}
	return n, dups
}

// requests returns the simulator's log of one API, method and path
// template (a path works too for templates without parameters).
func requests(s *sim.Server, api, method, tmpl string) []sim.Request {
	var out []sim.Request
	for _, r := range s.Requests() {
		if r.API == api && r.Method == method && r.Template == tmpl {
			out = append(out, r)
		}
	}
	return out
}

func statuses(rs []sim.Request) []int {
	out := make([]int, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

// apiErrorOpts compares the fields of an *veeam.APIError a caller relies on.
var apiErrorOpts = cmpopts.IgnoreFields(veeam.APIError{}, "RequestID")

func TestVBRAgainstSim(t *testing.T) {
	t.Parallel()

	t.Run("wrong fingerprint", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		cfg := clientConfig(s, "VBR", nil)
		cfg.TLS.Fingerprint = "sha256:" + strings.Repeat("00", 32)
		c, err := vbr.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Get(ctx, "/api/v1/serverInfo", nil)
		var fe *veeam.FingerprintError
		if !errors.As(err, &fe) || fe.Presented != s.Fingerprint() {
			t.Fatalf("Get() error = %v, want FingerprintError presenting %s", err, s.Fingerprint())
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("%d requests reached the server through a wrong pin, want 0", n)
		}
	})

	for _, rev := range []string{"1.3-rev0", "1.3-rev2"} {
		t.Run("create and await a session "+rev, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			s := startSim(t)
			log := veeam.NewRequestLog()
			cfg := clientConfig(s, "VBR", log)
			cfg.APIVersion = rev
			c, err := vbr.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			closeClient(t, c)
			hostID := windowsHost(ctx, t, c)
			resp, err := c.Post(ctx, reposPath, nil, repoSpec("repo-simclient", hostID))
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			o := fast
			o.OnProgress = func(p veeam.Progress) { seen = append(seen, p.State) }
			final, err := c.AwaitSession(ctx, veeam.String(resp.Doc, "id"), o)
			if err != nil {
				t.Fatalf("AwaitSession: %v", err)
			}
			if veeam.String(final, "state") != "Stopped" || veeam.String(final, "result", "result") != "Success" ||
				len(seen) == 0 || seen[len(seen)-1] != "Stopped" {
				t.Errorf("final %s/%s after progress %v, want Stopped/Success", veeam.String(final, "state"),
					veeam.String(final, "result", "result"), seen)
			}
			got, err := c.List(ctx, reposPath, url.Values{"nameFilter": {"repo-simclient"}})
			if err != nil || len(got) != 1 {
				t.Fatalf("repository after the session: %d found, %v", len(got), err)
			}
			for _, r := range s.Requests() {
				if r.API == "vbr" && r.Status >= 400 {
					t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
				}
			}
			counts := log.Counts()
			for _, k := range []string{"POST /api/oauth2/token", "POST " + reposPath, "GET /api/v1/sessions/{id}"} {
				if counts[k] == 0 {
					t.Errorf("request log has no %q: %v", k, counts)
				}
			}
		})
	}

	t.Run("session that outlives the await timeout", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t, sim.WithSessionDuration(time.Hour))
		c, err := vbr.New(clientConfig(s, "VBR", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		resp, err := c.Post(ctx, reposPath, nil, repoSpec("repo-slow", windowsHost(ctx, t, c)))
		if err != nil {
			t.Fatal(err)
		}
		id := veeam.String(resp.Doc, "id")
		o := fast
		o.Timeout = 100 * time.Millisecond
		if _, err := c.AwaitSession(ctx, id, o); !errors.Is(err, veeam.ErrAwaitTimeout) {
			t.Fatalf("AwaitSession error = %v, want ErrAwaitTimeout", err)
		}
		// Waiting stopped; the session did not.
		d, err := c.Get(ctx, "/api/v1/sessions/"+id, nil)
		if err != nil || veeam.String(d, "state") == "Stopped" {
			t.Errorf("session after the await timeout: state %q, %v; want still running", veeam.String(d, "state"), err)
		}
		if n := len(requests(s, "vbr", http.MethodPost, "/api/v1/sessions/{id}/stop")); n != 0 {
			t.Errorf("stop requests = %d, want 0", n)
		}
	})

	t.Run("paging over 1000 repositories", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t, sim.WithSeedYAML(bigSeed(t)))
		cfg := clientConfig(s, "VBR", nil)
		cfg.PageSize = 50
		c, err := vbr.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		all, err := c.List(ctx, reposPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, dups := countPrefix(all, "name", "big-repo-")
		if n != seededCount || len(dups) > 0 {
			t.Errorf("List got %d of the %d seeded repositories, duplicates %v", n, seededCount, dups)
		}
		ids := map[string]bool{}
		for _, d := range all {
			ids[veeam.String(d, "id")] = true
		}
		if len(ids) != len(all) {
			t.Errorf("List returned %d objects but %d distinct ids", len(all), len(ids))
		}
		pages := requests(s, "vbr", http.MethodGet, reposPath)
		var gotQ []string
		for _, r := range pages {
			q, _ := url.ParseQuery(r.Query)
			gotQ = append(gotQ, q.Get("skip")+"/"+q.Get("limit"))
		}
		// Pages after the first are fetched concurrently: each once, in
		// any order.
		slices.SortFunc(gotQ, func(a, b string) int {
			x, _ := strconv.Atoi(strings.Split(a, "/")[0])
			y, _ := strconv.Atoi(strings.Split(b, "/")[0])
			return x - y
		})
		var wantQ []string
		for skip := 0; skip < len(all); skip += 50 {
			wantQ = append(wantQ, fmt.Sprintf("%d/50", skip))
		}
		if diff := cmp.Diff(wantQ, gotQ); diff != "" {
			t.Errorf("page requests skip/limit (-want +got):\n%s", diff)
		}
	})

	t.Run("failed session carries its log", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		const why = `Failed to access path E:\Backups: the device is not ready.`
		s := startSim(t)
		s.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodPost, Path: reposPath, Times: 1, FailSession: why})
		c, err := vbr.New(clientConfig(s, "VBR", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		resp, err := c.Post(ctx, reposPath, nil, repoSpec("repo-broken", windowsHost(ctx, t, c)))
		if err != nil {
			t.Fatal(err)
		}
		id := veeam.String(resp.Doc, "id")
		final, err := c.AwaitSession(ctx, id, fast)
		var ae *veeam.AsyncError
		if !errors.As(err, &ae) {
			t.Fatalf("AwaitSession error = %v, want *veeam.AsyncError", err)
		}
		want := &veeam.AsyncError{Kind: veeam.KindSession, ID: id, Name: veeam.String(resp.Doc, "name"),
			Result: "Failed", Message: why, Log: []string{why}}
		if diff := cmp.Diff(want, ae); diff != "" {
			t.Errorf("AwaitSession error (-want +got):\n%s", diff)
		}
		if veeam.String(final, "state") != "Stopped" {
			t.Errorf("final session state %q, want Stopped", veeam.String(final, "state"))
		}
		if n := len(requests(s, "vbr", http.MethodGet, "/api/v1/sessions/{id}/logs")); n != 1 {
			t.Errorf("session logs read %d times, want 1", n)
		}
		got, err := c.List(ctx, reposPath, url.Values{"nameFilter": {"repo-broken"}})
		if err != nil || len(got) != 0 {
			t.Errorf("repository of a failed session: %d found, %v; want none", len(got), err)
		}
	})

	t.Run("503 on GET is retried", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		s.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodGet, Path: serversPath, Times: 2, Status: http.StatusServiceUnavailable})
		c, err := vbr.New(clientConfig(s, "VBR", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		servers, err := c.List(ctx, serversPath, nil)
		if err != nil || len(servers) == 0 {
			t.Fatalf("List after two 503s: %d servers, %v", len(servers), err)
		}
		if diff := cmp.Diff([]int{503, 503, 200}, statuses(requests(s, "vbr", http.MethodGet, serversPath))); diff != "" {
			t.Errorf("statuses served (-want +got):\n%s", diff)
		}
	})

	t.Run("POST without an answer is not repeated", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		c, err := vbr.New(clientConfig(s, "VBR", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		hostID := windowsHost(ctx, t, c)
		s.AddFault(sim.FaultRule{API: "vbr", Method: http.MethodPost, Path: reposPath, Drop: true})
		_, err = c.Post(ctx, reposPath, nil, repoSpec("repo-lost", hostID))
		if !errors.Is(err, veeam.ErrUncertain) {
			t.Fatalf("Post with a dropped connection: error = %v, want ErrUncertain", err)
		}
		if diff := cmp.Diff([]int{0}, statuses(requests(s, "vbr", http.MethodPost, reposPath))); diff != "" {
			t.Errorf("POST requests that reached the server (status 0 = dropped) (-want +got):\n%s", diff)
		}
	})

	t.Run("token expiry mid-run", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		clock := &testClock{}
		trace := &syncBuffer{}
		cfg := clientConfig(s, "VBR", nil)
		cfg.Clock, cfg.Debug = clock, trace
		c, err := vbr.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		list := func(when string) {
			t.Helper()
			if got, err := c.List(ctx, serversPath, nil); err != nil || len(got) == 0 {
				t.Fatalf("List %s: %d servers, %v", when, len(got), err)
			}
		}
		tokenCalls := func() int { return len(requests(s, "vbr", http.MethodPost, "/api/oauth2/token")) }
		list("at start")
		// Both clocks pass the 900s lifetime: the client sees its token is
		// due and spends the refresh token before the call.
		clock.Advance(16 * time.Minute)
		s.Advance(16 * time.Minute)
		list("after the token lifetime")
		if got := tokenCalls(); got != 2 {
			t.Errorf("token calls = %d, want 2 (login, refresh)", got)
		}
		if n := strings.Count(trace.String(), "grant_type=refresh_token"); n != 1 {
			t.Errorf("refresh_token grants in the trace = %d, want 1", n)
		}
		// Only the server's clock moves: the client trusts its token, gets
		// 401 and logs in again transparently.
		s.Advance(16 * time.Minute)
		list("after a 401")
		if got := tokenCalls(); got != 3 {
			t.Errorf("token calls = %d, want 3 (login, refresh, login after 401)", got)
		}
		if diff := cmp.Diff([]int{200, 200, 401, 200}, statuses(requests(s, "vbr", http.MethodGet, serversPath))); diff != "" {
			t.Errorf("statuses of the list calls (-want +got):\n%s", diff)
		}
		if strings.Contains(trace.String(), s.Env()["VBR_PASSWORD"]) {
			t.Error("debug trace contains the password")
		}
	})
}

// windowsHost returns the id of a WindowsHost managed server.
func windowsHost(ctx context.Context, t *testing.T, c *vbr.Client) string {
	t.Helper()
	servers, err := c.List(ctx, serversPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range servers {
		if veeam.String(m, "type") == "WindowsHost" {
			return veeam.String(m, "id")
		}
	}
	t.Fatal("no WindowsHost managed server in the default seed")
	return ""
}

func repoSpec(name, hostID string) veeam.Doc {
	return veeam.Doc{
		"name": name, "description": "created by the client test", "type": "WinLocal", "hostId": hostID,
		"repository": veeam.Doc{"path": `E:\Backups`, "taskLimitEnabled": true, "maxTaskCount": 2},
		"mountServer": veeam.Doc{"mountServerSettingsType": "windows",
			"windows": veeam.Doc{"mountServerId": hostID, "writeCacheFolder": `E:\ViCache`, "vPowerNFSEnabled": true}},
	}
}

func TestEMAgainstSim(t *testing.T) {
	t.Parallel()

	t.Run("list and retry a failed job", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		c, err := em.New(clientConfig(s, "EM", nil))
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := c.List(ctx, jobsPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, j := range jobs {
			names = append(names, veeam.String(j, "Name"))
			// Entities, not references: they carry the job's settings.
			if veeam.String(j, "JobType") != "AgentBackup" || veeam.String(j, "Platform") == "" {
				t.Errorf("job %q is not an AgentBackupJob entity: %v", veeam.String(j, "Name"), j)
			}
		}
		slices.Sort(names)
		want := []string{"Linux Database Servers", "Linux Web Servers", "Oracle Backup", "SQL Servers Backup",
			"Windows Servers Backup", "Workstations Backup"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("agent jobs (-want +got):\n%s", diff)
		}
		if rs := requests(s, "em", http.MethodGet, jobsPath); len(rs) != 1 || rs[0].Query != "format=Entity" {
			t.Errorf("list requests %+v, want one with format=Entity", rs)
		}
		id := jobID(t, jobs, "Oracle Backup")
		task, err := c.StartAction(ctx, jobsPath+"/"+id, "retry")
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		o := fast
		o.OnProgress = func(p veeam.Progress) { states = append(states, p.State) }
		done, err := c.AwaitTask(ctx, em.TaskID(task), o)
		if err != nil {
			t.Fatalf("AwaitTask: %v", err)
		}
		if ok, _ := veeam.Bool(done, "Result", "Success"); !ok || veeam.String(done, "State") != "Finished" {
			t.Errorf("task %s result %v, want Finished with Success", veeam.String(done, "State"), done["Result"])
		}
		if got, want := veeam.String(done, "Result", "Message"), `Job "Oracle Backup" triggered to retry.`; got != want {
			t.Errorf("task message %q, want %q", got, want)
		}
		if len(states) == 0 || states[0] != "Running" {
			t.Errorf("task states %v, want Running first", states)
		}
		job, err := c.Get(ctx, jobsPath+"/"+id, url.Values{"format": {"Entity"}})
		if err != nil || veeam.String(job, "LastResult") != "Success" {
			t.Errorf("job after retry: LastResult %q, %v; want Success", veeam.String(job, "LastResult"), err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if diff := cmp.Diff([]int{204}, statuses(requests(s, "em", http.MethodDelete, "/api/logonSessions/{id}"))); diff != "" {
			t.Errorf("logoff (-want +got):\n%s", diff)
		}
		if rs := requests(s, "em", http.MethodPost, "/api/sessionMngr/"); len(rs) != 1 || rs[0].Query != "v=latest" || rs[0].Status != http.StatusCreated {
			t.Errorf("logons %+v, want one POST /api/sessionMngr/?v=latest answered 201", rs)
		}
	})

	t.Run("retry of a job that did not fail is refused", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		c, err := em.New(clientConfig(s, "EM", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		jobs, err := c.List(ctx, jobsPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := jobsPath + "/" + jobID(t, jobs, "SQL Servers Backup")
		_, err = c.StartAction(ctx, p, "retry")
		var got *veeam.APIError
		if !errors.As(err, &got) {
			t.Fatalf("StartAction error = %v, want *veeam.APIError", err)
		}
		want := &veeam.APIError{API: veeam.EM, Method: http.MethodPost, Path: p, Status: http.StatusBadRequest, Code: "BadRequest",
			Message: `Cannot retry job "SQL Servers Backup": only a job that finished with the Failed status can be retried (last result: Success)`}
		if diff := cmp.Diff(want, got, apiErrorOpts); diff != "" {
			t.Errorf("StartAction error (-want +got):\n%s", diff)
		}
		if n := len(requests(s, "em", http.MethodPost, jobsPath+"/{id}")); n != 1 {
			t.Errorf("retry sent %d times, want 1", n)
		}
	})

	t.Run("tasks belong to their logon session", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		owner, err := em.New(clientConfig(s, "EM", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, owner)
		other, err := em.New(clientConfig(s, "EM", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, other)
		jobs, err := owner.List(ctx, jobsPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		task, err := owner.StartAction(ctx, jobsPath+"/"+jobID(t, jobs, "Windows Servers Backup"), "retry")
		if err != nil {
			t.Fatal(err)
		}
		id := em.TaskID(task)
		if _, err := other.Get(ctx, "/api/tasks/"+id, nil); !veeam.IsStatus(err, http.StatusNotFound) {
			t.Errorf("task %s from a second logon session: error = %v, want 404", id, err)
		}
		if _, err := owner.AwaitTask(ctx, id, fast); err != nil {
			t.Errorf("AwaitTask in the owning session: %v", err)
		}
		if n := len(requests(s, "em", http.MethodPost, "/api/sessionMngr/")); n != 2 {
			t.Errorf("logons = %d, want 2 (one per client)", n)
		}
	})

	t.Run("logon session expires after 15 minutes idle", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		c, err := em.New(clientConfig(s, "EM", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		if _, err := c.List(ctx, jobsPath, nil); err != nil {
			t.Fatal(err)
		}
		s.Advance(emsimIdle + time.Minute)
		jobs, err := c.List(ctx, jobsPath, nil)
		if err != nil || len(jobs) == 0 {
			t.Fatalf("List after the session expired: %d jobs, %v", len(jobs), err)
		}
		if n := len(requests(s, "em", http.MethodPost, "/api/sessionMngr/")); n != 2 {
			t.Errorf("logons = %d, want 2 (the second after the 401)", n)
		}
		if diff := cmp.Diff([]int{200, 401, 200}, statuses(requests(s, "em", http.MethodGet, jobsPath))); diff != "" {
			t.Errorf("list statuses (-want +got):\n%s", diff)
		}
		// A task whose session expired cannot be seen by the new one: its
		// outcome is unknown, which is not the same as failed.
		task, err := c.StartAction(ctx, jobsPath+"/"+jobID(t, jobs, "Linux Web Servers"), "retry")
		if err != nil {
			t.Fatal(err)
		}
		s.Advance(emsimIdle + time.Minute)
		_, err = c.AwaitTask(ctx, em.TaskID(task), fast)
		var lost *em.UnknownOutcomeError
		if !errors.As(err, &lost) || !errors.Is(err, veeam.ErrUncertain) || lost.TaskID != em.TaskID(task) {
			t.Errorf("AwaitTask after expiry: error = %v, want *em.UnknownOutcomeError wrapping ErrUncertain", err)
		}
	})
}

// emsimIdle is Enterprise Manager's documented idle timeout of a logon
// session.
const emsimIdle = 15 * time.Minute

// jobID returns the bare guid of the agent job named name.
func jobID(t *testing.T, jobs []veeam.Doc, name string) string {
	t.Helper()
	for _, j := range jobs {
		if veeam.String(j, "Name") == name {
			return strings.TrimPrefix(veeam.String(j, "UID"), "urn:veeam:AgentBackupJob:")
		}
	}
	t.Fatalf("no agent job %q among %d", name, len(jobs))
	return ""
}

func TestVSPCAgainstSim(t *testing.T) {
	t.Parallel()

	t.Run("paging over 1000 backup agents", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t, sim.WithSeedYAML(bigSeed(t)))
		cfg := clientConfig(s, "VSPC", nil)
		cfg.PageSize = 50
		c, err := vspc.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		all, err := c.List(ctx, agentsPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, dups := countPrefix(all, "name", "big-agent-")
		if n != seededCount || len(dups) > 0 {
			t.Errorf("List got %d of the %d seeded agents, duplicates %v", n, seededCount, dups)
		}
		var gotQ, wantQ []string
		for _, r := range requests(s, "vspc", http.MethodGet, agentsPath) {
			q, _ := url.ParseQuery(r.Query)
			gotQ = append(gotQ, q.Get("offset")+"/"+q.Get("limit"))
		}
		for off := 0; off < len(all); off += 50 {
			wantQ = append(wantQ, fmt.Sprintf("%d/50", off))
		}
		if diff := cmp.Diff(wantQ, gotQ); diff != "" {
			t.Errorf("page requests offset/limit (-want +got):\n%s", diff)
		}
		if n := len(requests(s, "vspc", http.MethodPost, "/api/v3/token")); n != 1 {
			t.Errorf("token calls = %d, want 1 shared by every page", n)
		}
	})

	t.Run("async actions in flight share one poller", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		c, err := vspc.New(clientConfig(s, "VSPC", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		agents, err := c.List(ctx, agentsPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := min(len(agents), 8)
		if n < 4 {
			t.Fatalf("%d backup agents in the seed, want at least 4", len(agents))
		}
		ids := make([]string, n)
		for i, a := range agents[:n] {
			resp, err := c.Post(ctx, agentsPath+"/"+veeam.String(a, "instanceUid")+"/restart", nil, nil, "")
			if err != nil || resp.Status != http.StatusAccepted {
				t.Fatalf("restart %d = %v, %v; want 202", i, resp, err)
			}
			ids[i] = vspc.ActionID(resp.Location)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, id := range ids {
			wg.Go(func() { _, errs[i] = c.AwaitAction(ctx, id, fast) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("AwaitAction %d: %v", i, err)
			}
		}
		// Each action is read with its own GET only once the shared list
		// no longer shows it running (the old loop polled each one from
		// the start, at least twice for a 100ms action).
		gets := len(requests(s, "vspc", http.MethodGet, "/api/v3/asyncActions/{actionId}"))
		lists := len(requests(s, "vspc", http.MethodGet, "/api/v3/asyncActions"))
		t.Logf("%d actions: %d lists, %d action GETs", n, lists, gets)
		if lists == 0 || gets > n+n/2 {
			t.Errorf("%d actions awaited with %d lists and %d action GETs; want lists, and at most %d GETs", n, lists, gets, n+n/2)
		}
	})

	t.Run("restart as an async action", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		c, err := vspc.New(clientConfig(s, "VSPC", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		uid := agentUID(ctx, t, c, "ctso-sql01") // unhealthy in the default seed
		rid := vspc.NewRequestID()
		resp, err := c.Post(ctx, agentsPath+"/"+uid+"/restart", nil, nil, rid)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusAccepted || vspc.ActionID(resp.Location) != rid {
			t.Fatalf("restart = %d Location %q, want 202 with the action of request id %s", resp.Status, resp.Location, rid)
		}
		if got, err := c.AwaitAction(ctx, vspc.ActionID(resp.Location), fast); err != nil || got == nil {
			t.Fatalf("AwaitAction = %v, %v", got, err)
		}
		ag, err := c.Get(ctx, agentsPath+"/"+uid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := veeam.String(ag, "status") + "/" + veeam.String(ag, "managementAgentStatus"); got != "Active/Healthy" {
			t.Errorf("agent after restart %s, want Active/Healthy", got)
		}
		// The same request id within five minutes is answered from the
		// action, not restarted again.
		again, err := c.Post(ctx, agentsPath+"/"+uid+"/restart", nil, nil, rid)
		if err != nil || again.Status != http.StatusAccepted || again.Location != resp.Location {
			t.Errorf("replayed restart = %v, %v; want 202 with Location %s", again, err, resp.Location)
		}
		if ag, err = c.Get(ctx, agentsPath+"/"+uid, nil); err != nil || veeam.String(ag, "managementAgentStatus") != "Healthy" {
			t.Errorf("agent after a replayed restart: %v, %v; want still Healthy", ag, err)
		}
	})

	t.Run("restart refused with 520", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		const why = "Management agent is not responding."
		s := startSim(t)
		s.AddFault(sim.FaultRule{API: "vspc", Method: http.MethodPost, Path: agentsPath + "/*/restart", Times: 1,
			Status: http.StatusInternalServerError, Message: why})
		c, err := vspc.New(clientConfig(s, "VSPC", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		p := agentsPath + "/" + agentUID(ctx, t, c, "ctso-dc01") + "/restart"
		rid := vspc.NewRequestID()
		_, err = c.Post(ctx, p, nil, nil, rid)
		var got *veeam.APIError
		if !errors.As(err, &got) {
			t.Fatalf("restart error = %v, want *veeam.APIError", err)
		}
		want := &veeam.APIError{API: veeam.VSPC, Method: http.MethodPost, Path: p, Status: 520,
			Code: "retryableLogical 500", Message: why, RequestID: rid}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("restart error (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int{520}, statuses(requests(s, "vspc", http.MethodPost, agentsPath+"/{backupAgentUid}/restart"))); diff != "" {
			t.Errorf("restart requests (-want +got):\n%s", diff)
		}
	})

	t.Run("restart that fails on the server", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		const why = "Cannot restart backup agent ctso-dc01: access is denied."
		s := startSim(t)
		s.AddFault(sim.FaultRule{API: "vspc", Method: http.MethodPost, Path: agentsPath + "/*/restart", Times: 1, FailSession: why})
		c, err := vspc.New(clientConfig(s, "VSPC", nil))
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		resp, err := c.Post(ctx, agentsPath+"/"+agentUID(ctx, t, c, "ctso-dc01")+"/restart", nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		id := vspc.ActionID(resp.Location)
		_, err = c.AwaitAction(ctx, id, fast)
		var ae *veeam.AsyncError
		if !errors.As(err, &ae) {
			t.Fatalf("AwaitAction error = %v, want *veeam.AsyncError", err)
		}
		want := &veeam.AsyncError{Kind: veeam.KindAsyncAction, ID: id, Name: "RestartBackupAgent", Result: "failed", Message: why}
		if diff := cmp.Diff(want, ae); diff != "" {
			t.Errorf("AwaitAction error (-want +got):\n%s", diff)
		}
		// The stored 520 is the action's outcome: read once, not retried.
		if diff := cmp.Diff([]int{520}, statuses(requests(s, "vspc", http.MethodGet, "/api/v3/asyncActions/{actionId}/result"))); diff != "" {
			t.Errorf("result reads (-want +got):\n%s", diff)
		}
	})

	t.Run("429 with Retry-After is retried", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		s := startSim(t)
		s.AddFault(sim.FaultRule{API: "vspc", Method: http.MethodGet, Path: agentsPath, Times: 1,
			Status: http.StatusTooManyRequests, RetryAfter: 2})
		clock := &testClock{}
		cfg := clientConfig(s, "VSPC", nil)
		cfg.Clock = clock
		c, err := vspc.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		closeClient(t, c)
		agents, err := c.List(ctx, agentsPath, nil)
		if err != nil || len(agents) == 0 {
			t.Fatalf("List after a 429: %d agents, %v", len(agents), err)
		}
		if diff := cmp.Diff([]int{429, 200}, statuses(requests(s, "vspc", http.MethodGet, agentsPath))); diff != "" {
			t.Errorf("list statuses (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]time.Duration{2 * time.Second}, clock.Waits()); diff != "" {
			t.Errorf("client waits (-want +got):\n%s", diff)
		}
	})
}

// agentUID returns the instanceUid of the backup agent named name.
func agentUID(ctx context.Context, t *testing.T, c *vspc.Client, name string) string {
	t.Helper()
	agents, err := c.List(ctx, agentsPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if veeam.String(a, "name") == name {
			return veeam.String(a, "instanceUid")
		}
	}
	t.Fatalf("no backup agent %q among %d", name, len(agents))
	return ""
}
