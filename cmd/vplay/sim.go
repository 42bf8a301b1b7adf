package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/sim"
)

// simFlags are the flags of `vplay sim`.
type simFlags struct {
	vbrAddr, emAddr, vspcAddr string
	envFile, caOut            string
	plainHTTP                 bool
	seed, state               string
	tokenTTL, sessionDuration time.Duration
	latency                   time.Duration
	faultRate, failSessions   float64
	lostAnswerRate            float64
	faultSeed                 uint64
	faultSeedSet              bool
	strict                    bool
	password                  string
	instances                 int    // vplay sim --instances N (fleetsim.go)
	fleetOut                  string // with --fleet-out FILE
}

func (f *simFlags) validate() error {
	switch {
	case f.faultRate < 0 || f.faultRate > 1:
		return usageError{fmt.Errorf("--fault-rate must be between 0 and 1, got %v", f.faultRate)}
	case f.failSessions < 0 || f.failSessions > 1:
		return usageError{fmt.Errorf("--fail-sessions must be between 0 and 1, got %v", f.failSessions)}
	case f.lostAnswerRate < 0 || f.lostAnswerRate > 1:
		return usageError{fmt.Errorf("--lost-answer-rate must be between 0 and 1, got %v", f.lostAnswerRate)}
	case f.tokenTTL <= 0:
		return usageError{errors.New("--token-ttl must be positive")}
	case f.sessionDuration < 0 || f.latency < 0:
		return usageError{errors.New("--session-duration and --latency must not be negative")}
	case f.password == "":
		return usageError{errors.New("--password must not be empty")}
	}
	return nil
}

func (f *simFlags) options() []sim.Option {
	opts := []sim.Option{
		sim.WithAddrs(f.vbrAddr, f.emAddr, f.vspcAddr),
		sim.WithPlainHTTP(f.plainHTTP),
		sim.WithTokenTTL(f.tokenTTL),
		sim.WithSessionDuration(f.sessionDuration),
		sim.WithLatency(f.latency),
		sim.WithFaultRate(f.faultRate),
		sim.WithFailSessions(f.failSessions),
		sim.WithLostAnswerRate(f.lostAnswerRate),
		sim.WithStrict(f.strict),
		sim.WithPassword(f.password),
	}
	if f.seed != "" {
		opts = append(opts, sim.WithSeedFile(f.seed))
	}
	if f.state != "" {
		opts = append(opts, sim.WithStateFile(f.state))
	}
	if f.faultSeedSet {
		opts = append(opts, sim.WithFaultSeed(f.faultSeed))
	}
	return opts
}

func newSimCmd(a *app) *cobra.Command {
	var f simFlags
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the embedded Veeam simulator (VBR, Enterprise Manager, VSPC)",
		Long: `Run a simulator of the three Veeam REST APIs on 127.0.0.1 with a self-signed certificate,
until interrupted. It prints each API's base URL, the certificate fingerprint and the
credentials it accepts (users admin, operator and viewer share --password).
--env-file writes VBR_URL, VBR_USERNAME, VBR_PASSWORD, VBR_FINGERPRINT (and the same for
EM_ and VSPC_) once every listener is ready, so its appearance is the readiness signal.
The env file is removed when the simulator stops (interrupt it, or kill it with SIGTERM).
The control API under /_sim/ on every listener exposes the request log, faults and state.`,
		Example: `  vplay sim --env-file .sim.env --state .sim.json &   # stop it with: kill %1
  until [ -s .sim.env ]; do sleep 0.1; done            # ready when the env file appears
  set -a; . ./.sim.env; set +a                         # export VBR_URL, VBR_PASSWORD, ...
  vplay plan playbooks/quickstart.yaml
  vplay sim --fault-rate 0.1 --latency 200ms --session-duration 5s
  vplay sim --lost-answer-rate 0.2 --fault-seed 42   # writes succeed, answers lost; repeatable
  vplay sim --instances 5 --fleet-out fleet.yaml &   # five servers; then: vplay plan --fleet fleet.yaml PLAYBOOK`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			f.faultSeedSet = cmd.Flags().Changed("fault-seed")
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if f.fleetOut != "" || f.instances != 1 {
				if err := f.validateInstances(); err != nil {
					return err
				}
				return runSimFleet(ctx, &f, a.Out, a.Err)
			}
			return runSim(ctx, &f, a.Out, a.Err)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.vbrAddr, "vbr-addr", "127.0.0.1:0", "listen address of the Backup & Replication API")
	fl.StringVar(&f.emAddr, "em-addr", "127.0.0.1:0", "listen address of the Enterprise Manager API")
	fl.StringVar(&f.vspcAddr, "vspc-addr", "127.0.0.1:0", "listen address of the Service Provider Console API")
	fl.StringVar(&f.envFile, "env-file", "", "write shell-sourceable VBR_/EM_/VSPC_ URL, USERNAME, PASSWORD, FINGERPRINT lines here when ready")
	fl.StringVar(&f.caOut, "ca-out", "", "write the self-signed certificate (PEM) here")
	fl.BoolVar(&f.plainHTTP, "http", false, "serve plain HTTP instead of HTTPS (debugging; playbook targets then need insecure_http: true)")
	fl.StringVar(&f.seed, "seed", "", "YAML seed fixture with sections vbr, em, vspc, faults (default: the built-in seed)")
	fl.StringVar(&f.state, "state", "", "load state from this file at start and save every change to it")
	fl.DurationVar(&f.tokenTTL, "token-ttl", 900*time.Second, "VBR access-token lifetime")
	fl.DurationVar(&f.sessionDuration, "session-duration", 2*time.Second, "how long sessions, tasks and async actions run (+-20% jitter)")
	fl.DurationVar(&f.latency, "latency", 0, "delay added to every API request")
	fl.Float64Var(&f.faultRate, "fault-rate", 0, "fraction of requests answered 500/503/429 or dropped at random")
	fl.Float64Var(&f.failSessions, "fail-sessions", 0, "fraction of sessions, tasks and async actions that fail")
	fl.Float64Var(&f.lostAnswerRate, "lost-answer-rate", 0, "fraction of write requests performed whose answer is then lost (500 or a dropped connection)")
	fl.Uint64Var(&f.faultSeed, "fault-seed", 0, "seed of the random faults (default: a new one per run, printed at start)")
	fl.BoolVar(&f.strict, "strict", false, "validate every VBR response against the vendor OpenAPI (mismatches answer 500)")
	fl.StringVar(&f.password, "password", "Passw0rd!", "password of every simulated user")
	fl.IntVar(&f.instances, "instances", 1, "start N independent simulators (own ports, certificate and state), with --fleet-out")
	fl.StringVar(&f.fleetOut, "fleet-out", "", "write a fleet file for the simulators here once all are ready (passwords in FILE.secrets/MEMBER); both removed on stop")
	return cmd
}

// runSim starts the simulator, announces it and serves until ctx ends.
//
// The env file is the readiness signal, so one left by an earlier run that
// was killed is removed before starting, and it is removed again on stop:
// a stale file never points a playbook at a simulator that is gone.
func runSim(ctx context.Context, f *simFlags, out, errOut io.Writer) error {
	if f.envFile != "" {
		if err := os.Remove(f.envFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale --env-file %s: %w", f.envFile, err)
		}
	}
	s, err := sim.New(append(f.options(), sim.WithErrorLog(errOut))...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		return err
	}
	env := s.Env()
	for _, api := range []string{"VBR", "EM", "VSPC"} {
		// The password is the simulator's own throwaway credential.
		fmt.Fprintf(out, "%-4s %s  fingerprint %s  username %s  password %s\n", strings.ToLower(api),
			env[api+"_URL"], env[api+"_FINGERPRINT"], env[api+"_USERNAME"], env[api+"_PASSWORD"])
	}
	if f.faultRate > 0 || f.failSessions > 0 || f.lostAnswerRate > 0 {
		fmt.Fprintf(out, "faults seed %d (repeat with --fault-seed %d)\n", s.FaultSeed(), s.FaultSeed())
	}
	if f.caOut != "" {
		if err := sim.WriteFileAtomic(f.caOut, s.CertPEM(), 0o644); err != nil {
			_ = s.Close()
			return fmt.Errorf("write --ca-out %s: %w", f.caOut, err)
		}
	}
	if f.envFile != "" {
		if err := sim.WriteFileAtomic(f.envFile, []byte(envFileContent(env)), 0o600); err != nil {
			_ = s.Close()
			return fmt.Errorf("write --env-file %s: %w", f.envFile, err)
		}
	}
	<-ctx.Done()
	if f.envFile != "" {
		_ = os.Remove(f.envFile)
	}
	return s.Close()
}

// envFileContent renders KEY='value' lines, sorted, safe to source.
func envFileContent(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`))
	}
	return b.String()
}
