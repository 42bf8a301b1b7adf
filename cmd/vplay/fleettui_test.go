package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTTYFleetApply runs `vplay apply --fleet` on a pseudo-terminal over
// three simulated servers, one of them down: the fleet screen lists every
// member with its state and counts, and after it closes the failed
// member's error and the fleet summary table stay on the terminal; the
// exit status is 1 (a member failed). No member-prefixed text lines are
// printed: the screen replaces them.
func TestTTYFleetApply(t *testing.T) {
	t.Parallel()
	bin := buildVplay(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file, servers := startSims(t, dir, 3)
	if err := servers[2].Close(); err != nil { // m3 cannot be reached
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color",
		"SIM_PW=" + servers[0].Env()["VBR_PASSWORD"]}
	term := startInPTY(t, bin, root, env, "apply", "--fleet", file, "--auto-approve", "playbooks/quickstart.yaml")
	term.waitFor(t, "the fleet summary", "Fleet apply: 3 members: 2 with changes, 1 failed")
	if code := term.wait(t); code != exitError {
		t.Fatalf("vplay apply --fleet exited %d, want %d:\n%s", code, exitError, term.text())
	}
	for _, want := range []string{
		"vplay apply --fleet · playbooks/quickstart.yaml",
		"MEMBER STATE CHANGES FAILURES DURATION",
		"✗ m3 failed 0 1", // the renderer redraws changed cells only: check whole rows
		"✓ m1 done 3 0",
		"=== Member m3 (3 of 3) ===",
		"MEMBER CHANGES FAILURES DURATION RESULT",
	} {
		if !term.contains(want) {
			t.Errorf("terminal does not show %q:\n%s", want, term.text())
		}
	}
	if got := term.text(); strings.Contains(got, "[m1] ") || strings.Contains(got, "each line starts with its member") {
		t.Errorf("terminal shows the text run's member lines under the fleet screen:\n%s", got)
	}
	for _, s := range servers[:2] {
		if got := countRequests(s, "POST", reposPath); got != 2 {
			t.Errorf("POST %s sent %d times to a member, want 2", reposPath, got)
		}
	}
}
