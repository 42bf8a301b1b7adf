package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vplay-dev/vplay/engine"
)

// TestNewViewChoosesOnce: --output picks the view once; without a
// terminal the text formats are the human view.
func TestNewViewChoosesOnce(t *testing.T) {
	t.Parallel()
	for output, want := range map[string]string{"text": "*main.humanView", "markdown": "*main.humanView", "json": "*main.jsonView"} {
		a := &app{stdio: stdio{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}}
		v := a.newView(&runFlags{output: output}, viewOptions{})
		if got := fmt.Sprintf("%T", v); got != want {
			t.Errorf("newView(-o %s) = %s, want %s", output, got, want)
		}
	}
}

// TestJSONViewWarnings: a warning that comes before apply starts (while
// locking or planning) is held and written as the first object of the
// event stream on stdout; when stdout gets the plan document instead, the
// held warnings go to stderr, so stdout stays one document.
func TestJSONViewWarnings(t *testing.T) {
	t.Parallel()
	warn := engine.Warning{Time: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), Message: "tls.insecure: certificates are not verified"}
	p := &engine.Plan{FormatVersion: engine.FormatVersion, Name: "n"}

	var out, errs bytes.Buffer
	v := (&app{stdio: stdio{Out: &out, Err: &errs}}).newView(&runFlags{output: "json"}, viewOptions{})
	v.Observe(warn)
	if out.Len()+errs.Len() != 0 {
		t.Fatalf("a warning was written before the view knew where: out %q err %q", out.String(), errs.String())
	}
	if _, err := v.Plan(context.Background(), p, planRun); err != nil {
		t.Fatal(err)
	}
	v.Observe(engine.ApplyStarted{Playbook: "p.yaml"})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"type":"warning",`) || !strings.Contains(lines[0], "not verified") ||
		!strings.HasPrefix(lines[1], `{"type":"apply_started"`) {
		t.Errorf("event stream = %q, want the warning, then apply_started", lines)
	}

	out.Reset()
	v = (&app{stdio: stdio{Out: &out, Err: &errs}}).newView(&runFlags{output: "json"}, viewOptions{})
	v.Observe(warn)
	if _, err := v.Plan(context.Background(), p, planResult); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "warning") || !strings.HasPrefix(errs.String(), `{"type":"warning",`) {
		t.Errorf("plan document: stdout %q, stderr %q; want the warning on stderr only", out.String(), errs.String())
	}
}

// TestHumanViewWarnings: the text views keep warnings on stderr, as
// "warning: ...", before and during apply.
func TestHumanViewWarnings(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	v := (&app{stdio: stdio{Out: &out, Err: &errs}}).newView(&runFlags{output: "text"}, viewOptions{})
	v.Observe(engine.Warning{Message: "target \"vbr\" uses plain HTTP"})
	if got, want := errs.String(), "warning: target \"vbr\" uses plain HTTP\n"; got != want || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q; want stderr %q", got, out.String(), want)
	}
}
