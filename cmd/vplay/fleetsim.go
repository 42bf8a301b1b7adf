package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vplay-dev/vplay/sim"
)

// validateInstances checks the flags of `vplay sim --instances N`: every
// simulator listens on its own random ports, and the fleet file (not an
// env file) says where.
func (f *simFlags) validateInstances() error {
	switch {
	case f.instances < 1:
		return usageError{fmt.Errorf("--instances %d: must be at least 1", f.instances)}
	case f.instances > 1 && f.fleetOut == "":
		return usageError{errors.New("--instances needs --fleet-out FILE: the fleet file says where each simulator listens")}
	case f.envFile != "" || f.caOut != "":
		return usageError{errors.New("--env-file and --ca-out describe one simulator; with --fleet-out the fleet file lists every simulator's URLs and fingerprints")}
	case f.vbrAddr != "127.0.0.1:0" || f.emAddr != "127.0.0.1:0" || f.vspcAddr != "127.0.0.1:0":
		return usageError{errors.New("--vbr-addr, --em-addr and --vspc-addr cannot be combined with --fleet-out: every simulator gets random ports")}
	}
	return nil
}

// simMemberName is the fleet member name of simulator i (0-based).
func simMemberName(i int) string { return fmt.Sprintf("sim-%03d", i+1) }

// instanceState is the --state file of simulator i: its own file, so the
// simulators never share state.
func instanceState(state string, i int) string {
	ext := filepath.Ext(state)
	return fmt.Sprintf("%s-%03d%s", strings.TrimSuffix(state, ext), i+1, ext)
}

// runSimFleet starts f.instances independent simulators (own ports, own
// certificate, own state) and writes a fleet file for them once all are
// ready. Each member's password is in a secret file of its own,
// FILE.secrets/MEMBER (mode 0600), referenced by from_file, as a mounted
// Kubernetes Secret would be. The fleet file and the secrets are removed
// on stop.
func runSimFleet(ctx context.Context, f *simFlags, out, errOut io.Writer) error {
	secrets := f.fleetOut + ".secrets"
	if err := os.Remove(f.fleetOut); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale --fleet-out %s: %w", f.fleetOut, err)
	}
	if err := os.RemoveAll(secrets); err != nil {
		return fmt.Errorf("remove stale %s: %w", secrets, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	servers := make([]*sim.Server, 0, f.instances)
	defer func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}()
	for i := range f.instances {
		opts := append(f.options(), sim.WithErrorLog(prefixed(errOut, simMemberName(i))))
		if f.state != "" {
			opts = append(opts, sim.WithStateFile(instanceState(f.state, i)))
		}
		s, err := sim.New(opts...)
		if err != nil {
			return fmt.Errorf("simulator %s: %w", simMemberName(i), err)
		}
		servers = append(servers, s)
		if err := s.Start(ctx); err != nil {
			return fmt.Errorf("simulator %s: %w", simMemberName(i), err)
		}
		fmt.Fprintf(out, "%s vbr %s  fingerprint %s\n", simMemberName(i), s.URLs().VBR, s.Fingerprint())
	}
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", secrets, err)
	}
	defer os.RemoveAll(secrets)
	for i := range servers {
		if err := sim.WriteFileAtomic(filepath.Join(secrets, simMemberName(i)), []byte(f.password+"\n"), 0o600); err != nil {
			return fmt.Errorf("write the password of %s: %w", simMemberName(i), err)
		}
	}
	if err := sim.WriteFileAtomic(f.fleetOut, []byte(simFleetFile(servers, filepath.Base(secrets))), 0o644); err != nil {
		return fmt.Errorf("write --fleet-out %s: %w", f.fleetOut, err)
	}
	defer os.Remove(f.fleetOut)
	fmt.Fprintf(out, "fleet file %s: %d members (users admin, operator and viewer; passwords in %s/MEMBER)\n", f.fleetOut, len(servers), secrets)
	if f.faultRate > 0 || f.failSessions > 0 || f.lostAnswerRate > 0 {
		fmt.Fprintf(out, "faults seed %d of %s\n", servers[0].FaultSeed(), simMemberName(0))
	}
	<-ctx.Done()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Close())
	}
	servers = nil
	return errors.Join(errs...)
}

// simFleetFile renders the fleet file of the simulators: each member's
// URLs and certificate fingerprints, and the admin credentials with the
// password by reference to its file in the secrets directory (relative to
// the fleet file).
func simFleetFile(servers []*sim.Server, secrets string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // a YAML double-quoted scalar
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by vplay sim --instances %d; valid while it runs.\n", len(servers))
	b.WriteString("vplay_fleet: 1\ndefaults:\n  labels: {source: sim}\n  env:\n")
	for _, api := range []string{"VBR", "EM", "VSPC"} {
		fmt.Fprintf(&b, "    %s_USERNAME: admin\n", api)
	}
	b.WriteString("members:\n")
	for i, s := range servers {
		env := s.Env()
		name := simMemberName(i)
		fmt.Fprintf(&b, "  - name: %s\n    labels: {index: %q}\n    env:\n", name, fmt.Sprint(i))
		for _, api := range []string{"VBR", "EM", "VSPC"} {
			fmt.Fprintf(&b, "      %s_URL: %s\n      %s_FINGERPRINT: %s\n      %s_PASSWORD: {from_file: %s}\n",
				api, q(env[api+"_URL"]), api, q(env[api+"_FINGERPRINT"]), api, q(secrets+"/"+name))
		}
	}
	return b.String()
}

// prefixed writes each line of a simulator's error log with its name.
func prefixed(w io.Writer, name string) io.Writer {
	return &linePrefixer{w: w, prefix: "[" + name + "] "}
}
