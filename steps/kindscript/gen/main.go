// Command gen writes the per-kind testscripts of the VBR kinds with a case
// (kindscript.Scripts) into a directory and removes generated
// scripts no kind has any more.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/steps/kindscript"
)

func main() {
	dir := flag.String("dir", "testdata/script", "directory of the scripts")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string) error {
	scripts, err := kindscript.Scripts(steps.Builtin())
	if err != nil {
		return err
	}
	for name, b := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	existing, err := filepath.Glob(filepath.Join(dir, kindscript.FilePrefix+"*.txtar"))
	if err != nil {
		return err
	}
	var names []string
	for _, p := range existing {
		names = append(names, filepath.Base(p))
	}
	for _, name := range kindscript.Stale(names, scripts) {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
