package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vplay": func() {
			// As main: SIGINT/SIGTERM wind the command down (`kill %1` stops a sim).
			ctx, stop := signalContext()
			code := run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Environ())
			stop()
			os.Exit(code)
		},
	})
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
