package main

import (
	"bytes"
	"context"
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
	var again bytes.Buffer
	if code := run(context.Background(), []string{"plan", "--no-tui", "--detailed-exitcode", pb}, stdio{In: strings.NewReader(""), Out: &again, Err: &again}, environ); code != exitOK {
		t.Errorf("plan after the interrupted apply: exit %d:\n%s", code, again.String())
	}
}
