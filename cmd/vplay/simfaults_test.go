package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSimCmdLostAnswers: `vplay sim --lost-answer-rate 1 --fault-seed 42`
// announces its fault seed, performs a write and loses its answer, and
// counts the fault in /_sim/faults.
func TestSimCmdLostAnswers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	envFile, caFile := filepath.Join(dir, "sim.env"), filepath.Join(dir, "ca.pem")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr simCmdBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "--env-file", envFile, "--ca-out", caFile, "--lost-answer-rate", "1", "--fault-seed", "42"},
			stdio{In: strings.NewReader(""), Out: &stdout, Err: &stderr}, nil)
	}()
	env := parseEnvFile(t, waitForFile(t, envFile, done, &stderr))
	if !strings.Contains(stdout.String(), "faults seed 42 (repeat with --fault-seed 42)") {
		t.Errorf("stdout does not announce the fault seed:\n%s", stdout.String())
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {env["VBR_PASSWORD"]}}
	req, _ := http.NewRequest(http.MethodPost, env["VBR_URL"]+"/api/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("x-api-version", "1.3-rev2")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("a write under --lost-answer-rate 1 answered %d, want 500 or a dropped connection", resp.StatusCode)
		}
	}
	resp, err := hc.Get(env["VBR_URL"] + "/_sim/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Injected int    `json:"injected"`
		Seed     uint64 `json:"seed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Injected != 1 || got.Seed != 42 {
		t.Errorf("/_sim/faults: injected %d, seed %d; want 1, 42", got.Injected, got.Seed)
	}
	cancel()
	if code := <-done; code != exitOK && code != exitInterrupted {
		t.Errorf("vplay sim exited %d", code)
	}
}
