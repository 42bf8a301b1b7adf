//go:build soak

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
)

// TestSoak runs plan/apply cycles against a simulator that injects random
// faults and has its state drifted between cycles, and checks that every
// cycle converges: apply (re-run after a failure, as a runbook would) ends
// with a plan that has no changes. Run it with `make soak`
// (VPLAY_SOAK_ITERATIONS, default 25).
func TestSoak(t *testing.T) {
	iterations := 25
	if s := os.Getenv("VPLAY_SOAK_ITERATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		iterations = n
	}
	s, err := sim.New(sim.WithSessionDuration(50*time.Millisecond), sim.WithFaultRate(0.03), sim.WithFailSessions(0.05), sim.WithRandSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	environ := []string{"XDG_STATE_HOME=" + t.TempDir(), "NO_COLOR=1"}
	for k, v := range s.Env() {
		environ = append(environ, k+"="+v)
	}
	vplay := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), args, stdio{In: bytes.NewReader(nil), Out: &out, Err: &out}, environ)
		return code, out.String()
	}
	const pb = "../../playbooks/quickstart.yaml"
	failures := 0
	for i := range iterations {
		if i > 0 {
			// Drift made by hand on the server.
			if err := s.Mutate("vbr", "repositories", "quickstart-a", map[string]any{"repository": map[string]any{"maxTaskCount": i}}, false); err != nil {
				t.Fatalf("cycle %d: drift: %v", i, err)
			}
		}
		converged := false
		for attempt := 0; attempt < 5 && !converged; attempt++ {
			code, out := vplay("apply", "--no-tui", "--auto-approve", pb)
			if code != exitOK {
				failures++
				t.Logf("cycle %d attempt %d: apply exit %d (faults are injected):\n%s", i, attempt, code, out)
				continue
			}
			code, out = vplay("plan", "--no-tui", "--detailed-exitcode", pb)
			switch code {
			case exitOK:
				converged = true
			case exitChanges:
				t.Fatalf("cycle %d: plan after a successful apply has changes:\n%s", i, out)
			default:
				failures++
			}
		}
		if !converged {
			t.Fatalf("cycle %d did not converge in 5 attempts", i)
		}
	}
	fmt.Printf("soak: %d cycles converged; %d runs failed on injected faults and were re-run\n", iterations, failures)
}
