package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmoke runs every scenario once at a tiny size through a freshly
// built binary and the simulator: the harness works end to end, and the
// request counts that do not depend on size hold.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts simulators")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vplay")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/vplay-dev/vplay/cmd/vplay").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			r, err := measure(bin, filepath.Join(dir, sc.name), sc, smoke, 1)
			if err != nil {
				t.Fatal(err)
			}
			if r.Wall <= 0 || r.PeakRSSMB <= 0 {
				t.Errorf("wall %.3fs, peak RSS %.1f MB: not measured", r.Wall, r.PeakRSSMB)
			}
			if !sc.noSim && r.Requests == 0 {
				t.Errorf("no requests counted")
			}
			switch sc.name {
			case "plan-fleet-100":
				// Per member: a login, the host query, the repository list and the logout.
				if want := 4 * fleetMembers(smoke); r.Requests != want {
					t.Errorf("%d requests for %d members, want %d: %v", r.Requests, fleetMembers(smoke), want, r.ByKind)
				}
			case "plan-1k":
				if r.Requests > 10 {
					t.Errorf("%d requests, want <= 10: %v", r.Requests, r.ByKind)
				}
			case "plan-100k-live":
				// First page, then one filtered read per declared name.
				if n := r.ByKind["GET /api/v1/backupInfrastructure/repositories"]; n > 1+smoke.liveDeclared {
					t.Errorf("%d repository reads for %d declared names: %v", n, smoke.liveDeclared, r.ByKind)
				}
			case "apply-100":
				// One list to plan, and at most one read back per create: the
				// vendor session does not name the object. Creates whose
				// sessions finish about together share one (veeam/vbr
				// TestReadBackCoalesces); how many do depends on the
				// simulator's +-20 % session jitter, so only the bound is
				// checked here.
				if n := r.ByKind["GET /api/v1/backupInfrastructure/repositories"]; n > smoke.creates+1 {
					t.Errorf("%d repository lists for %d creates, want <= %d (one per create at most): %v", n, smoke.creates, smoke.creates+1, r.ByKind)
				}
				if n := r.ByKind["POST /api/v1/backupInfrastructure/repositories"]; n != smoke.creates {
					t.Errorf("%d creates, want %d", n, smoke.creates)
				}
			case "steps-500":
				// One list, however many items: the plan reads it, and its
				// apply in the same process moments later acts on it.
				if n := r.ByKind["GET /api/agents/jobs"]; n != 1 {
					t.Errorf("%d job lists, want 1 (read by the plan, reused by the step): %v", n, r.ByKind)
				}
				if n := r.ByKind["POST /api/agents/jobs/{id}"]; n != smoke.retries {
					t.Errorf("%d retries, want %d", n, smoke.retries)
				}
			}
		})
	}
}

// TestMergeResults: a run of some scenarios (-only) replaces their rows of
// the results file and keeps the others.
func TestMergeResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	if got, err := mergeResults(path, []result{{Scenario: "a", Wall: 1}}); err != nil || len(got) != 1 {
		t.Fatalf("no file: %v, %v", got, err)
	}
	old := `[{"scenario":"a","wall_s":1},{"scenario":"b","wall_s":2}]`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := mergeResults(path, []result{{Scenario: "b", Wall: 3}, {Scenario: "c", Wall: 4}})
	if err != nil {
		t.Fatal(err)
	}
	var walls []string
	for _, r := range got {
		walls = append(walls, fmt.Sprintf("%s=%g", r.Scenario, r.Wall))
	}
	if want := "a=1 b=3 c=4"; strings.Join(walls, " ") != want {
		t.Errorf("merged %s, want %s", strings.Join(walls, " "), want)
	}
}
