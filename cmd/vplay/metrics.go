package main

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/engine"
)

// metricsRun is what `apply --metrics-file` reports about one run.
type metricsRun struct {
	Playbook string
	Result   *engine.Result // nil when apply failed before running anything
	Err      error          // the run's error, nil on success
	End      time.Time
}

// lastSuccessMetric keeps its value across failed runs (read back from the
// previous file), so an alert can fire on "no success for a day".
const lastSuccessMetric = "vplay_apply_last_success_timestamp_seconds"

// writeMetrics writes the run as Prometheus text format for
// node_exporter's textfile collector, atomically (temporary file in the
// same directory, then rename) so the collector never reads half a file.
// A hand-written writer: six metric families do not warrant a dependency.
func writeMetrics(name string, run metricsRun) error {
	pb := strconv.Quote(run.Playbook)
	changes := map[string]int{"create": 0, "update": 0, "delete": 0}
	failures, stepsRun := 0, 0
	var duration time.Duration
	if run.Result != nil {
		duration = run.Result.Duration
		for _, it := range run.Result.Items {
			isStep := strings.HasPrefix(it.Addr, "step.")
			switch {
			case it.Outcome == engine.OutcomeFailed:
				failures++
			case it.Outcome == engine.OutcomeDone && !isStep:
				changes[it.Action]++
			}
			if isStep && (it.Outcome == engine.OutcomeDone || it.Outcome == engine.OutcomeFailed) {
				stepsRun++
			}
		}
	}
	success := run.Err == nil && failures == 0
	lastSuccess, hasLast := previousMetric(name, lastSuccessMetric)
	if success {
		lastSuccess, hasLast = float64(run.End.Unix()), true
	}

	var b bytes.Buffer
	gauge := func(metric, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", metric, help, metric)
	}
	gauge("vplay_apply_duration_seconds", "Duration of the last vplay apply run.")
	fmt.Fprintf(&b, "vplay_apply_duration_seconds{playbook=%s} %g\n", pb, duration.Seconds())
	gauge("vplay_apply_changes", "Resource changes applied by the last run, by action.")
	for _, action := range slices.Sorted(maps.Keys(changes)) {
		fmt.Fprintf(&b, "vplay_apply_changes{playbook=%s,action=%s} %d\n", pb, strconv.Quote(action), changes[action])
	}
	gauge("vplay_apply_failures", "Resources and steps that failed in the last run.")
	fmt.Fprintf(&b, "vplay_apply_failures{playbook=%s} %d\n", pb, failures)
	gauge("vplay_apply_steps_run", "Steps (and loop items) run by the last run.")
	fmt.Fprintf(&b, "vplay_apply_steps_run{playbook=%s} %d\n", pb, stepsRun)
	gauge("vplay_apply_success", "1 when the last run succeeded, else 0.")
	fmt.Fprintf(&b, "vplay_apply_success{playbook=%s} %d\n", pb, boolInt(success))
	gauge("vplay_apply_last_run_timestamp_seconds", "When the last run ended (Unix time).")
	fmt.Fprintf(&b, "vplay_apply_last_run_timestamp_seconds{playbook=%s} %d\n", pb, run.End.Unix())
	if hasLast {
		gauge(lastSuccessMetric, "When the last successful run ended (Unix time).")
		fmt.Fprintf(&b, "%s{playbook=%s} %g\n", lastSuccessMetric, pb, lastSuccess)
	}
	return writeAtomic(name, b.Bytes())
}

// previousMetric reads a sample's value from an earlier metrics file.
func previousMetric(name, metric string) (float64, bool) {
	fh, err := os.Open(name)
	if err != nil {
		return 0, false
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// writeAtomic replaces name with data through a temporary file in the same
// directory and a rename.
func writeAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("--metrics-file: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), name)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("--metrics-file: %w", werr)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// metricsRecorder observes an apply for --metrics-file: it keeps the
// result of ApplyDone. A nil recorder observes nothing.
type metricsRecorder struct {
	result *engine.Result
}

// tee returns obs, also feeding the recorder when there is one.
func (m *metricsRecorder) tee(obs engine.Observer) engine.Observer {
	if m == nil {
		return obs
	}
	return engine.ObserverFunc(func(ev engine.Event) {
		if done, ok := ev.(engine.ApplyDone); ok {
			m.result = done.Result
		}
		obs.Observe(ev)
	})
}
