package playbook

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/schema/testcatalog"
	"github.com/vplay-dev/vplay/steps"
)

var update = flag.Bool("update", false, "rewrite the expected diagnostics in testdata/load/*.txtar")

// render is what a golden case compares: the formatted diagnostics, or a
// summary of the model when the playbook is valid.
func render(pb *Playbook, ds diag.Diagnostics, name string, src []byte) string {
	out := diag.Format(ds, diag.Sources{name: src})
	if pb == nil {
		return out
	}
	var b strings.Builder
	b.WriteString(out)
	fmt.Fprintf(&b, "ok: %d targets, %d vars, %d data, %d resources, %d steps\n", len(pb.Targets), len(pb.Vars), len(pb.Data), len(pb.Resources), len(pb.Steps))
	for _, r := range pb.Resources {
		fmt.Fprintf(&b, "resource %s %s/%s names=%v depends_on=%v\n", r.Pos, r.Target, r.Kind, r.Names, r.DependsOn)
	}
	for _, s := range pb.Steps {
		fmt.Fprintf(&b, "step %s %s %s target=%s timeout=%s\n", s.Pos, s.ID, s.Action, s.Target, s.Timeout)
	}
	for _, p := range pb.Prune {
		fmt.Fprintf(&b, "prune %s %s/%s label=%q max_deletes=%d policy=%q\n", p.Pos, p.Target, p.Kind, p.Label(), p.MaxDeletes, p.Policy)
	}
	return b.String()
}

// catalogOf returns the catalogue a golden case is loaded with: the
// stand-in testcatalog, or steps.Builtin (with the vendor schemas) when the
// archive's comment says "catalog: builtin".
func catalogOf(ar *txtar.Archive) *steps.Catalog {
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		if strings.TrimSpace(line) == "catalog: builtin" {
			return schema.Catalog()
		}
	}
	return testcatalog.Catalog()
}

// TestLoadGolden is the catalogue of user-facing loader messages: every
// testdata/load case holds a playbook and its rendered diagnostics.
func TestLoadGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/load/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var src []byte
			wantIdx := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "playbook.yaml":
					src = f.Data
				case "want":
					wantIdx = i
				}
			}
			if src == nil || wantIdx < 0 {
				t.Fatalf("%s: needs playbook.yaml and want", file)
			}
			pb, ds := Parse("playbook.yaml", src, catalogOf(ar), Options{})
			got := render(pb, ds, "playbook.yaml", src)
			if *update {
				ar.Files[wantIdx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(ar.Files[wantIdx].Data), got); diff != "" {
				t.Errorf("Parse(%s) diagnostics (-want +got):\n%s", file, diff)
			}
		})
	}
}
