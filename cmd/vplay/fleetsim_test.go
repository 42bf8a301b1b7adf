package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/fleet"
)

// TestSimInstances runs `vplay sim --instances 3 --fleet-out` in-process:
// the fleet file loads, its members are independent simulators (own ports
// and certificates), passwords are only referenced, each in a 0600 file of
// its own, and stopping removes the fleet file and the secrets.
func TestSimInstances(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "fleet.yaml")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr simCmdBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "--instances", "3", "--fleet-out", file, "--password", "fleet-pw-123"},
			stdio{In: strings.NewReader(""), Out: &stdout, Err: &stderr}, nil)
	}()
	raw := waitForFile(t, file, done, &stderr)
	if strings.Contains(string(raw), "fleet-pw-123") {
		t.Errorf("the fleet file holds the password:\n%s", raw)
	}
	fl, ds := fleet.Parse(file, raw)
	if fl == nil || len(ds) > 0 {
		t.Fatalf("fleet file: %v\n%s", ds, raw)
	}
	urls, pins := map[string]bool{}, map[string]bool{}
	for _, m := range fl.Members {
		urls[m.Env["VBR_URL"]], pins[m.Env["VBR_FINGERPRINT"]] = true, true
		res, err := fleet.Resolve(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Secrets["VBR_PASSWORD"] != "fleet-pw-123" {
			t.Errorf("%s: password reference does not resolve to the simulator's password", m.Name)
		}
		st, err := os.Stat(m.Secrets["VBR_PASSWORD"].File)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: secret file %v, mode %v; want 0600", m.Name, err, st)
		}
	}
	if len(fl.Members) != 3 || len(urls) != 3 || len(pins) != 3 {
		t.Errorf("%d members, %d distinct URLs, %d distinct certificates; want 3 of each", len(fl.Members), len(urls), len(pins))
	}
	if !strings.Contains(stdout.String(), "sim-003 vbr https://127.0.0.1:") {
		t.Errorf("stdout lacks the members:\n%s", stdout.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, p := range []string{file, file + ".secrets"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left after stop: %v", p, err)
		}
	}
}

func TestSimInstancesUsage(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		args []string
		want string
	}{
		"no fleet-out":  {[]string{"--instances", "2"}, "--instances needs --fleet-out FILE"},
		"zero":          {[]string{"--instances", "0", "--fleet-out", "f.yaml"}, "must be at least 1"},
		"env file":      {[]string{"--instances", "2", "--fleet-out", "f.yaml", "--env-file", "e"}, "--env-file and --ca-out describe one simulator"},
		"fixed address": {[]string{"--instances", "2", "--fleet-out", "f.yaml", "--vbr-addr", "127.0.0.1:9419"}, "every simulator gets random ports"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out, errOut strings.Builder
			code := run(t.Context(), append([]string{"sim"}, tc.args...), stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}, nil)
			if code != exitUsage || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut.String(), exitUsage, tc.want)
			}
		})
	}
}

func TestInstanceState(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"s.json": "s-002.json", "dir/state": "dir/state-002"} {
		if got := instanceState(in, 1); got != want {
			t.Errorf("instanceState(%q, 1) = %q, want %q (a file per simulator)", in, got, want)
		}
	}
}
