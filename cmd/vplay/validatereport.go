package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/playbook"
)

// validateReport is the `vplay validate -o json` document.
type validateReport struct {
	FormatVersion string `json:"format_version"`
	// Valid is true when every playbook is valid.
	Valid bool `json:"valid"`
	// Playbooks are the results per file, in argument order.
	Playbooks []fileReport `json:"playbooks"`
	// Diagnostics are about the command line (--var-file), not a playbook.
	Diagnostics []jsonDiag `json:"diagnostics"`
}

// fileReport is one playbook's result.
type fileReport struct {
	File        string     `json:"file"`
	Valid       bool       `json:"valid"`
	Resources   int        `json:"resources"`
	Steps       int        `json:"steps"`
	DataQueries int        `json:"data_queries"`
	Diagnostics []jsonDiag `json:"diagnostics"`
}

// jsonDiag is a diagnostic in the validate report.
type jsonDiag struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

func jsonDiags(ds diag.Diagnostics) []jsonDiag {
	out := make([]jsonDiag, 0, len(ds))
	for _, d := range ds {
		out = append(out, jsonDiag{File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col, Severity: d.Severity.String(),
			Code: d.Code, Message: d.Summary, Hint: d.Hint})
	}
	return out
}

// fileResult is what validating one file found.
type fileResult struct {
	report fileReport
	ds     diag.Diagnostics
}

// validateView shows what validate found in the output format --output
// chose, once, in newValidateView: text for people (problems on stderr,
// valid playbooks on stdout), or one JSON document on stdout at the end.
type validateView interface {
	// Diagnostics shows problems found, with their source lines.
	Diagnostics(ds diag.Diagnostics, src diag.Sources)
	// Unreadable says a playbook could not be read.
	Unreadable(name string, err error)
	// Invalid says a playbook has errors: n of them, and more not shown
	// when it says so.
	Invalid(name string, n int, more string)
	// Valid shows a valid playbook and its size.
	Valid(r fileReport)
	// Result ends the output with the whole report.
	Result(rep validateReport) error
}

// newValidateView chooses validate's view from its flags; it is the one
// place validate looks at --output.
func (a *app) newValidateView(f *validateFlags) validateView {
	if f.output == "json" {
		return jsonValidateView{w: a.Out}
	}
	return textValidateView{a: a, quiet: f.quiet}
}

// textValidateView writes validate's findings for people.
type textValidateView struct {
	a     *app
	quiet bool
}

func (v textValidateView) Diagnostics(ds diag.Diagnostics, src diag.Sources) {
	if len(ds) > 0 {
		fmt.Fprint(v.a.Err, diag.Format(ds, src))
	}
}

func (v textValidateView) Unreadable(name string, err error) {
	fmt.Fprintf(v.a.Err, "%s: error: %v\n", name, err)
}

func (v textValidateView) Invalid(name string, n int, more string) {
	fmt.Fprintf(v.a.Err, "%s: %d %s%s\n", name, n, plural(n, "error", "errors"), more)
}

func (v textValidateView) Valid(r fileReport) {
	if v.quiet {
		return
	}
	fmt.Fprintf(v.a.Out, "%s: valid (%d %s, %d %s, %d %s)\n", r.File,
		r.Resources, plural(r.Resources, "resource", "resources"),
		r.Steps, plural(r.Steps, "step", "steps"),
		r.DataQueries, plural(r.DataQueries, "data query", "data queries"))
}

func (textValidateView) Result(validateReport) error { return nil }

// jsonValidateView writes validate's report as one JSON document.
type jsonValidateView struct{ w io.Writer }

func (jsonValidateView) Diagnostics(diag.Diagnostics, diag.Sources) {}

func (jsonValidateView) Unreadable(string, error) {}

func (jsonValidateView) Invalid(string, int, string) {}

func (jsonValidateView) Valid(fileReport) {}

func (v jsonValidateView) Result(rep validateReport) error {
	enc := json.NewEncoder(v.w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("encode validate report: %w", err)
	}
	return nil
}

// validateFile checks one playbook, showing what it found through v.
func (a *app) validateFile(name string, vars map[string]any, v validateView) fileResult {
	res := fileResult{report: fileReport{File: name, Diagnostics: []jsonDiag{}}}
	b, err := playbook.ReadFile(name)
	if err != nil {
		msg := errors.Unwrap(err)
		if msg == nil {
			msg = err
		}
		d := diag.Errorf(diag.Pos{File: name}, "read", "%v", msg)
		res.ds = diag.Diagnostics{d}
		res.report.Diagnostics = jsonDiags(res.ds)
		v.Unreadable(name, msg)
		return res
	}
	limitMemory(a.Env, len(b))
	pb, ds := playbook.Parse(name, b, a.Catalog, playbook.Options{Vars: vars})
	res.ds = ds
	res.report.Diagnostics = jsonDiags(ds)
	v.Diagnostics(ds, diag.Sources{name: b})
	if pb == nil {
		n, more := 0, ""
		for _, d := range ds {
			switch {
			case d.Code == "too-many-diagnostics":
				more = " shown, more not shown"
			case d.Severity == diag.SevError:
				n++
			}
		}
		v.Invalid(name, n, more)
		return res
	}
	res.report.Valid = true
	res.report.Resources, res.report.Steps, res.report.DataQueries = len(pb.Resources), len(pb.Steps), len(pb.Data)
	v.Valid(res.report)
	return res
}

// writeAnnotations prints each diagnostic as a GitHub Actions workflow
// command, which the pull request shows on the file's line.
func writeAnnotations(w io.Writer, ds diag.Diagnostics) {
	for _, d := range ds {
		level := "error"
		if d.Severity == diag.SevWarning {
			level = "warning"
		}
		props := []string{"file=" + ghProperty(d.Pos.File)}
		if d.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
		}
		if d.Pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
		}
		props = append(props, "title="+ghProperty("vplay "+d.Code))
		msg := d.Summary
		if d.Hint != "" {
			msg += "\n" + d.Hint
		}
		fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
	}
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
