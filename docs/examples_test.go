package docs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// actionlintModule is the linter the workflow example is checked with,
// installed through the Go module proxy.
const actionlintModule = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

// TestPRReviewWorkflow lints docs/examples/pr-review.yml with actionlint
// (expressions, job and step keys, shell scripts when shellcheck is
// installed) and checks that it keeps one comment per pull request.
func TestPRReviewWorkflow(t *testing.T) {
	const file = "examples/pr-review.yml"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!-- vplay-plan -->", "updateComment", "createComment", "vplay plan -o markdown",
		"vplay apply --auto-approve", "vplay validate --format github"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q", file, want)
		}
	}
	if testing.Short() {
		t.Skip("installs actionlint; skipped with -short")
	}
	bin := installActionlint(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-no-color", file).CombinedOutput()
	if err != nil {
		t.Errorf("actionlint %s: %v\n%s", file, err, out)
	}
}

// installActionlint installs actionlint into the user cache (reused by
// later runs), skipping the test when the module proxy is unreachable.
func installActionlint(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	_, version, _ := strings.Cut(actionlintModule, "@")
	dir := filepath.Join(cache, "vplay-test", "actionlint-"+version)
	bin := filepath.Join(dir, "actionlint")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", actionlintModule)
	cmd.Dir = t.TempDir() // outside this module: install by version
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go install %s failed (no module proxy?): %v\n%s", actionlintModule, err, out)
	}
	return bin
}
