package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/sim"
)

// startSims starts n in-process simulators and writes a fleet file naming
// them m1..mn, passwords by reference to $SIM_PW; extra[i], when given, is
// added to member i's mapping (YAML flow keys such as `vars: {...}`).
func startSims(t *testing.T, dir string, n int, extra ...string) (string, []*sim.Server) {
	t.Helper()
	var b strings.Builder
	b.WriteString("vplay_fleet: 1\ndefaults:\n  env:\n    VBR_USERNAME: admin\n    VBR_PASSWORD: {from_env: SIM_PW}\nmembers:\n")
	var servers []*sim.Server
	for i := range n {
		s, err := sim.New(sim.WithSessionDuration(100 * time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		servers = append(servers, s)
		env := s.Env()
		fmt.Fprintf(&b, "  - name: m%d\n    env: {VBR_URL: %q, VBR_FINGERPRINT: %q}\n", i+1, env["VBR_URL"], env["VBR_FINGERPRINT"])
		if i < len(extra) && extra[i] != "" {
			fmt.Fprintf(&b, "    %s\n", extra[i])
		}
	}
	file := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, servers
}

// TestFleetMemberLocks: each member takes the apply locks of its own
// targets. With m1's server locked by another run, m1 is refused and m2
// applies; the exit status is 1 and the summary says which failed.
func TestFleetMemberLocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file, servers := startSims(t, dir, 2)
	environ := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "SIM_PW=" + servers[0].Env()["VBR_PASSWORD"]}
	a := &app{Env: envMap(environ)}
	held, err := engine.Lock(t.Context(), []string{servers[0].URLs().VBR}, engine.LockOptions{Dirs: a.lockDirs(),
		Owner: engine.LockOwner("other.yaml", time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"apply", "--auto-approve", "--fleet", file, "../../playbooks/quickstart.yaml"},
		stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}, environ)
	if code != exitError {
		t.Errorf("exit %d, want %d\n%s%s", code, exitError, out.String(), errOut.String())
	}
	for _, want := range []string{
		"[m1] error: apply refused: target " + servers[0].URLs().VBR + " is locked by pid",
		"[m2] Apply complete: 3 done, 0 failed",
		"Fleet apply: 2 members: 1 with changes, 1 failed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := servers[0].RequestCounts("vbr")["POST /api/oauth2/token"]; n != 0 {
		t.Errorf("the locked member logged in %d times; want no request before the lock", n)
	}

	// --fail-fast, one member at a time: after m1 fails, m2 is not started.
	out.Reset()
	errOut.Reset()
	before := servers[1].RequestCounts("vbr")["POST /api/oauth2/token"]
	code = run(context.Background(), []string{"apply", "--auto-approve", "--fail-fast", "--fleet-parallelism", "1", "--fleet", file,
		"../../playbooks/quickstart.yaml"}, stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}, environ)
	if code != exitError || !strings.Contains(out.String(), "Fleet apply: 2 members: 0 with changes, 1 failed, 1 not started") {
		t.Errorf("--fail-fast: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if n := servers[1].RequestCounts("vbr")["POST /api/oauth2/token"]; n != before {
		t.Errorf("--fail-fast: m2 logged in %d times after m1 failed", n-before)
	}
}

func TestMemberJournalDir(t *testing.T) {
	t.Parallel()
	env := map[string]string{"XDG_STATE_HOME": "/s"}
	a, b := memberJournalDir(env, "ams"), memberJournalDir(env, "fra")
	if a == b || a != filepath.Join("/s", "vplay", "journal", "fleet", "ams") {
		t.Errorf("journal dirs %q and %q: want one per member under the state directory", a, b)
	}
	if d := memberJournalDir(map[string]string{}, "ams"); d != "" {
		t.Errorf("no state directory: %q, want none (journal off, as for one target)", d)
	}
}

// TestFleetMemberVars: a member's vars reach its plan only; --var wins over
// them; a member whose vars make the playbook invalid fails alone, with
// the diagnostics in its section.
func TestFleetMemberVars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file, servers := startSims(t, dir, 3, "vars: {repositories: [only-m1]}", "vars: {nope: 1}", "")
	environ := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "SIM_PW=" + servers[0].Env()["VBR_PASSWORD"]}
	plan := func(extra ...string) (int, string) {
		var out, errOut strings.Builder
		args := append([]string{"plan", "--fleet", file}, extra...)
		code := run(context.Background(), append(args, "../../playbooks/quickstart.yaml"),
			stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}, environ)
		return code, out.String() + errOut.String()
	}
	code, out := plan()
	if code != exitError {
		t.Errorf("exit %d, want %d (m2 invalid)", code, exitError)
	}
	m1, rest, _ := strings.Cut(out, "=== Member m2")
	m2, m3, _ := strings.Cut(rest, "=== Member m3")
	if !strings.Contains(m1, `vbr.repository "only-m1"`) || strings.Contains(m1, "quickstart-a") {
		t.Errorf("m1 does not plan its own repositories:\n%s", m1)
	}
	if !strings.Contains(m2, `the playbook declares no variable "nope"`) {
		t.Errorf("m2 lacks its diagnostic:\n%s", m2)
	}
	if !strings.Contains(m3, `vbr.repository "quickstart-a"`) {
		t.Errorf("m3 does not plan the playbook's own vars:\n%s", m3)
	}
	if !strings.Contains(out, "Fleet plan: 3 members: 2 with changes, 1 failed") {
		t.Errorf("summary:\n%s", out)
	}
	_, out = plan("--var", "repositories=[cli]", "--select", "name=m1")
	if !strings.Contains(out, `vbr.repository "cli"`) || strings.Contains(out, "only-m1") {
		t.Errorf("--var does not win over the member's vars:\n%s", out)
	}
}
