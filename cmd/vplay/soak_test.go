package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/sim"
)

// soakPassword is the simulator's password in the soak: distinctive, so a
// leak is found by a plain search.
const soakPassword = "Soak-S3cret-7f3a9c"

// soakToken is a playbook the soak adds to the examples: a recovery token
// (deleted by hand between cycles, so it is created under faults every
// cycle) with its value in a token file.
const soakToken = `vplay: 1
name: soak-token
targets:
  vbr: { type: vbr, url: "${{ env.VBR_URL }}", username: "${{ env.VBR_USERNAME }}", password: "${{ secret('VBR_PASSWORD') }}", api_version: 1.3-rev0, tls: { fingerprint: "${{ env.VBR_FINGERPRINT }}" } }
resources:
  - kind: vbr.recovery_token
    name: soak-token
    spec:
      backups: ["Linux Agent Backup - linux-web01"]
      expirationDate: "2030-01-31T00:00:00Z"
    options:
      token_file: soak-token.txt
`

// soakConfig bounds a soak run.
type soakConfig struct {
	// Cycles is how many times every playbook is driven to convergence.
	Cycles int
	// Attempts bounds the applies per playbook and cycle.
	Attempts int
	// Seed is the simulator's fault seed (printed, to repeat a run).
	Seed uint64
	// LostAnswerRate, FaultRate and FailSessions are the simulator's.
	LostAnswerRate, FaultRate, FailSessions float64
}

// soakReport is what a soak prints.
type soakReport struct {
	Runs, Failed, Faults, Converged, Cycles, LockRefusals int
	Duplicates, LostOwed, SecretHits                      []string
}

func (r soakReport) String() string {
	return fmt.Sprintf("soak: runs %d (%d failed on faults and were re-run), faults injected %d, converged %d/%d, concurrent applies refused by the lock %d, duplicates %d, lost owed steps %d, secret hits %d",
		r.Runs, r.Failed, r.Faults, r.Converged, r.Cycles, r.LockRefusals, len(r.Duplicates), len(r.LostOwed), len(r.SecretHits))
}

// soakPlaybook is one playbook of the soak with what the checks need.
type soakPlaybook struct {
	path string
	// repos are the vbr.repository names it declares; owesRescan is set
	// when a rescan step is gated on changed("vbr.repository").
	repos      []string
	owesRescan bool
}

// runSoak drives every example playbook (and soakToken) to convergence
// against a simulator that loses answers after acting, fails sessions,
// expires tokens and refuses requests, with two applies of each playbook
// started at once, then counts duplicates, lost owed steps and secrets in
// everything vplay wrote.
func runSoak(t *testing.T, cfg soakConfig) soakReport {
	t.Helper()
	s, err := sim.New(sim.WithSessionDuration(30*time.Millisecond), sim.WithStrict(true),
		sim.WithFaultRate(cfg.FaultRate), sim.WithLostAnswerRate(cfg.LostAnswerRate), sim.WithFailSessions(cfg.FailSessions),
		sim.WithTokenTTL(2*time.Second), sim.WithPassword(soakPassword), sim.WithFaultSeed(cfg.Seed))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	work := t.TempDir()
	state := filepath.Join(work, "state")
	// playbooks/estate.yaml creates credentials from this secret.
	environ := []string{"XDG_STATE_HOME=" + state, "NO_COLOR=1", "HOME=" + work, "LINUX_ADMIN_PASSWORD=soak-linux-pw"}
	for k, v := range s.Env() {
		environ = append(environ, k+"="+v)
	}
	pbs := soakPlaybooks(t, work)

	var rep soakReport
	var outputs, last []string
	var mu sync.Mutex
	vplay := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{In: bytes.NewReader(nil), Out: &out, Err: &out}, environ)
		mu.Lock()
		rep.Runs++
		outputs = append(outputs, out.String())
		mu.Unlock()
		return code, out.String()
	}
	apply := []string{"apply", "--no-tui", "--auto-approve", "--allow-destructive"}
	lostSeen := map[string]bool{}
	for cycle := range cfg.Cycles {
		soakDrift(t, s, cycle)
		for _, pb := range pbs {
			rep.Cycles++
			// Two applies at once: the lock lets one through.
			var wg sync.WaitGroup
			outs := make([]string, 2)
			for i := range outs {
				wg.Go(func() { _, outs[i] = vplay(append(apply, pb.path)...) })
			}
			wg.Wait()
			for _, o := range outs {
				if strings.Contains(o, "apply refused: target") {
					rep.LockRefusals++
				}
			}
			converged := false
			for attempt := 0; attempt < cfg.Attempts && !converged; attempt++ {
				saved := filepath.Join(work, fmt.Sprintf("plan-%d-%d.json", cycle, attempt))
				code, out := vplay("plan", "--no-tui", "--debug", "--detailed-exitcode", "--out", saved, pb.path)
				switch code {
				case exitOK:
					converged = true
				case exitChanges:
					if code, out = vplay(append(apply, saved)...); code != exitOK {
						rep.Failed++
						last = append(last, fmt.Sprintf("apply exit %d: %s", code, lastLine(out)))
					}
				default:
					rep.Failed++
					last = append(last, fmt.Sprintf("plan exit %d: %s", code, lastLine(out)))
				}
			}
			if converged {
				rep.Converged++
			} else {
				t.Errorf("cycle %d: %s did not converge in %d attempts:\n%s", cycle, filepath.Base(pb.path), cfg.Attempts, strings.Join(last, "\n"))
			}
			last = last[:0]
			// Owed steps are checked per playbook and cycle: a later cycle's
			// rescan must not hide one lost now.
			if pb.owesRescan {
				for _, l := range soakLostOwed(simState(t, s), pb) {
					if !lostSeen[l] {
						lostSeen[l] = true
						rep.LostOwed = append(rep.LostOwed, fmt.Sprintf("cycle %d: %s", cycle, l))
					}
				}
			}
		}
	}
	rep.Faults = s.FaultsInjected()
	st := simState(t, s)
	rep.Duplicates = soakDuplicates(st, pbs)
	rep.SecretHits = soakSecrets(t, st, outputs, work)
	return rep
}

// soakPlaybooks lists playbooks/*.yaml and the soak's own token playbook.
func soakPlaybooks(t *testing.T, work string) []soakPlaybook {
	t.Helper()
	files, err := filepath.Glob("../../playbooks/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example playbooks: %v", err)
	}
	token := filepath.Join(work, "soak-token.yaml")
	if err := os.WriteFile(token, []byte(soakToken), 0o600); err != nil {
		t.Fatal(err)
	}
	var out []soakPlaybook
	for _, f := range append(files, token) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pb, ds := playbook.Parse(f, src, schema.Catalog(), playbook.Options{})
		if pb == nil || ds.HasErrors() {
			t.Fatalf("%s: %v", f, ds)
		}
		sp := soakPlaybook{path: f}
		for _, r := range pb.Resources {
			if r.Kind == "vbr.repository" {
				sp.repos = append(sp.repos, r.Names...)
			}
		}
		for _, st := range pb.Steps {
			if st.Action == "vbr.repository.rescan" && bytes.Contains(src, []byte(`changed("vbr.repository")`)) {
				sp.owesRescan = true
			}
		}
		out = append(out, sp)
	}
	return out
}

// soakDrift changes live state by hand between cycles: a repository's
// settings, and the soak token (deleted, so the next cycle creates it
// again under faults). Every third cycle moves the clock past every token's
// lifetime.
func soakDrift(t *testing.T, s *sim.Server, cycle int) {
	t.Helper()
	if cycle == 0 {
		return
	}
	if err := s.Mutate("vbr", "repositories", "quickstart-a", map[string]any{"repository": map[string]any{"maxTaskCount": cycle + 4}}, false); err != nil {
		t.Logf("drift: %v", err)
	}
	if err := s.Mutate("vbr", "recoveryTokens", "soak-token", nil, true); err != nil {
		t.Logf("drift: %v", err)
	}
	if cycle%3 == 0 {
		s.Advance(20 * time.Minute)
	}
}

// simState reads the simulator's whole state through its control API.
func simState(t *testing.T, s *sim.Server) map[string]map[string]json.RawMessage {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM())
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(s.URLs().VBR + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("sim state: %v", err)
	}
	return st
}

// simObject is the part of a simulated object the checks read.
type simObject struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	RecoveryToken string          `json:"recoveryToken"`
	Type          string          `json:"sessionType"`
	Created       time.Time       `json:"creationTime"`
	ResourceID    string          `json:"resourceId"`
	Op            string          `json:"op"`
	Args          json.RawMessage `json:"args"`
	Fail          bool            `json:"fail"`
	Done          bool            `json:"done"`
}

func objects(st map[string]map[string]json.RawMessage, api, collection string) []simObject {
	var out []simObject
	_ = json.Unmarshal(st[api][collection], &out)
	return out
}

// soakDuplicates counts objects that share an identity: two of the same
// name in a managed collection, and recovery tokens left under a
// server-generated name (a token created twice, once named).
func soakDuplicates(st map[string]map[string]json.RawMessage, pbs []soakPlaybook) []string {
	var dups []string
	for _, coll := range []string{"repositories", "scaleOutRepositories", "recoveryTokens"} {
		seen := map[string]int{}
		for _, o := range objects(st, "vbr", coll) {
			seen[o.Name]++
		}
		for name, n := range seen {
			if n > 1 {
				dups = append(dups, fmt.Sprintf("vbr %s %q: %d objects", coll, name, n))
			}
		}
	}
	for _, o := range objects(st, "vbr", "recoveryTokens") {
		if o.Name != "soak-token" && o.Name != "Recovery token for win-sql01" {
			dups = append(dups, fmt.Sprintf("vbr recoveryTokens: orphan %s named %q", o.ID, o.Name))
		}
	}
	slices.Sort(dups)
	return dups
}

// soakLostOwed finds a rescan owed and never run: for a playbook whose
// rescan is gated on changed("vbr.repository"), a successful save of one of
// its repositories after the last successful rescan that covered its
// repositories.
func soakLostOwed(st map[string]map[string]json.RawMessage, pb soakPlaybook) []string {
	ids := map[string]string{}
	for _, o := range objects(st, "vbr", "repositories") {
		if slices.Contains(pb.repos, o.Name) {
			ids[o.ID] = o.Name
		}
	}
	var lastSave, lastRescan time.Time
	var saved, saveID string
	for _, s := range objects(st, "vbr", "sessions") {
		if s.Fail || !s.Done {
			continue
		}
		switch s.Op {
		case "repo.save":
			if name, ok := ids[s.ResourceID]; ok && s.Created.After(lastSave) {
				lastSave, saved, saveID = s.Created, name, s.ID
			}
		case "repo.rescan":
			var args []string
			_ = json.Unmarshal(s.Args, &args)
			if slices.ContainsFunc(args, func(id string) bool { _, ok := ids[id]; return ok }) && s.Created.After(lastRescan) {
				lastRescan = s.Created
			}
		}
	}
	if lastSave.IsZero() || !lastRescan.Before(lastSave) {
		return nil
	}
	return []string{fmt.Sprintf("%s: %s changed by session %s, not rescanned since", filepath.Base(pb.path), saved, saveID)}
}

// soakSecrets searches every output, journal, lock file and saved plan for
// the simulator's password and every recovery token value (token files,
// meant to hold one, excepted).
func soakSecrets(t *testing.T, st map[string]map[string]json.RawMessage, outputs []string, work string) []string {
	t.Helper()
	secrets := []string{soakPassword}
	for _, o := range objects(st, "vbr", "recoveryTokens") {
		if o.RecoveryToken != "" {
			secrets = append(secrets, o.RecoveryToken)
		}
	}
	var hits []string
	check := func(where, text string) {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				hits = append(hits, fmt.Sprintf("%s holds a secret (%d characters)", where, len(s)))
			}
		}
	}
	for i, o := range outputs {
		check(fmt.Sprintf("output of run %d", i+1), o)
	}
	err := filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "soak-token.txt") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		check(p, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// checkSoak fails the test on any duplicate, lost owed step or secret hit,
// naming each.
func checkSoak(t *testing.T, rep soakReport) {
	t.Helper()
	for _, d := range rep.Duplicates {
		t.Errorf("duplicate: %s", d)
	}
	for _, l := range rep.LostOwed {
		t.Errorf("lost owed step: %s", l)
	}
	for _, h := range rep.SecretHits {
		t.Errorf("secret hit: %s", h)
	}
}

// TestSoakSmoke is the short soak `make test` runs: one cycle over every
// example playbook with every fault kind (`make soak` runs many).
func TestSoakSmoke(t *testing.T) {
	t.Parallel()
	start := time.Now()
	rep := runSoak(t, soakConfig{Cycles: 1, Attempts: 8, Seed: 11, LostAnswerRate: 0.15, FaultRate: 0.02, FailSessions: 0.1})
	t.Logf("%s in %s", rep, time.Since(start).Round(time.Millisecond))
	if rep.Faults == 0 {
		t.Errorf("no fault was injected")
	}
	checkSoak(t, rep)
}
