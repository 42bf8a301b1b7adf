package main

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

func TestMain(m *testing.M) {
	// "vplay" is the real entry point, signal handling included, so
	// scripts and interrupt tests exercise what users run.
	testscript.Main(m, map[string]func(){"vplay": main})
}

// setupHooks run for every script after the base environment is set; the
// simulator-backed scripts add theirs here (start `sim`, export VBR_URL...).
var setupHooks []func(*testscript.Env) error

func TestScript(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join(root, "testdata", "script"),
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Cmds:                scriptCmds(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("PLAYBOOKS", filepath.Join(root, "playbooks"))
			env.Setenv("SCHEMA", filepath.Join(root, "schema", "playbook.schema.json"))
			env.Setenv("NO_COLOR", "1")
			// Scripts named sim_* run against their own in-process simulator.
			if strings.HasPrefix(filepath.Base(env.WorkDir), "script-sim_") {
				if err := simSetup(env); err != nil {
					return err
				}
			}
			if err := fleetSetup(env); err != nil {
				return err
			}
			if err := cloneSetup(env, root); err != nil {
				return err
			}
			for _, h := range setupHooks {
				if err := h(env); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
