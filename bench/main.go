// Command bench runs vplay's performance scenarios through the real binary
// against `vplay sim` (10 ms latency, the session and task durations of each
// scenario) and writes bench/results.json and a table: scenario, wall (min
// of the runs), ideal, ratio, requests by kind, peak RSS and whether the
// target is met.
//
//	go run ./bench -vplay bin/vplay            # full size (make bench)
//	go run ./bench -vplay bin/vplay -smoke     # tiny size, seconds
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is one scenario's row.
type result struct {
	Scenario  string         `json:"scenario"`
	Objects   int            `json:"objects"`
	Wall      float64        `json:"wall_s"`  // minimum over the runs
	Walls     []float64      `json:"walls_s"` // every run
	Ideal     float64        `json:"ideal_s,omitempty"`
	Ratio     float64        `json:"ratio,omitempty"`
	Requests  int            `json:"requests"` // vendor requests of the fastest run
	PerObject float64        `json:"requests_per_object"`
	ByKind    map[string]int `json:"requests_by_kind"`
	PeakRSSMB float64        `json:"peak_rss_mb"` // the largest over the runs
	CPU       float64        `json:"cpu_s"`       // user+system CPU of vplay in the fastest run
	Load      float64        `json:"load_avg_1m"` // the machine's 1-minute load average after the runs (other work disturbs walls)
	Target    string         `json:"target"`
	Met       bool           `json:"target_met"`
	// Timeline says where the fastest run's time went (scenarios that
	// await sessions or tasks).
	Timeline *timeline `json:"timeline,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("vplay", "bin/vplay", "the vplay binary to measure")
	out := flag.String("out", "bench/results.json", "where to write the results (JSON); the table goes to stdout")
	runs := flag.Int("runs", 3, "runs per scenario; wall is the minimum")
	tiny := flag.Bool("smoke", false, "tiny sizes (a smoke test of the harness and of each scenario)")
	only := flag.String("only", "", "comma-separated scenario names to run (default all); the other rows of -out are kept")
	keep := flag.String("keep", "", "write each scenario's playbook, seed and state under this directory and keep them (to profile a run by hand)")
	flag.Parse()
	if *runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	sz := full
	if *tiny {
		sz = smoke
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "vplay-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	var results []result
	for _, sc := range scenarios() {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), sc.name) {
			continue
		}
		r, err := measure(abs, filepath.Join(dir, sc.name), sc, sz, *runs)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "%s: %.2fs, %d requests, %.0f MB\n", r.Scenario, r.Wall, r.Requests, r.PeakRSSMB)
	}
	all := results
	if *only != "" {
		// The other scenarios' rows of the file are kept.
		if all, err = mergeResults(*out, results); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Print(table(results))
	return nil
}

// mergeResults returns the rows of the results file path (when it exists)
// with those of the scenarios in fresh replaced, and fresh rows it lacks
// appended.
func mergeResults(path string, fresh []result) ([]result, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fresh, nil
	}
	if err != nil {
		return nil, err
	}
	var old []result
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range fresh {
		i := slices.IndexFunc(old, func(o result) bool { return o.Scenario == r.Scenario })
		if i < 0 {
			old = append(old, r)
			continue
		}
		old[i] = r
	}
	return old, nil
}

// measure runs one scenario runs times.
func measure(bin, dir string, sc scenario, sz size, runs int) (result, error) {
	if sc.custom != nil {
		return sc.custom(bin, dir, sc, sz, runs)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	pb := filepath.Join(dir, "playbook.yaml")
	if err := os.WriteFile(pb, []byte(sc.playbook(sz)), 0o644); err != nil {
		return result{}, err
	}
	seedPath := ""
	if sc.seed != nil {
		seed, err := sc.seed(sz)
		if err != nil {
			return result{}, err
		}
		seedPath = filepath.Join(dir, "seed.yaml")
		if err := os.WriteFile(seedPath, seed, 0o644); err != nil {
			return result{}, err
		}
	}
	statePath := ""
	if sc.live != nil {
		var err error
		if statePath, err = writeState(bin, dir, sc.live(sz)); err != nil {
			return result{}, err
		}

	}
	args := slices.Clone(sc.args)
	for i, a := range args {
		if a == "" { // --parallelism of apply-100
			args[i] = strconv.Itoa(sz.createPar)
		}
	}
	args = append(args, pb)
	r := result{Scenario: sc.name, Objects: sc.objects(sz), Wall: math.Inf(1), Target: sc.target}
	var s *simProc
	defer func() { s.stop() }()
	for i := range runs {
		if !sc.noSim && (s == nil || sc.fresh) {
			s.stop()
			var err error
			if s, err = startSim(bin, filepath.Join(dir, fmt.Sprintf("sim%d", i)), seedPath, statePath, sc.session); err != nil {
				return r, err
			}
		}
		if s != nil {
			if err := s.resetRequests(); err != nil {
				return r, err
			}
		}
		began := time.Now()
		wall, rss, cpu, err := runVplay(bin, args, s)
		if err != nil {
			return r, err
		}
		var tl *timeline
		if sc.timeline != nil && s != nil {
			if tl, err = s.timelineOf(sc.timeline, sz, began, began.Add(time.Duration(wall*float64(time.Second))),
				filepath.Join(dir, fmt.Sprintf("timeline%d.csv", i))); err != nil {
				return r, fmt.Errorf("timeline: %w", err)
			}
			fmt.Fprintf(os.Stderr, "%s run %d: %.2fs: %s\n", sc.name, i, wall, tl)
		}
		r.Walls = append(r.Walls, wall)
		r.PeakRSSMB = max(r.PeakRSSMB, rss)
		if wall < r.Wall {
			r.Wall, r.CPU, r.Timeline = wall, cpu, tl
			if s != nil {
				if r.ByKind, err = s.requests(); err != nil {
					return r, err
				}
			}
		}
	}
	r.Requests = 0
	for _, n := range r.ByKind {
		r.Requests += n
	}
	if r.Objects > 0 {
		r.PerObject = float64(r.Requests) / float64(r.Objects)
	}
	if sc.ideal != nil {
		r.Ideal = sc.ideal(sz).Seconds()
		r.Ratio = r.Wall / r.Ideal
	}
	r.Met = sc.met(r, sz)
	r.Load = loadAverage()
	return r, nil
}

// loadAverage reads the 1-minute load average (0 where /proc has none).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// runVplay runs the binary once; exit status 2 (changes present) is fine.
func runVplay(bin string, args []string, s *simProc) (wall, rssMB, cpu float64, err error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	if s != nil {
		for k, v := range s.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var errOut strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errOut
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	// Peak RSS is sampled from /proc (VmHWM of vplay's own address space):
	// the rusage of a child started by exec from a vfork also counts the
	// RSS of this harness.
	done := make(chan struct{})
	peak := make(chan float64, 1)
	go func() {
		high := 0.0
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			high = max(high, vmHWM(cmd.Process.Pid))
			select {
			case <-done:
				peak <- high
				return
			case <-tick.C:
			}
		}
	}()
	err = cmd.Wait()
	wall = time.Since(start).Seconds()
	close(done)
	rssMB = <-peak
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		err = nil
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("vplay %s: %w: %s", strings.Join(args, " "), err, tail(errOut.String()))
	}
	cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return wall, rssMB, cpu, nil
}

// vmHWM reads a running process's peak resident set size in MB (0 when it
// has exited).
func vmHWM(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

// simProc is a running `vplay sim`.
type simProc struct {
	cmd    *exec.Cmd
	env    map[string]string
	client *http.Client
}

// writeState writes a --state file: the built-in seed's state (read from a
// simulator's /_sim/state) plus n live repositories.
func writeState(bin, dir string, n int) (string, error) {
	s, err := startSim(bin, filepath.Join(dir, "base"), "", "", time.Second)
	if err != nil {
		return "", err
	}
	defer s.stop()
	resp, err := s.client.Get(s.env["VBR_URL"] + "/_sim/state")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var apis map[string]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&apis); err != nil {
		return "", fmt.Errorf("read /_sim/state: %w", err)
	}
	repos, _ := apis["vbr"]["repositories"].([]any)
	for i := range n {
		repos = append(repos, liveRepo(i))
	}
	apis["vbr"]["repositories"] = repos
	b, err := json.Marshal(map[string]any{"version": 1, "apis": apis})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "state.json")
	return path, os.WriteFile(path, b, 0o644)
}

// startSim starts the simulator and waits (bounded) for its env file. A
// state file is copied first: the simulator saves every change to it.
func startSim(bin, dir, seed, state string, session time.Duration) (*simProc, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	envFile, caFile := filepath.Join(dir, "sim.env"), filepath.Join(dir, "ca.pem")
	args := []string{"sim", "--env-file", envFile, "--ca-out", caFile, "--latency", "10ms", "--session-duration", session.String()}
	if seed != "" {
		args = append(args, "--seed", seed)
	}
	if state != "" {
		b, err := os.ReadFile(state)
		if err != nil {
			return nil, err
		}
		own := filepath.Join(dir, "state.json")
		if err := os.WriteFile(own, b, 0o644); err != nil {
			return nil, err
		}
		args = append(args, "--state", own)
	}
	cmd := exec.Command(bin, args...)
	var errOut strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errOut
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &simProc{cmd: cmd}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		if b, err := os.ReadFile(envFile); err == nil {
			s.env = parseEnv(string(b))
			break
		}
		select {
		case <-ctx.Done():
			s.stop()
			return nil, fmt.Errorf("vplay sim did not start: %s", tail(errOut.String()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		s.stop()
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	s.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if err := s.warm(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// warm makes the simulator load the vendor contract of the scenarios' API
// revision, which it does on the first request of that revision (about
// 0.2 s of CPU): a real server has no such cold start, so it must not be
// timed as vplay's. The request is anonymous (answered 401) and the log is
// reset before each run.
func (s *simProc) warm() error {
	req, err := http.NewRequest(http.MethodGet, s.env["VBR_URL"]+"/api/v1/serverInfo", nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-api-version", benchRevision)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("warm the simulator: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// parseEnv reads KEY='value' lines.
func parseEnv(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		out[k] = strings.ReplaceAll(strings.Trim(v, "'"), `'\''`, "'")
	}
	return out
}

func (s *simProc) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd.Process = nil
}

func (s *simProc) resetRequests() error {
	req, _ := http.NewRequest(http.MethodDelete, s.env["VBR_URL"]+"/_sim/requests", nil)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// requests returns the vendor request counts of every API since the last
// reset, by "METHOD template".
func (s *simProc) requests() (map[string]int, error) {
	resp, err := s.client.Get(s.env["VBR_URL"] + "/_sim/requests?api=all")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for k, n := range body.Counts {
		if !strings.Contains(k, "/_sim/") {
			out[k] = n
		}
	}
	return out, nil
}

// table renders the results as a Markdown table.
func table(rs []result) string {
	var b strings.Builder
	b.WriteString("| scenario | wall (min) | ideal | ratio | vplay CPU | requests (per object) | requests by kind | peak RSS | load | target | met |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		ideal, ratio := "-", "-"
		if r.Ideal > 0 {
			ideal, ratio = fmt.Sprintf("%.2f s", r.Ideal), fmt.Sprintf("%.2f", r.Ratio)
		}
		kinds := make([]string, 0, len(r.ByKind))
		for k, n := range r.ByKind {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(kinds)
		met := "no"
		if r.Met {
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %.2f s | %s | %s | %.2f s | %d (%.2f) | %s | %.0f MB | %.1f | %s | %s |\n",
			r.Scenario, r.Wall, ideal, ratio, r.CPU, r.Requests, r.PerObject, strings.Join(kinds, "; "), r.PeakRSSMB, r.Load, r.Target, met)
	}
	head := true
	for _, r := range rs {
		t := r.Timeline
		if t == nil {
			continue
		}
		if head {
			b.WriteString("\nWhere the fastest run's time went (timeline.go): floor = the same durations on the same slots with no overhead;" +
				" lag = operation end to the poll that saw it; turnaround = an end to the start of the operation that took its slot.\n\n")
			b.WriteString("| scenario | wall | first operation at | floor | tail | lag ms p50/p90/max | turnaround ms p50/p90/max | polls | read backs |\n")
			b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
			head = false
		}
		fmt.Fprintf(&b, "| %s | %.2f s | %.2f s | %.2f s | %.2f s | %s | %s | %d | %d |\n",
			r.Scenario, r.Wall, t.FirstStart, t.Floor, t.Tail, t.Lag, t.Turnaround, t.Polls, t.ReadBacks)
	}
	return b.String()
}
