package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/vplay-dev/vplay/tui"
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

// TestTTYFleetStop: q on the fleet screen acts as the first interrupt of a
// text run. With one member at a time and m1 stuck (its server accepts
// connections and never answers), q ends m1's planning, m2 and m3 are not
// started, the summary says so and the exit status is 130.
func TestTTYFleetStop(t *testing.T) {
	t.Parallel()
	bin := buildVplay(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := startTTYSim(t)
	stuck := blackHole(t)
	var b strings.Builder
	b.WriteString("vplay_fleet: 1\ndefaults:\n  env:\n    VBR_USERNAME: admin\n    VBR_PASSWORD: {from_env: SIM_PW}\nmembers:\n")
	for _, name := range []string{"m1", "m2", "m3"} {
		fmt.Fprintf(&b, "  - name: %s\n    env: {VBR_URL: %q, VBR_FINGERPRINT: %q}\n", name, "https://"+stuck, s.Env()["VBR_FINGERPRINT"])
	}
	file := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "TERM=xterm-256color",
		"SIM_PW=" + s.Env()["VBR_PASSWORD"]}
	term := startInPTY(t, bin, root, env, "plan", "--fleet", file, "--fleet-parallelism", "1", "playbooks/quickstart.yaml")
	term.waitFor(t, "m1 planning", "m1 planning")
	term.write(t, "q")
	term.waitFor(t, "the fleet summary", "Fleet plan: 3 members: 0 with changes, 1 failed, 2 not started")
	if code := term.wait(t); code != exitInterrupted {
		t.Fatalf("vplay plan --fleet exited %d after q, want %d:\n%s", code, exitInterrupted, term.text())
	}
	for _, want := range []string{"m2 0 0 0.0s not started", "m3 0 0 0.0s not started"} {
		if !term.contains(want) {
			t.Errorf("summary does not show %q:\n%s", want, term.text())
		}
	}
}

// blackHole listens on 127.0.0.1 and accepts connections that never get
// an answer; it returns host:port. Everything closes when the test ends.
func blackHole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// TestFleetTUIInterrupt: the screen's first interrupt cancels the run's
// context (as the first signal cancels the command's), not the caller's;
// the second runs the handler the command registered on the run's
// context, and so does a second signal reaching the caller's handler.
func TestFleetTUIInterrupt(t *testing.T) {
	t.Parallel()
	h := &hardStop{}
	parent := context.WithValue(t.Context(), hardStopKey{}, h)
	ui, ctx := newFleetTUI(parent, "apply")
	abandoned := make(chan struct{}, 2)
	if !onHardInterrupt(ctx, func() { abandoned <- struct{}{} }) {
		t.Fatal("the run's context carries no hard-interrupt handler")
	}
	ui.interrupt(false)
	if ctx.Err() == nil || parent.Err() != nil {
		t.Fatalf("after q: run ctx err %v, caller ctx err %v; want only the run's cancelled", ctx.Err(), parent.Err())
	}
	if len(abandoned) != 0 {
		t.Fatal("the first interrupt abandoned work in flight")
	}
	ui.interrupt(true)
	select {
	case <-abandoned:
	case <-time.After(5 * time.Second):
		t.Fatal("the second interrupt did not run the command's handler")
	}
	h.mu.Lock()
	fn := h.fn
	h.mu.Unlock()
	if fn == nil {
		t.Fatal("no handler forwarded to the caller's second signal")
	}
	fn()
	if len(abandoned) != 1 {
		t.Fatal("a second signal did not reach the command's handler")
	}
}

// TestMemberLines: member-prefixed output lines go to their member (the
// longest name that matches), masked and without escape sequences; the
// first line of an applying member marks it applying; blank lines and
// lines of no member are dropped.
func TestMemberLines(t *testing.T) {
	t.Parallel()
	var got []tea.Msg
	w := &memberLines{names: []string{"web", "web] x"}, send: func(m tea.Msg) { got = append(got, m) },
		known: func(s string) string { return strings.ReplaceAll(s, "hunter2", "***") }, applying: true, seen: map[string]bool{}}
	fmt.Fprint(w, "[web] \x1b[32m+ repo\x1b[0m created\n[web] x] pw hunter2\n[web]    \n[other] no\n[web] ")
	fmt.Fprint(w, "~ job\n")
	want := []tea.Msg{
		tui.FleetMemberMsg{Member: "web", State: tui.MemberApplying},
		tui.FleetLineMsg{Member: "web", Line: "+ repo created"},
		tui.FleetMemberMsg{Member: "web] x", State: tui.MemberApplying},
		tui.FleetLineMsg{Member: "web] x", Line: "pw ***"},
		tui.FleetLineMsg{Member: "web", Line: "~ job"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages: -want +got:\n%s", diff)
	}
}
