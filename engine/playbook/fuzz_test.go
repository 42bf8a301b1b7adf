package playbook

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/vplay-dev/vplay/schema/testcatalog"
)

// FuzzLoad checks that no input makes the loader panic, that every
// diagnostic points inside the file, and that a valid playbook loads to the
// same model twice. Seeds: every example playbook, every golden case and
// the inputs that once made loading super-linear (see pathological).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../../playbooks/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	cases, _ := filepath.Glob("testdata/load/*.txtar")
	for _, c := range cases {
		if ar, err := txtar.ParseFile(c); err == nil {
			for _, file := range ar.Files {
				if file.Name == "playbook.yaml" {
					f.Add(file.Data)
				}
			}
		}
	}
	for _, src := range pathological(1) {
		f.Add(src)
	}
	cat := testcatalog.Catalog()
	f.Fuzz(func(t *testing.T, src []byte) {
		pb, ds := Parse("f.yaml", src, cat, Options{})
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, d := range ds {
			if d.Pos.File != "f.yaml" || d.Pos.Line < 0 || d.Pos.Line > lines || (d.Pos.Line > 0 && d.Pos.Col < 1) {
				t.Fatalf("diagnostic outside the file (%d lines): %v", lines, d)
			}
		}
		if pb == nil {
			return
		}
		pb2, _ := Parse("f.yaml", src, cat, Options{})
		if pb2 == nil || summary(pb) != summary(pb2) {
			t.Fatalf("a valid playbook loads differently twice")
		}
	})
}

func summary(pb *Playbook) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %v\n", pb.Hash, pb.Version, pb.Vars)
	for _, r := range pb.Resources {
		fmt.Fprintf(&b, "%s %s %s %v %v\n", r.Pos, r.Kind, r.Target, r.Names, r.DependsOn)
	}
	for _, s := range pb.Steps {
		fmt.Fprintf(&b, "%s %s %s\n", s.Pos, s.ID, s.Action)
	}
	for _, p := range pb.Prune {
		fmt.Fprintf(&b, "%s %s %s %q %d %s\n", p.Pos, p.Kind, p.Target, p.Label(), p.MaxDeletes, p.Policy)
	}
	return b.String()
}
