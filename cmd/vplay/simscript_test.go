package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vplay-dev/vplay/sim"
)

// simKey is where a script's simulator is kept in its testscript.Env.
type simKey struct{}

// simSetup starts an in-process simulator for the script on random
// 127.0.0.1 ports (strict contract checking on, short sessions) and exports
// what `vplay sim --env-file` would write, plus a sim.env file holding it
// and the certificate as sim-ca.pem. Scripts named sim_http* get a
// simulator serving plain HTTP (`vplay sim --http`), scripts named
// sim_kind_vbr_* 10 ms sessions.
func simSetup(env *testscript.Env) error {
	plain := strings.HasPrefix(filepath.Base(env.WorkDir), "script-sim_http")
	sessions := 150 * time.Millisecond
	if strings.HasPrefix(filepath.Base(env.WorkDir), "script-sim_kind_vbr_") {
		// The generated per-kind scripts (steps/kindscript) await a
		// session per write and assert no timing: short sessions keep
		// the two dozen of them fast.
		sessions = 10 * time.Millisecond
	}
	s, err := sim.New(sim.WithSessionDuration(sessions), sim.WithStrict(true), sim.WithRandSeed(1), sim.WithPlainHTTP(plain))
	if err != nil {
		return err
	}
	if err := s.Start(context.Background()); err != nil {
		return err
	}
	env.Defer(func() {
		if errs := s.ContractErrors(); len(errs) > 0 {
			env.T().Fatal("simulator contract errors:\n" + strings.Join(errs, "\n"))
		}
		_ = s.Close()
	})
	env.Values[simKey{}] = s
	var lines []string
	for k, v := range s.Env() {
		env.Setenv(k, v)
		lines = append(lines, k+"="+v)
	}
	slices.Sort(lines)
	env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
	if err := os.WriteFile(filepath.Join(env.WorkDir, "sim-ca.pem"), s.CertPEM(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(env.WorkDir, "sim.env"), []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

func scriptSim(ts *testscript.TestScript) *sim.Server {
	s, ok := ts.Value(simKey{}).(*sim.Server)
	if !ok {
		ts.Fatalf("no simulator in this script")
	}
	return s
}

// simCmds are the domain verbs scripts use to drive the simulator.
func simCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(*testscript.TestScript, bool, []string){
		// sim-fault JSON: add a fault rule (sim.FaultRule as JSON).
		"sim-fault": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 1 {
				ts.Fatalf("usage: sim-fault JSON")
			}
			var r sim.FaultRule
			ts.Check(json.Unmarshal([]byte(args[0]), &r))
			scriptSim(ts).AddFault(r)
		},
		// sim-mutate API COLLECTION NAME JSON|-delete: drift made by hand.
		"sim-mutate": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 4 {
				ts.Fatalf("usage: sim-mutate API COLLECTION NAME JSON|-delete")
			}
			var merge map[string]any
			del := args[3] == "-delete"
			if !del {
				ts.Check(json.Unmarshal([]byte(args[3]), &merge))
			}
			err := scriptSim(ts).Mutate(args[0], args[1], args[2], merge, del)
			if neg {
				if err == nil {
					ts.Fatalf("sim-mutate succeeded unexpectedly")
				}
				return
			}
			ts.Check(err)
		},
		// sim-advance DURATION: move the simulator clock.
		"sim-advance": func(ts *testscript.TestScript, neg bool, args []string) {
			d, err := time.ParseDuration(args[0])
			ts.Check(err)
			scriptSim(ts).Advance(d)
		},
		// sim-requests reset | writes API... | count API 'METHOD TEMPLATE' N
		//   writes: fails (or with !, requires) when any request other than
		//   a read or an auth call reached the API.
		//   count: the number of requests to one endpoint template.
		"sim-requests": simRequests,
	}
}

// authPath matches the login and logout calls of the three APIs.
var authPath = regexp.MustCompile(`^/api/(oauth2/(token|logout)|sessionMngr/?|logonSessions/[^/]+|v3/token)$`)

func simRequests(ts *testscript.TestScript, neg bool, args []string) {
	s := scriptSim(ts)
	if len(args) == 0 {
		ts.Fatalf("usage: sim-requests reset | writes API... | count API 'METHOD TEMPLATE' N")
	}
	switch args[0] {
	case "reset":
		s.ResetRequests()
	case "writes":
		var writes []string
		for _, r := range s.Requests() {
			if !slices.Contains(args[1:], r.API) || r.Method == "GET" || authPath.MatchString(r.Path) {
				continue
			}
			writes = append(writes, fmt.Sprintf("%s %s %s", r.API, r.Method, r.Path))
		}
		switch {
		case neg && len(writes) == 0:
			ts.Fatalf("no write request reached %v", args[1:])
		case !neg && len(writes) > 0:
			ts.Fatalf("write requests reached the server:\n%s", strings.Join(writes, "\n"))
		}
	case "count":
		if len(args) != 4 {
			ts.Fatalf("usage: sim-requests count API 'METHOD TEMPLATE' N")
		}
		want, err := strconv.Atoi(args[3])
		ts.Check(err)
		got := s.RequestCounts(args[1])[args[2]]
		if (got == want) == neg {
			ts.Fatalf("%s %q: %d requests, want %d (counts: %v)", args[1], args[2], got, want, s.RequestCounts(args[1]))
		}
	default:
		ts.Fatalf("sim-requests: unknown verb %q", args[0])
	}
}
