package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/vplay-dev/vplay/engine"
)

// TestFleetViewChosenOnce: the format flags pick one fleet view, and every
// line a member's view writes carries the member in that format: text
// lines start with [member], JSON lines have a "member" field (JSON
// events, or slog records with --log-format json); an unattended member
// with nothing to do says so only in text.
func TestFleetViewChosenOnce(t *testing.T) {
	t.Parallel()
	p := &engine.Plan{FormatVersion: engine.FormatVersion, Name: "n"}
	cases := map[string]struct {
		output  string
		logJSON bool
		want    []string // substrings of the output, in order
	}{
		"text":     {"text", false, []string{"[m1] No changes.", "[m1] Applying", "[m1] error: boom"}},
		"json":     {"json", false, []string{`{"member":"m1","type":"apply_started"`, `{"member":"m1","error":"boom","type":"member_error"}`}},
		"log json": {"text", true, []string{`{"member":"m1","time":`, `"msg":"apply started"`, `{"member":"m1","error":"boom","type":"member_error"}`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			a := &app{stdio: stdio{In: strings.NewReader(""), Out: &out, Err: &bytes.Buffer{}}}
			m := a.newFleetView(&runFlags{output: c.output}, viewOptions{logJSON: c.logJSON}).Member("m1")
			m.NoChanges()
			obs, err := m.Run(p)
			if err != nil {
				t.Fatal(err)
			}
			obs.Observe(engine.ApplyStarted{Playbook: "p.yaml", Changes: 1})
			m.Failed(memberOutcome{}.failed(errors.New("boom"), ""))
			m.Close()
			got, rest := out.String(), out.String()
			for _, w := range c.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
				if !strings.HasPrefix(line, "[m1] ") && !strings.HasPrefix(line, `{"member":"m1",`) {
					t.Errorf("line without its member: %q", line)
				}
			}
			if (c.output == "json" || c.logJSON) == strings.Contains(got, "No changes") {
				t.Errorf("No changes written = %v for -o %s (log json %v):\n%s", strings.Contains(got, "No changes"), c.output, c.logJSON, got)
			}
		})
	}
}
