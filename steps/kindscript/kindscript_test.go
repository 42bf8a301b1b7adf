package kindscript

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/steps"
)

// TestScriptsUpToDate: the committed testdata/script/sim_kind_vbr_*.txtar
// are what the generator writes from today's catalogue and cases (run `go
// generate ./steps/kindscript` when it fails), and there is no script of a
// kind that left the table.
func TestScriptsUpToDate(t *testing.T) {
	t.Parallel()
	scripts, err := Scripts(steps.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "testdata", "script")
	for name, want := range scripts {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s is missing: run go generate ./steps/kindscript", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./steps/kindscript", name)
		}
	}
	existing, err := filepath.Glob(filepath.Join(dir, FilePrefix+"*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range existing {
		names = append(names, filepath.Base(p))
	}
	if stale := Stale(names, scripts); len(stale) > 0 {
		t.Errorf("scripts of no table-driven kind: %s (run go generate ./steps/kindscript)", strings.Join(stale, ", "))
	}
}

// TestCases: every table-driven kind has a case and every case a kind
// (Scripts refuses otherwise), and no case changes on the server a field
// its example declares (the change would not be "undeclared").
func TestCases(t *testing.T) {
	t.Parallel()
	cat := steps.Builtin()
	if _, err := Scripts(cat); err != nil {
		t.Fatal(err)
	}
	for name, c := range Cases {
		if c.Field == "" {
			t.Errorf("%s: no field to update", name)
		}
		if c.Drift == c.Field && c.Drift != "" {
			t.Errorf("%s: the server-side change is of the updated field", name)
		}
	}
	broken := Cases["vbr.credential"]
	broken.Drift = "description" // declared by the example
	k, _ := cat.Kind("vbr.credential")
	tb, _ := steps.TableOf(k)
	if _, err := render(k, tb, broken); err == nil || !strings.Contains(err.Error(), "declared by the example") {
		t.Errorf("a drift of a declared field: %v", err)
	}
}

// TestHandWrittenCases: a hand-written kind's case must name its
// collection (TableOf cannot), a table-driven kind's must not, and a
// hand-written kind's script uses the example of its case, so its requests
// and sim-mutate name that collection.
func TestHandWrittenCases(t *testing.T) {
	t.Parallel()
	cat := steps.Builtin()
	withCase := func(name string, edit func(*Case)) map[string]Case {
		cases := maps.Clone(Cases)
		c := cases[name]
		edit(&c)
		cases[name] = c
		return cases
	}
	if _, err := scriptsOf(cat, withCase("vbr.repository", func(c *Case) { c.Path = "" })); err == nil || !strings.Contains(err.Error(), "vbr.repository is hand-written: its case needs a Path") {
		t.Errorf("a hand-written case without a path: %v", err)
	}
	if _, err := scriptsOf(cat, withCase("vbr.credential", func(c *Case) { c.Path = "/api/v1/credentials" })); err == nil || !strings.Contains(err.Error(), "vbr.credential is table-driven: its case needs no Path") {
		t.Errorf("a table-driven case with a path: %v", err)
	}
	scripts, err := Scripts(cat)
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string][]string{
		"vbr.repository":           {"sim-requests count vbr 'POST /api/v1/backupInfrastructure/repositories' 1", "sim-mutate vbr /api/v1/backupInfrastructure/repositories 'repo-kind' "},
		"vbr.scale_out_repository": {"- name: Linux Backup Repository", "sim-mutate vbr /api/v1/backupInfrastructure/scaleOutRepositories 'sobr-kind' "},
		"vbr.recovery_token":       {"token_file: ./dr-token.txt", "sim-mutate vbr /api/v1/agents/recoveryTokens 'dr-token-kind' "},
	} {
		got := string(scripts[FileName(kind)])
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the script lacks %q", kind, w)
			}
		}
		if !strings.Contains(got, "api_version: 1.3-rev1") || !strings.Contains(got, "api_version: 1.3-rev2") {
			t.Errorf("%s: the script does not run at both revisions", kind)
		}
	}
}
