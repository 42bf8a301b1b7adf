package main

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
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// simCmdDeadline bounds every wait on `vplay sim`.
const simCmdDeadline = 15 * time.Second

// envLine is one line of the env file: KEY='value', where a quote inside
// the value is written as the four characters quote, backslash, quote, quote.
var envLine = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)='((?:[^']|'\\'')*)'$`)

// TestSimCmd runs `vplay sim` in-process as a user would from a shell: it
// waits for the env file (the readiness signal), checks what the command
// wrote and printed, talks to every listener over TLS trusting only the
// --ca-out certificate, then interrupts it.
func TestSimCmd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	envFile, caFile := filepath.Join(dir, "sim.env"), filepath.Join(dir, "ca.pem")

	// A password with a blank and a quote checks the file's quoting.
	const password = "it's a secret"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr simCmdBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "--env-file", envFile, "--ca-out", caFile, "--session-duration", "100ms",
			"--password", password},
			stdio{In: strings.NewReader(""), Out: &stdout, Err: &stderr}, nil)
	}()

	raw := waitForFile(t, envFile, done, &stderr)
	env := parseEnvFile(t, raw)

	var keys []string
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var wantKeys []string
	for _, api := range []string{"EM", "VBR", "VSPC"} {
		for _, k := range []string{"FINGERPRINT", "PASSWORD", "URL", "USERNAME"} {
			wantKeys = append(wantKeys, api+"_"+k)
		}
	}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Fatalf("env file keys (-want +got):\n%s", diff)
	}
	fingerprint := env["VBR_FINGERPRINT"]
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(fingerprint) {
		t.Errorf("VBR_FINGERPRINT = %q, want sha256:<64 lowercase hex>", fingerprint)
	}
	urlRE := regexp.MustCompile(`^https://127\.0\.0\.1:[0-9]+$`)
	for _, api := range []string{"VBR", "EM", "VSPC"} {
		if u := env[api+"_URL"]; !urlRE.MatchString(u) {
			t.Errorf("%s_URL = %q, want https://127.0.0.1:<port>", api, u)
		}
		if got := env[api+"_FINGERPRINT"]; got != fingerprint {
			t.Errorf("%s_FINGERPRINT = %q, want the one certificate's %q", api, got, fingerprint)
		}
		if env[api+"_USERNAME"] == "" {
			t.Errorf("%s_USERNAME is empty", api)
		}
		if got := env[api+"_PASSWORD"]; got != password {
			t.Errorf("%s_PASSWORD = %q, want the --password %q", api, got, password)
		}
	}
	if env["VBR_URL"] == env["EM_URL"] || env["EM_URL"] == env["VSPC_URL"] || env["VBR_URL"] == env["VSPC_URL"] {
		t.Errorf("the three APIs share a listener: %s %s %s", env["VBR_URL"], env["EM_URL"], env["VSPC_URL"])
	}

	// A shell sourcing the file sees the same values.
	sourced, err := exec.CommandContext(ctx, "sh", "-c", `set -a && . "$1" && env`, "sh", envFile).Output()
	if err != nil {
		t.Fatalf("source the env file with sh: %v", err)
	}
	for k, v := range env {
		if !slices.Contains(strings.Split(string(sourced), "\n"), k+"="+v) {
			t.Errorf("sh sourcing the env file does not see %s=%q", k, v)
		}
	}

	// The startup lines: one per API naming its URL and the fingerprint.
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	for _, api := range []string{"VBR", "EM", "VSPC"} {
		i := slices.IndexFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, strings.ToLower(api)+" ") && strings.Contains(l, env[api+"_URL"])
		})
		if i < 0 {
			t.Errorf("stdout has no line for %s naming %s:\n%s", api, env[api+"_URL"], stdout.String())
			continue
		}
		for _, want := range []string{fingerprint, env[api+"_USERNAME"]} {
			if !strings.Contains(lines[i], want) {
				t.Errorf("%s startup line %q does not name %q", api, lines[i], want)
			}
		}
	}

	// The CA file is the serving certificate: its SHA-256 is the fingerprint.
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("--ca-out: %v", err)
	}
	block, rest := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("--ca-out does not hold exactly one PEM certificate:\n%s", pemBytes)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("--ca-out certificate: %v", err)
	}
	sum := sha256.Sum256(cert.Raw)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != fingerprint {
		t.Errorf("sha256 of the --ca-out certificate = %s, want the printed fingerprint %s", got, fingerprint)
	}

	// Every listener answers over TLS verified against that CA alone.
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{
		Timeout:   simCmdDeadline,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	defer client.CloseIdleConnections()
	probes := []struct {
		name       string
		url        string
		header     map[string]string
		wantStatus int
		check      func(t *testing.T, body []byte)
	}{
		{
			name:       "vbr without a token",
			url:        env["VBR_URL"] + "/api/v1/backupInfrastructure/repositories",
			header:     map[string]string{"x-api-version": "1.3-rev2", "Accept": "application/json"},
			wantStatus: http.StatusUnauthorized,
			check: func(t *testing.T, body []byte) {
				var e struct{ ErrorCode, Message string }
				if err := json.Unmarshal(body, &e); err != nil || e.ErrorCode == "" || e.Message == "" {
					t.Errorf("want a vendor Error body {errorCode, message}, got %s (%v)", body, err)
				}
			},
		},
		{
			name:       "em discovery",
			url:        env["EM_URL"] + "/api/",
			wantStatus: http.StatusOK,
			check: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte("EnterpriseManager")) || !bytes.Contains(body, []byte("sessionMngr")) {
					t.Errorf("want the EnterpriseManager discovery document with the logon link, got %s", body)
				}
			},
		},
		{
			name:       "vspc without a token",
			url:        env["VSPC_URL"] + "/api/v3/organizations",
			wantStatus: http.StatusUnauthorized,
			check: func(t *testing.T, body []byte) {
				var e struct {
					Errors []struct{ Message, Type string }
				}
				if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 || e.Errors[0].Message == "" {
					t.Errorf("want a VSPC error envelope {errors: [{message, type}]}, got %s (%v)", body, err)
				}
			},
		},
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range p.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", p.url, err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("GET %s: read body: %v", p.url, err)
			}
			if resp.StatusCode != p.wantStatus {
				t.Fatalf("GET %s: status %d, want %d; body %s", p.url, resp.StatusCode, p.wantStatus, body)
			}
			p.check(t, body)
		})
	}

	// Without the CA the certificate is not trusted: the CA file is what
	// makes TLS verification pass.
	untrusted := &http.Client{Timeout: simCmdDeadline, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	defer untrusted.CloseIdleConnections()
	if resp, err := untrusted.Get(env["EM_URL"] + "/api/"); err == nil {
		resp.Body.Close()
		t.Errorf("GET %s succeeded without trusting --ca-out", env["EM_URL"])
	} else if !errors.As(err, new(*tls.CertificateVerificationError)) {
		t.Errorf("GET %s without the CA: want a certificate verification error, got %v", env["EM_URL"], err)
	}

	// An interrupt stops the simulator promptly and cleanly.
	client.CloseIdleConnections()
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("vplay sim exited %d after interrupt, want %d; stderr:\n%s", code, exitOK, stderr.String())
		}
	case <-time.After(simCmdDeadline):
		t.Fatalf("vplay sim did not return within %s of the interrupt", simCmdDeadline)
	}
	if resp, err := client.Get(env["VBR_URL"] + "/api/v1/backupInfrastructure/repositories"); err == nil {
		resp.Body.Close()
		t.Errorf("the VBR listener still answers after vplay sim returned")
	}
}

// TestSimCmdFlags checks that bad flags are usage errors (exit 2) refused
// before anything starts: no env file is written.
func TestSimCmdFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"fail sessions above 1", []string{"--fail-sessions", "2"}, "--fail-sessions"},
		{"negative fault rate", []string{"--fault-rate", "-0.5"}, "--fault-rate"},
		{"lost answer rate above 1", []string{"--lost-answer-rate", "1.5"}, "--lost-answer-rate"},
		{"fault seed not a number", []string{"--fault-seed", "abc"}, "--fault-seed"},
		{"zero token ttl", []string{"--token-ttl", "0s"}, "--token-ttl"},
		{"negative session duration", []string{"--session-duration", "-1s"}, "--session-duration"},
		{"negative latency", []string{"--latency", "-5ms"}, "--latency"},
		{"empty password", []string{"--password", ""}, "--password"},
		{"not a duration", []string{"--session-duration", "soon"}, "--session-duration"},
		{"unknown flag", []string{"--no-such-flag"}, "--no-such-flag"},
		{"positional argument", []string{"extra"}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			envFile := filepath.Join(t.TempDir(), "sim.env")
			var stdout, stderr simCmdBuffer
			args := append([]string{"sim", "--env-file", envFile}, tt.args...)
			ctx, cancel := context.WithTimeout(t.Context(), simCmdDeadline)
			defer cancel()
			code := run(ctx, args, stdio{In: strings.NewReader(""), Out: &stdout, Err: &stderr}, nil)
			if code != exitUsage {
				t.Errorf("vplay %s exited %d, want %d (usage); stderr:\n%s", strings.Join(args, " "), code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr does not name %q:\n%s", tt.wantErr, stderr.String())
			}
			if _, err := os.Stat(envFile); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("env file written by a refused command (stat: %v)", err)
			}
		})
	}
}

// waitForFile polls every 20 ms until path exists and returns its content,
// failing when the command returned first or the deadline passed.
func waitForFile(t *testing.T, path string, done <-chan int, stderr *simCmdBuffer) []byte {
	t.Helper()
	deadline := time.Now().Add(simCmdDeadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			return b
		case !errors.Is(err, os.ErrNotExist):
			t.Fatalf("read %s: %v", path, err)
		case time.Now().After(deadline):
			t.Fatalf("%s did not appear within %s; stderr:\n%s", path, simCmdDeadline, stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("vplay sim returned %d before writing %s; stderr:\n%s", code, path, stderr.String())
		case <-tick.C:
		}
	}
}

// parseEnvFile checks that every line is a complete KEY='value' line and
// returns the values unquoted.
func parseEnvFile(t *testing.T, b []byte) map[string]string {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("env file does not end with a newline (written partly?):\n%s", s)
	}
	env := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		m := envLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("env file line %d is not KEY='value': %q", i+1, line)
		}
		if _, dup := env[m[1]]; dup {
			t.Fatalf("env file line %d repeats %s", i+1, m[1])
		}
		env[m[1]] = strings.ReplaceAll(m[2], `'\''`, "'")
	}
	return env
}

// simCmdBuffer is a bytes.Buffer safe for the command goroutine to write
// while the test reads.
type simCmdBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *simCmdBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *simCmdBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
