package veeam_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
	"github.com/vplay-dev/vplay/veeam"
	"github.com/vplay-dev/vplay/veeam/em"
	"github.com/vplay-dev/vplay/veeam/vbr"
	"github.com/vplay-dev/vplay/veeam/vspc"
)

// TestClientsAgainstSim runs the three clients against an in-process
// simulator over HTTPS with the certificate pinned by fingerprint.
func TestClientsAgainstSim(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := sim.New(sim.WithSessionDuration(100 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	env := s.Env()
	log := veeam.NewRequestLog()
	cfg := func(prefix string) veeam.Config {
		return veeam.Config{
			URL: env[prefix+"_URL"], Username: env[prefix+"_USERNAME"], Password: env[prefix+"_PASSWORD"],
			TLS: veeam.TLS{Fingerprint: s.Fingerprint()}, Log: log,
			Retry: veeam.RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond},
		}
	}
	fast := veeam.AwaitOptions{PollMin: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, Timeout: 10 * time.Second}

	t.Run("wrong fingerprint", func(t *testing.T) {
		c := cfg("VBR")
		c.TLS.Fingerprint = "sha256:" + strings.Repeat("00", 32)
		client, err := vbr.New(c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Get(ctx, "/api/v1/serverInfo", nil)
		var fe *veeam.FingerprintError
		if !errors.As(err, &fe) || fe.Presented != s.Fingerprint() {
			t.Fatalf("Get() error = %v, want FingerprintError presenting %s", err, s.Fingerprint())
		}
	})

	t.Run("vbr", func(t *testing.T) {
		c, err := vbr.New(cfg("VBR"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := c.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		repos, err := c.List(ctx, "/api/v1/backupInfrastructure/repositories", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(repos) == 0 {
			t.Fatal("no repositories in the default seed")
		}
		servers, err := c.List(ctx, "/api/v1/backupInfrastructure/managedServers", nil)
		if err != nil {
			t.Fatal(err)
		}
		hostID := ""
		for _, m := range servers {
			if veeam.String(m, "type") == "WindowsHost" {
				hostID = veeam.String(m, "id")
				break
			}
		}
		if hostID == "" {
			t.Fatal("no WindowsHost managed server in the default seed")
		}
		spec := veeam.Doc{
			"name": "repo-simclient", "description": "created by the client test", "type": "WinLocal", "hostId": hostID,
			"repository": veeam.Doc{"path": `E:\Backups`, "taskLimitEnabled": true, "maxTaskCount": 2},
			"mountServer": veeam.Doc{"mountServerSettingsType": "windows",
				"windows": veeam.Doc{"mountServerId": hostID, "writeCacheFolder": `E:\ViCache`, "vPowerNFSEnabled": true}},
		}
		resp, err := c.Post(ctx, "/api/v1/backupInfrastructure/repositories", nil, spec)
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
		if veeam.String(final, "state") != "Stopped" || len(seen) == 0 {
			t.Errorf("final state %q after progress %v", veeam.String(final, "state"), seen)
		}
		// The simulator's clock jumps past the 900s token lifetime: the next
		// call gets 401 and the client logs in again transparently.
		before := log.Counts()["POST /api/oauth2/token"]
		s.Advance(16 * time.Minute)
		after, err := c.List(ctx, "/api/v1/backupInfrastructure/repositories", map[string][]string{"nameFilter": {"repo-simclient"}})
		if err != nil || len(after) != 1 {
			t.Errorf("repository after create: %d found, %v", len(after), err)
		}
		if got := log.Counts()["POST /api/oauth2/token"]; got != before+1 {
			t.Errorf("token calls after expiry = %d, want %d", got, before+1)
		}
	})

	t.Run("em", func(t *testing.T) {
		c, err := em.New(cfg("EM"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := c.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		jobs, err := c.List(ctx, "/api/agents/jobs", nil)
		skipIfNotSimulated(t, err)
		if err != nil {
			t.Fatal(err)
		}
		jobID := ""
		for _, j := range jobs {
			if veeam.String(j, "Name") == "Oracle Backup" {
				jobID = strings.TrimPrefix(veeam.String(j, "UID"), "urn:veeam:AgentBackupJob:")
			}
		}
		if jobID == "" {
			t.Fatalf("no Oracle Backup job among %d", len(jobs))
		}
		task, err := c.StartAction(ctx, "/api/agents/jobs/"+jobID, "retry")
		if err != nil {
			t.Fatal(err)
		}
		done, err := c.AwaitTask(ctx, em.TaskID(task), fast)
		if err != nil {
			t.Fatalf("AwaitTask: %v", err)
		}
		if ok, _ := veeam.Bool(done, "Result", "Success"); !ok {
			t.Errorf("task result = %v, want Success", done["Result"])
		}
	})

	t.Run("vspc", func(t *testing.T) {
		c, err := vspc.New(cfg("VSPC"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := c.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		agents, err := c.List(ctx, "/api/v3/infrastructure/backupAgents", nil)
		skipIfNotSimulated(t, err)
		if err != nil {
			t.Fatal(err)
		}
		if len(agents) == 0 {
			t.Fatal("no backup agents in the default seed")
		}
		uid := veeam.String(agents[0], "instanceUid")
		rid := vspc.NewRequestID()
		resp, err := c.Post(ctx, "/api/v3/infrastructure/backupAgents/"+uid+"/restart", nil, nil, rid)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusAccepted || resp.Location == "" {
			t.Fatalf("restart = %d Location %q, want 202 with Location", resp.Status, resp.Location)
		}
		if _, err := c.AwaitAction(ctx, vspc.ActionID(resp.Location), fast); err != nil {
			t.Fatalf("AwaitAction: %v", err)
		}
	})

	counts := log.Counts()
	for _, k := range []string{"POST /api/oauth2/token", "GET /api/v1/sessions/{id}", "POST /api/oauth2/logout"} {
		if counts[k] == 0 {
			t.Errorf("request log has no %q: %v", k, counts)
		}
	}
}

// skipIfNotSimulated skips while the simulator does not serve an API yet
// (its placeholder listener answers "not simulated yet"); once the API is
// wired into package sim the subtest runs in full.
func skipIfNotSimulated(t *testing.T, err error) {
	t.Helper()
	var apiErr *veeam.APIError
	if errors.As(err, &apiErr) && strings.Contains(apiErr.Message, "not simulated yet") {
		t.Skipf("simulator does not serve %s yet: %v", apiErr.API, err)
	}
}
