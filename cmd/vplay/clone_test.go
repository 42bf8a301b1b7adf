package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// goEnv is the go command's cache and module settings of this test run,
// read once: scripts that run `go` in a fresh clone reuse them (and never
// touch the network: GOPROXY=off).
var goEnv = sync.OnceValues(func() ([]string, error) {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n"), nil
})

// cloneSetup exports ROOT, the repository the test runs in, and for
// scripts named clone_* the go command's settings of this run.
func cloneSetup(env *testscript.Env, root string) error {
	env.Setenv("ROOT", root)
	if !strings.HasPrefix(filepath.Base(env.WorkDir), "script-clone_") {
		return nil
	}
	vals, err := goEnv()
	if err != nil {
		return nil // no go command: the script skips itself with [!exec:go]
	}
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		if i < len(vals) {
			env.Setenv(k, vals[i])
		}
	}
	env.Setenv("GOPROXY", "off")
	env.Setenv("GOTOOLCHAIN", "local")
	env.Setenv("GOFLAGS", "-mod=readonly")
	env.Setenv("PATH", filepath.Join(vals[len(vals)-1], "bin")+string(filepath.ListSeparator)+env.Getenv("PATH"))
	return nil
}

// scriptCmds are the domain verbs of every script: the simulator's and
// readme-block.
func scriptCmds() map[string]func(*testscript.TestScript, bool, []string) {
	cmds := simCmds()
	cmds["readme-block"] = readmeBlock
	return cmds
}

// readmeBlock LINE FILE: write the first fenced code block after the line
// LINE of the repository's README.md to FILE, so a script runs the README's
// commands as written.
func readmeBlock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: readme-block LINE FILE")
	}
	b, err := os.ReadFile(filepath.Join(ts.Getenv("ROOT"), "README.md"))
	ts.Check(err)
	_, after, ok := strings.Cut(string(b), "\n"+args[0]+"\n")
	if !ok {
		ts.Fatalf("README.md has no line %q", args[0])
	}
	_, after, ok = strings.Cut(after, "```sh\n")
	body, _, closed := strings.Cut(after, "\n```")
	if !ok || !closed {
		ts.Fatalf("README.md: no ```sh block after %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(body+"\n"), 0o644))
}
