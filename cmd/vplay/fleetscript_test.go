package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// fleetMembers is the size of the fleet scripts' fleet.
const fleetMembers = 5

// fleetSetup runs `vplay sim --instances 5 --fleet-out fleet.yaml` (the
// command itself, in-process) for scripts named fleet_*, waits (bounded)
// for the fleet file and stops the simulators when the script ends. The
// fleet's secrets are in fleet.yaml.secrets/MEMBER.
func fleetSetup(env *testscript.Env) error {
	if !strings.HasPrefix(filepath.Base(env.WorkDir), "script-fleet_") {
		return nil
	}
	path := filepath.Join(env.WorkDir, "fleet.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut simCmdBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "--instances", fmt.Sprint(fleetMembers), "--fleet-out", path, "--session-duration", "150ms"},
			stdio{In: strings.NewReader(""), Out: &out, Err: &errOut}, nil)
	}()
	env.Defer(func() {
		cancel()
		<-done
	})
	env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
	deadline := time.After(simCmdDeadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := os.Stat(path)
		if err == nil {
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		select {
		case code := <-done:
			return fmt.Errorf("vplay sim --instances exited %d before writing the fleet file: %s", code, errOut.String())
		case <-deadline:
			return fmt.Errorf("no fleet file within %s: %s", simCmdDeadline, errOut.String())
		case <-tick.C:
		}
	}
}
