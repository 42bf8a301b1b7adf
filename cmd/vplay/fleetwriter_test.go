package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMemberJSONLines(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := memberJSONLines(&b, `a"b`)
	// Written in pieces that split lines: every line still comes out whole.
	for _, part := range []string{`{"type":"x",`, `"n":1}` + "\n{}\n", `{"type":"y"}`} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines %q", lines)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if m["member"] != `a"b` {
			t.Errorf("%s: member %v", l, m["member"])
		}
	}
}

func TestLinePrefixer(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := &linePrefixer{w: &b, prefix: "[ams] "}
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\nthree"))
	_ = w.Flush()
	if got, want := b.String(), "[ams] one\n[ams] two\n[ams] three\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
