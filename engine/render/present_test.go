package render

import (
	"testing"
	"time"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
)

// TestDuration: one rounding for every view (the text log, the summary
// and the terminal UI used to disagree: "5.0s" above "5s").
func TestDuration(t *testing.T) {
	t.Parallel()
	tests := map[time.Duration]string{
		-time.Second:            "0s",
		0:                       "0s",
		850 * time.Millisecond:  "850ms",
		3240 * time.Millisecond: "3.2s",
		2 * time.Second:         "2s",
		65 * time.Second:        "1m5s",
		61*time.Minute + 500e6:  "1h1m1s",
	}
	for d, want := range tests {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestSourceAndLabels: a change's only source field is its Pos, shown the
// same by text, Markdown, JSON and the terminal UI.
func TestSourceAndLabels(t *testing.T) {
	t.Parallel()
	c := engine.Change{Pos: diag.Pos{File: "p.yaml", Line: 12, Col: 5}}
	if got := changeSource(c); got != "p.yaml:12:5" {
		t.Errorf("changeSource = %q, want p.yaml:12:5", got)
	}
	if got := Source(diag.Pos{}); got != "" {
		t.Errorf("Source(zero) = %q, want empty", got)
	}
	for _, tc := range []struct{ id, item, want string }{{"rescan", "", "step.rescan"}, {"retry", "job-a", "step.retry[job-a]"}} {
		if got := StepLabel(tc.id, tc.item); got != tc.want {
			t.Errorf("StepLabel(%q, %q) = %q, want %q", tc.id, tc.item, got, tc.want)
		}
	}
}
