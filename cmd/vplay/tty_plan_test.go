package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestTTYPlan runs vplay plan in a pseudo-terminal: a drift check and a
// plan without changes print coloured text and exit without waiting for a
// key (no full-screen view), an empty NO_COLOR= keeps colour, and after the
// review screen is quit the plan stays in the scrollback.
func TestTTYPlan(t *testing.T) {
	t.Parallel()
	bin := buildVplay(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	const altScreen = "\x1b[?1049h"

	t.Run("detailed-exitcode", func(t *testing.T) {
		t.Parallel()
		s := startTTYSim(t)
		env := append(ttyEnv(t, s), "NO_COLOR=")
		term := startInPTY(t, bin, root, env, "plan", "--detailed-exitcode", "playbooks/quickstart.yaml")
		if code := term.wait(t); code != exitChanges {
			t.Fatalf("vplay plan --detailed-exitcode exited %d, want %d:\n%s", code, exitChanges, term.text())
		}
		raw := term.raw()
		if strings.Contains(raw, altScreen) {
			t.Errorf("plan --detailed-exitcode opened a full-screen view:\n%q", raw)
		}
		if !term.contains("Plan: 2 to create, 0 to update, 0 to delete, 1 step to run.") {
			t.Errorf("no plan footer:\n%s", term.text())
		}
		if !strings.Contains(raw, "\x1b[") {
			t.Errorf("NO_COLOR= (empty) turned colour off:\n%q", raw)
		}
	})

	t.Run("no changes", func(t *testing.T) {
		t.Parallel()
		s := startTTYSim(t)
		env := ttyEnv(t, s)
		apply := exec.Command(bin, "apply", "--auto-approve", "--no-tui", "playbooks/quickstart.yaml")
		apply.Dir, apply.Env = root, env
		if out, err := apply.CombinedOutput(); err != nil {
			t.Fatalf("vplay apply: %v\n%s", err, out)
		}
		term := startInPTY(t, bin, root, append(env, "NO_COLOR=1"), "plan", "playbooks/quickstart.yaml")
		if code := term.wait(t); code != exitOK {
			t.Fatalf("vplay plan exited %d, want %d:\n%s", code, exitOK, term.text())
		}
		raw := term.raw()
		if strings.Contains(raw, altScreen) {
			t.Errorf("a plan without changes opened a full-screen view:\n%q", raw)
		}
		if !term.contains("No changes.") {
			t.Errorf("no 'No changes.' line:\n%s", term.text())
		}
		if strings.Contains(raw, "\x1b[3") {
			t.Errorf("NO_COLOR=1 left colour on:\n%q", raw)
		}
	})

	t.Run("review then quit keeps the plan", func(t *testing.T) {
		t.Parallel()
		s := startTTYSim(t)
		term := startInPTY(t, bin, root, ttyEnv(t, s), "plan", "playbooks/quickstart.yaml")
		term.waitFor(t, "the review screen", "quickstart-a")
		term.write(t, "q")
		if code := term.wait(t); code != exitOK {
			t.Fatalf("vplay plan exited %d, want %d:\n%s", code, exitOK, term.text())
		}
		raw := term.raw()
		i := strings.LastIndex(raw, "\x1b[?1049l")
		if i < 0 {
			t.Fatalf("the review did not use the full screen:\n%q", raw)
		}
		after := dropSpace(ansi.Strip(raw[i:]))
		for _, want := range []string{`+vbr.repository"quickstart-a"`, "Plan:2tocreate"} {
			if !strings.Contains(after, want) {
				t.Errorf("after the review, the scrollback lacks %q:\n%s", want, ansi.Strip(raw[i:]))
			}
		}
	})
}

// raw is the terminal output so far, escape sequences included.
func (s *ttySession) raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}
