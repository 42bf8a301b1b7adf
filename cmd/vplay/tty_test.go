package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/sim"
)

// ttyDeadline bounds every wait on the terminal.
const ttyDeadline = 30 * time.Second

// reposPath is the VBR collection the quickstart playbook creates in.
const reposPath = "/api/v1/backupInfrastructure/repositories"

// TestTTYApply runs the real vplay binary in a pseudo-terminal against an
// in-process simulator, the way a user at a terminal would: `vplay apply`
// opens the review screen, a key approves or aborts, and what stays on the
// terminal is checked. The binary is built once (the link is cached) so the
// child has its own controlling terminal, signals and exit status.
func TestTTYApply(t *testing.T) {
	t.Parallel()
	bin := buildVplay(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("approve", func(t *testing.T) {
		t.Parallel()
		s := startTTYSim(t)
		term := startInPTY(t, bin, root, ttyEnv(t, s), "apply", "playbooks/quickstart.yaml")

		term.waitFor(t, "the review screen", "Press a or type yes to approve")
		if !term.contains("2 to create") {
			t.Errorf("review screen does not show the plan counts (want %q):\n%s", "2 to create", term.text())
		}
		term.write(t, "a")
		term.waitFor(t, "the summary", "Apply complete: 3 done, 0 failed, 0 not attempted.")
		if code := term.wait(t); code != exitOK {
			t.Fatalf("vplay apply exited %d, want %d:\n%s", code, exitOK, term.text())
		}
		for _, want := range []string{"Approved.", "vbr/vbr.repository/quickstart-a (create)",
			"vbr/vbr.repository/quickstart-b (create)", "step.rescan (vbr.repository.rescan)"} {
			if !term.contains(want) {
				t.Errorf("terminal does not show %q:\n%s", want, term.text())
			}
		}
		if got := countRequests(s, "POST", reposPath); got != 2 {
			t.Errorf("POST %s sent %d times, want 2 (one per repository)", reposPath, got)
		}

		// The same playbook planned again, without a terminal, is converged.
		plan := exec.Command(bin, "plan", "--detailed-exitcode", "--no-tui", "playbooks/quickstart.yaml")
		plan.Dir, plan.Env = root, ttyEnv(t, s)
		out, err := plan.CombinedOutput()
		if code := exitStatus(t, err); code != exitOK {
			t.Fatalf("vplay plan --detailed-exitcode exited %d, want %d (converged):\n%s", code, exitOK, out)
		}
		if !strings.Contains(string(out), "No changes.") {
			t.Errorf("plan output does not say %q:\n%s", "No changes.", out)
		}
		assertNoContractErrors(t, s)
	})

	t.Run("abort", func(t *testing.T) {
		t.Parallel()
		s := startTTYSim(t)
		term := startInPTY(t, bin, root, ttyEnv(t, s), "apply", "playbooks/quickstart.yaml")

		term.waitFor(t, "the review screen", "Press a or type yes to approve")
		term.write(t, "q")
		if code := term.wait(t); code != exitError {
			t.Fatalf("vplay apply exited %d after q, want %d:\n%s", code, exitError, term.text())
		}
		if !strings.Contains(strings.ToLower(term.text()), "cancelled") {
			t.Errorf("terminal does not say the apply was cancelled:\n%s", term.text())
		}
		if got := countRequests(s, "POST", reposPath); got != 0 {
			t.Errorf("POST %s sent %d times after abort, want 0", reposPath, got)
		}
		reqs := s.Requests()
		if len(reqs) == 0 {
			t.Fatal("the simulator saw no request: the plan was never read")
		}
		// Only reads and the token exchange: aborting touches nothing.
		var writes []string
		for _, r := range reqs {
			if r.Method != "GET" && !strings.HasPrefix(r.Path, "/api/oauth2/") {
				writes = append(writes, r.Method+" "+r.Path)
			}
		}
		if diff := cmp.Diff([]string(nil), writes); diff != "" {
			t.Errorf("requests that change state after abort (-want +got):\n%s", diff)
		}
		assertNoContractErrors(t, s)
	})
}

// buildVplay builds ./cmd/vplay into a temporary directory.
func buildVplay(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vplay")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startTTYSim starts a strict simulator with short sessions, closed when
// the test ends.
func startTTYSim(t *testing.T) *sim.Server {
	t.Helper()
	s, err := sim.New(sim.WithSessionDuration(150*time.Millisecond), sim.WithStrict(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// ttyEnv is the child's whole environment: the simulator's connection
// variables, a private state directory and a colour terminal.
func ttyEnv(t *testing.T, s *sim.Server) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"TERM=xterm-256color",
	}
	for k, v := range s.Env() {
		env = append(env, k+"="+v)
	}
	return env
}

func assertNoContractErrors(t *testing.T, s *sim.Server) {
	t.Helper()
	if errs := s.ContractErrors(); len(errs) > 0 {
		t.Errorf("simulator contract errors:\n%s", strings.Join(errs, "\n"))
	}
}

// countRequests counts logged vendor requests with this method and path.
func countRequests(s *sim.Server, method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// exitStatus maps the error of a finished exec.Cmd to its exit code.
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("run vplay: %v", err)
	return -1
}

// ttySession is a child process on a pseudo-terminal and everything it
// wrote to it.
type ttySession struct {
	ptmx *os.File
	cmd  *exec.Cmd

	mu  sync.Mutex
	out bytes.Buffer

	readDone chan struct{}
	exited   chan error
}

// startInPTY starts bin with args in dir on a new 100x30 pseudo-terminal.
// The child is killed and the terminal closed when the test ends.
func startInPTY(t *testing.T, bin, dir string, env []string, args ...string) *ttySession {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatalf("start vplay in a pseudo-terminal: %v", err)
	}
	s := &ttySession{ptmx: ptmx, cmd: cmd, readDone: make(chan struct{}), exited: make(chan error, 1)}
	go func() {
		defer close(s.readDone)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil { // EIO once the child has exited and closed the slave
				return
			}
		}
	}()
	go func() { s.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
		_ = ptmx.Close()
		<-s.readDone
	})
	return s
}

// text is the terminal output so far with escape sequences removed.
func (s *ttySession) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.out.String())
}

// contains reports whether the output shows want, ignoring whitespace: the
// renderer moves the cursor over runs of blanks instead of printing them.
func (s *ttySession) contains(want string) bool {
	return strings.Contains(dropSpace(s.text()), dropSpace(want))
}

// waitFor polls the output every 20 ms until it shows want, and fails the
// test at the deadline.
func (s *ttySession) waitFor(t *testing.T, what, want string) {
	t.Helper()
	deadline := time.Now().Add(ttyDeadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !s.contains(want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s (want %q); terminal so far:\n%s", what, ttyDeadline, want, s.text())
		}
		select {
		case <-tick.C:
		case err := <-s.exited:
			s.exited <- err // keep it for wait
			<-s.readDone
			if !s.contains(want) {
				t.Fatalf("vplay exited (%v) before showing %s (want %q); terminal:\n%s", err, what, want, s.text())
			}
			return
		}
	}
}

// write types keys on the terminal.
func (s *ttySession) write(t *testing.T, keys string) {
	t.Helper()
	if _, err := s.ptmx.Write([]byte(keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// wait waits (bounded) for the child to exit and for its last output, and
// returns its exit code.
func (s *ttySession) wait(t *testing.T) int {
	t.Helper()
	timer := time.NewTimer(ttyDeadline)
	defer timer.Stop()
	select {
	case err := <-s.exited:
		s.exited <- err
		select {
		case <-s.readDone:
		case <-timer.C:
			t.Fatalf("terminal output did not end after vplay exited; so far:\n%s", s.text())
		}
		return exitStatus(t, err)
	case <-timer.C:
		t.Fatalf("vplay did not exit within %s; terminal so far:\n%s", ttyDeadline, s.text())
	}
	return -1
}

func dropSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
