package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/sim"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestApplyInterrupted: the first interrupt (the run's context is
// cancelled) stops launching new work, waits for the sessions in flight,
// prints the summary and exits 130; a re-run converges.
func TestApplyInterrupted(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.WithSessionDuration(600*time.Millisecond), sim.WithStrict(true))
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
	const pb = "../../playbooks/quickstart.yaml"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"apply", "--no-tui", "--auto-approve", pb}, stdio{In: strings.NewReader(""), Out: &out, Err: &out}, environ)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Working") {
		if time.Now().After(deadline) {
			t.Fatalf("apply never reached a running session:\n%s", out.String())
		}
		select {
		case code := <-done:
			t.Fatalf("apply exited early with %d:\n%s", code, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel() // the first SIGINT
	var code int
	select {
	case code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("apply did not finish after the interrupt:\n%s", out.String())
	}
	got := out.String()
	if code != exitInterrupted {
		t.Errorf("exit code = %d, want %d", code, exitInterrupted)
	}
	for _, want := range []string{
		"Apply interrupted",
		"vbr/vbr.repository/quickstart-a (create)", // in flight: awaited to its end
		"Not attempted (1):",
		"step.rescan",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "rescan started") {
		t.Errorf("a step was launched after the interrupt:\n%s", got)
	}
	// The rescan is owed: the interrupted run created a repository but
	// never reached the step. The next plan shows it, the next apply runs
	// it, and then nothing is left.
	var again bytes.Buffer
	if code := run(context.Background(), []string{"plan", "--no-tui", "--detailed-exitcode", pb}, stdio{In: strings.NewReader(""), Out: &again, Err: &again}, environ); code != exitChanges || !strings.Contains(again.String(), "owed since") {
		t.Errorf("plan after the interrupted apply: exit %d, want %d with the owed rescan:\n%s", code, exitChanges, again.String())
	}
	again.Reset()
	s.ResetRequests()
	if code := run(context.Background(), []string{"apply", "--no-tui", "--auto-approve", pb}, stdio{In: strings.NewReader(""), Out: &again, Err: &again}, environ); code != exitOK || !strings.Contains(again.String(), "step.rescan: done") {
		t.Errorf("re-run: exit %d, want the owed rescan done:\n%s", code, again.String())
	}
	if n := s.RequestCounts("vbr")["POST /api/v1/backupInfrastructure/repositories/rescan"]; n != 1 {
		t.Errorf("re-run sent %d rescans, want exactly 1", n)
	}
	again.Reset()
	if code := run(context.Background(), []string{"plan", "--no-tui", "--detailed-exitcode", pb}, stdio{In: strings.NewReader(""), Out: &again, Err: &again}, environ); code != exitOK {
		t.Errorf("plan after the re-run: exit %d:\n%s", code, again.String())
	}
}

// TestApplySecondInterrupt sends real signals to the real binary: the
// first SIGINT stops launching, the second abandons the sessions in flight
// and the JSON summary lists them, with their ids, as still running.
func TestApplySecondInterrupt(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("vplay") // installed on PATH by testscript.Main
	if err != nil {
		t.Skip("vplay is not on PATH")
	}
	s, err := sim.New(sim.WithSessionDuration(30 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := exec.Command(bin, "apply", "--no-tui", "--auto-approve", "-o", "json", "../../playbooks/quickstart.yaml")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "NO_COLOR=1")
	for k, v := range s.Env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitFor := func(b *lockedBuffer, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(b.String(), want) {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("no %q in time:\n%s\n%s", want, out.String(), errOut.String())
			}
			select {
			case err := <-done:
				t.Fatalf("apply exited early (%v):\n%s\n%s", err, out.String(), errOut.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitFor(&out, `"state":"Working"`)
	_ = cmd.Process.Signal(os.Interrupt)
	waitFor(&errOut, "interrupted: finishing work in flight")
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("apply did not exit after the second interrupt:\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("exit code = %d, want %d", code, exitInterrupted)
	}
	var summary struct {
		Type         string   `json:"type"`
		Interrupted  bool     `json:"interrupted"`
		StillRunning []string `json:"still_running"`
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil || summary.Type != "summary" {
		t.Fatalf("last line is not the summary (%v):\n%s", err, out.String())
	}
	if !summary.Interrupted || len(summary.StillRunning) == 0 {
		t.Fatalf("summary = %+v, want interrupted with the sessions still running", summary)
	}
	for _, r := range summary.StillRunning {
		if !regexp.MustCompile(`^vbr/vbr.repository/quickstart-[ab]: session [0-9a-f-]{36}$`).MatchString(r) {
			t.Errorf("still running %q, want ADDRESS: session ID", r)
		}
	}
}

// startBinary starts the real vplay binary with env; waitOut waits for a
// string in its stdout or stderr, failing the test if it exits first.
type binRun struct {
	t           *testing.T
	cmd         *exec.Cmd
	out, errOut lockedBuffer
	done        chan error
}

func startBinary(t *testing.T, env []string, args ...string) *binRun {
	t.Helper()
	bin, err := exec.LookPath("vplay") // installed on PATH by testscript.Main
	if err != nil {
		t.Skip("vplay is not on PATH")
	}
	r := &binRun{t: t, cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	return r
}

func (r *binRun) waitFor(b *lockedBuffer, want string) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			_ = r.cmd.Process.Kill()
			r.t.Fatalf("no %q in time:\n%s\n%s", want, r.out.String(), r.errOut.String())
		}
		select {
		case err := <-r.done:
			r.t.Fatalf("vplay exited early (%v):\n%s\n%s", err, r.out.String(), r.errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (r *binRun) wait() int {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		_ = r.cmd.Process.Kill()
		r.t.Fatalf("vplay did not exit:\n%s", r.out.String())
	}
	return r.cmd.ProcessState.ExitCode()
}

// TestSecondInterruptEntryNotAdopted is the "journal never lies" case: the
// second Ctrl-C leaves the rescan's journal entry behind; the session ends
// on the server; a later run that must rescan again does not report that
// old session as its own work: it drops the entry with a note and sends a
// rescan of its own.
func TestSecondInterruptEntryNotAdopted(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.WithSessionDuration(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	pb := filepath.Join(dir, "rescan.yaml")
	if err := os.WriteFile(pb, []byte(`vplay: 1
name: rescan
targets:
  vbr: { type: vbr, url: "${{ env.VBR_URL }}", username: "${{ env.VBR_USERNAME }}", password: "${{ secret('VBR_PASSWORD') }}", tls: { fingerprint: "${{ env.VBR_FINGERPRINT }}" } }
steps:
  - id: rescan
    action: vbr.repository.rescan
    with: { names: [repo-perf-01] }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "NO_COLOR=1"}
	for k, v := range s.Env() {
		env = append(env, k+"="+v)
	}
	r := startBinary(t, env, "apply", "--no-tui", "--auto-approve", pb)
	r.waitFor(&r.out, "Working")
	_ = r.cmd.Process.Signal(os.Interrupt)
	r.waitFor(&r.errOut, "interrupted: finishing work in flight")
	_ = r.cmd.Process.Signal(os.Interrupt)
	if code := r.wait(); code != exitInterrupted {
		t.Fatalf("first run exit %d, want %d:\n%s", code, exitInterrupted, r.out.String())
	}
	if !strings.Contains(r.out.String(), "Still running on the server (1):") {
		t.Errorf("the second interrupt did not list the running session:\n%s", r.out.String())
	}
	s.Advance(time.Minute) // the abandoned rescan ends on the server
	s.ResetRequests()
	var out bytes.Buffer
	code := run(context.Background(), []string{"apply", "--no-tui", "--auto-approve", pb}, stdio{In: strings.NewReader(""), Out: &out, Err: &out}, env)
	if code != exitOK {
		t.Fatalf("second run exit %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "not adopted as this run's work") {
		t.Errorf("no note about the stale entry:\n%s", out.String())
	}
	if n := s.RequestCounts("vbr")["POST /api/v1/backupInfrastructure/repositories/rescan"]; n != 1 {
		t.Errorf("second run sent %d rescans, want 1 of its own:\n%s", n, out.String())
	}
}

// writePlaybook writes a playbook into dir and returns its path.
func writePlaybook(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startSlowSim starts a simulator whose sessions and tasks take d.
func startSlowSim(t *testing.T, d time.Duration) (*sim.Server, []string) {
	t.Helper()
	s, err := sim.New(sim.WithSessionDuration(d))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	env := []string{"XDG_STATE_HOME=" + filepath.Join(t.TempDir(), "state"), "NO_COLOR=1"}
	for k, v := range s.Env() {
		env = append(env, k+"="+v)
	}
	return s, env
}

// TestEMRetryReattachAcrossProcesses: a retry of an agent job is running
// when the process that started it is stopped (two Ctrl-C). The next
// process logs on afresh and cannot see the task; it re-attaches through
// the job's running backup session, awaits it and never POSTs a second
// retry while the first runs.
func TestEMRetryReattachAcrossProcesses(t *testing.T) {
	t.Parallel()
	s, env := startSlowSim(t, 20*time.Second)
	pb := writePlaybook(t, t.TempDir(), "retry.yaml", `vplay: 1
name: retry
targets:
  em: { type: em, url: "${{ env.EM_URL }}", username: "${{ env.EM_USERNAME }}", password: "${{ secret('EM_PASSWORD') }}", tls: { fingerprint: "${{ env.EM_FINGERPRINT }}" } }
steps:
  - id: retry
    action: em.agent_job.retry
    with: { name: Windows Servers Backup }
`)
	r := startBinary(t, env, "apply", "--no-tui", "--auto-approve", pb)
	r.waitFor(&r.out, `task "RetryAgentJob"`)
	_ = r.cmd.Process.Signal(os.Interrupt)
	r.waitFor(&r.errOut, "interrupted: finishing work in flight")
	_ = r.cmd.Process.Signal(os.Interrupt)
	if code := r.wait(); code != exitInterrupted {
		t.Fatalf("first run exit %d:\n%s", code, r.out.String())
	}
	s.ResetRequests()
	var out lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"apply", "--no-tui", "--auto-approve", pb}, stdio{In: strings.NewReader(""), Out: &out, Err: &out}, env)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "awaiting it instead of starting a retry") {
		if time.Now().After(deadline) {
			t.Fatalf("second run did not re-attach:\n%s", out.String())
		}
		select {
		case code := <-done:
			t.Fatalf("second run exited %d before re-attaching:\n%s", code, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.Advance(time.Minute) // the first run's retry ends
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("second run exit %d:\n%s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("second run did not finish:\n%s", out.String())
	}
	if n := s.RequestCounts("em")["POST /api/agents/jobs/{id}"]; n != 0 {
		t.Errorf("second run POSTed %d retries while the first ran:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "step.retry: done") {
		t.Errorf("step not done:\n%s", out.String())
	}
}

// TestInterruptStopsLoopItems sends a real SIGINT while the first item of
// a loop runs (one at a time): no later item starts, the summary says so
// truthfully, and only one rescan reached the server.
func TestInterruptStopsLoopItems(t *testing.T) {
	t.Parallel()
	s, env := startSlowSim(t, 2*time.Second)
	pb := writePlaybook(t, t.TempDir(), "loop.yaml", `vplay: 1
name: loop
targets:
  vbr: { type: vbr, url: "${{ env.VBR_URL }}", username: "${{ env.VBR_USERNAME }}", password: "${{ secret('VBR_PASSWORD') }}", tls: { fingerprint: "${{ env.VBR_FINGERPRINT }}" } }
steps:
  - id: rescan
    action: vbr.repository.rescan
    for_each: [repo-perf-01, repo-perf-02, "Linux Backup Repository"]
    with: { names: ["${{ each }}"] }
`)
	r := startBinary(t, env, "apply", "--no-tui", "--auto-approve", pb)
	r.waitFor(&r.out, "Working")
	_ = r.cmd.Process.Signal(os.Interrupt)
	if code := r.wait(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, r.out.String())
	}
	got := r.out.String()
	for _, want := range []string{"Apply interrupted: no new work was started after the signal.", "Done (1):", "Not attempted (2):",
		"step.rescan[repo-perf-02]", "step.rescan[Linux Backup Repository]"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "step.rescan[repo-perf-02]: vbr.repository.rescan started") {
		t.Errorf("an item started after the signal:\n%s", got)
	}
	if n := s.RequestCounts("vbr")["POST /api/v1/backupInfrastructure/repositories/rescan"]; n != 1 {
		t.Errorf("%d rescans reached the server, want 1", n)
	}
}
