package schema

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ajvVersions are the independent validator the editor test installs: the
// reference JSON Schema implementation for JavaScript, with formats (uuid,
// date-time, ...) asserted as editors do.
var ajvVersions = []string{"ajv-cli@5.0.0", "ajv-formats@2.1.1"}

// TestEditorsAgree runs an independent JSON Schema validator (ajv, from npm)
// over every example playbook with the generated schema: what vplay
// validate accepts, editors accept too (0 errors, templates in typed fields
// included), and an unknown key is flagged. It installs ajv when node and
// npm are present (once, in the user cache) and says so when they are not.
func TestEditorsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("installs ajv from npm; skipped with -short")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the independent validator (ajv from npm) cannot run", tool)
		}
	}
	ajv := installAjv(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob(filepath.Join(root, "playbooks", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no example playbooks: %v", err)
	}
	schemaFile := filepath.Join(root, "schema", "playbook.schema.json")
	out, err := runAjv(t, ajv, schemaFile, examples...) // one run: ajv compiles the schema once
	for _, ex := range examples {
		if !strings.Contains(out, ex+" valid\n") {
			t.Errorf("ajv rejects %s, which vplay validate accepts (%v):\n%s", filepath.Base(ex), err, out)
		}
	}

	b, err := os.ReadFile(filepath.Join(root, "playbooks", "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "unknown-key.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "maxTaskCount:", "maxTaskCountt:", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = runAjv(t, ajv, schemaFile, bad)
	if err == nil || !strings.Contains(out, "additionalProperty: 'maxTaskCountt'") {
		t.Errorf("ajv does not flag the unknown key maxTaskCountt (err %v):\n%s", err, out)
	}
}

// installAjv installs ajv into the user cache (reused by later runs) and
// returns its command.
func installAjv(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "vplay-test", "ajv-"+strings.ReplaceAll(strings.Join(ajvVersions, "_"), "@", "-"))
	bin := filepath.Join(dir, "node_modules", ".bin", "ajv")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	args := append([]string{"install", "--no-audit", "--no-fund", "--silent", "--prefix", dir}, ajvVersions...)
	if out, err := exec.CommandContext(ctx, "npm", args...).CombinedOutput(); err != nil {
		t.Skipf("npm install %s failed (no registry access?): %v\n%s", strings.Join(ajvVersions, " "), err, out)
	}
	return bin
}

// runAjv validates the data files against the schema in one ajv run.
func runAjv(t *testing.T, ajv, schemaFile string, data ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	args := []string{"validate", "--spec=draft2020", "--strict=false", "-c", "ajv-formats", "--all-errors", "-s", schemaFile}
	for _, d := range data {
		args = append(args, "-d", d)
	}
	out, err := exec.CommandContext(ctx, ajv, args...).CombinedOutput()
	return string(out), err
}
