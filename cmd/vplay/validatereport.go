package main

import (
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

// validateFile checks one playbook, printing the text form unless -o json.
func (a *app) validateFile(name string, vars map[string]any, f *validateFlags) fileResult {
	text := f.output == "text"
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
		if text {
			fmt.Fprintf(a.Err, "%s: error: %v\n", name, msg)
		}
		return res
	}
	pb, ds := playbook.Parse(name, b, a.Catalog, playbook.Options{Vars: vars})
	res.ds = ds
	res.report.Diagnostics = jsonDiags(ds)
	if len(ds) > 0 && text {
		fmt.Fprint(a.Err, diag.Format(ds, diag.Sources{name: b}))
	}
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
		if text {
			fmt.Fprintf(a.Err, "%s: %d %s%s\n", name, n, plural(n, "error", "errors"), more)
		}
		return res
	}
	res.report.Valid = true
	res.report.Resources, res.report.Steps, res.report.DataQueries = len(pb.Resources), len(pb.Steps), len(pb.Data)
	if text && !f.quiet {
		fmt.Fprintf(a.Out, "%s: valid (%d %s, %d %s, %d %s)\n", name,
			len(pb.Resources), plural(len(pb.Resources), "resource", "resources"),
			len(pb.Steps), plural(len(pb.Steps), "step", "steps"),
			len(pb.Data), plural(len(pb.Data), "data query", "data queries"))
	}
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
