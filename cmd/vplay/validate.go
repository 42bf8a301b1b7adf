package main

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime/debug"
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/playbook"
)

// varFlags are the variable overrides shared by validate, plan and apply.
type varFlags struct {
	vars     []string // --var NAME=VALUE
	varFiles []string // --var-file FILE
}

func (f *varFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.vars, "var", nil, "set a variable: NAME=VALUE (VALUE is YAML: 4, true, [a, b]); repeatable")
	cmd.Flags().StringArrayVar(&f.varFiles, "var-file", nil, "read variables from a YAML mapping file; repeatable")
}

// load returns the overrides: var files in order, then --var flags. Problems
// in var files are diagnostics (returned with their sources).
func (f *varFlags) load() (map[string]any, diag.Diagnostics, diag.Sources, error) {
	out := map[string]any{}
	var ds diag.Diagnostics
	src := diag.Sources{}
	for _, name := range f.varFiles {
		b, err := playbook.ReadFile(name)
		if err != nil {
			return nil, nil, nil, usageError{fmt.Errorf("--var-file: %w", err)}
		}
		src[name] = b
		m, fds := playbook.ParseVarFile(name, b)
		ds = append(ds, fds...)
		maps.Copy(out, m)
	}
	for _, s := range f.vars {
		k, v, err := playbook.ParseVar(s)
		if err != nil {
			return nil, nil, nil, usageError{err}
		}
		out[k] = v
	}
	return out, ds, src, nil
}

type validateFlags struct {
	varFlags
	quiet  bool
	output string // text or json
	format string // text or github (annotations)
}

func (f *validateFlags) validate(args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("validate needs at least one PLAYBOOK")}
	}
	if f.output != "text" && f.output != "json" {
		return usageError{fmt.Errorf("--output %q: expected one of text, json", f.output)}
	}
	if f.format != "text" && f.format != "github" {
		return usageError{fmt.Errorf("--format %q: expected one of text, github", f.format)}
	}
	return nil
}

func newValidateCmd(a *app) *cobra.Command {
	var f validateFlags
	cmd := &cobra.Command{
		Use:   "validate PLAYBOOK...",
		Short: "Check playbooks: YAML, schema, expressions and references",
		Long: `Check playbooks without contacting any server: YAML syntax, the JSON Schema (unknown keys,
types, required keys, vendor enums and spec schemas), every ${{ }} expression and condition,
targets, kinds, actions, queries, duplicate identities and dependency cycles.
Every problem is reported as FILE:LINE:COL with the source line. Exit status: 0 when
every playbook is valid, 1 when any is not, 2 on usage errors.`,
		Example: `  vplay validate playbooks/quickstart.yaml
  vplay validate --var max_tasks=8 playbooks/*.yaml
  vplay validate -o json playbooks/*.yaml > report.json
  vplay validate --format github playbooks/*.yaml   # annotations on the pull request's files`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(args); err != nil {
				return err
			}
			vars, ds, src, err := f.load()
			if err != nil {
				return err
			}
			v := a.newValidateView(&f)
			rep := validateReport{FormatVersion: "1.0", Valid: !ds.HasErrors(), Diagnostics: jsonDiags(ds)}
			v.Diagnostics(ds, src)
			all := slices.Clone(ds)
			for _, name := range args {
				res := a.validateFile(name, vars, v)
				all = append(all, res.ds...)
				rep.Playbooks = append(rep.Playbooks, res.report)
				rep.Valid = rep.Valid && res.report.Valid
			}
			if f.format == "github" {
				writeAnnotations(a.Out, all)
			}
			if err := v.Result(rep); err != nil {
				return err
			}
			if !rep.Valid {
				return withCode(exitError, nil)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print nothing for valid playbooks")
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text, json (one document on stdout)")
	cmd.Flags().StringVar(&f.format, "format", "text", "text, or github: also print GitHub Actions annotations (::error file=...) on stdout")
	return cmd
}

// Loading a playbook allocates mostly short-lived garbage (goccy's tokens
// and AST, parsed in pieces) while the tree it keeps grows to about 13
// bytes per byte of YAML (50 MB for validate-5k's 4 MB). With the default
// GOGC alone the heap may reach twice that plus what the parsing goroutines
// allocate during a collection, which made peak RSS vary by 20 MB from run
// to run. A soft memory limit of memoryPerByte bytes per byte of the
// largest playbook, at least memoryFloor, caps that without costing CPU:
// it stays about twice the live heap, so collections come no more often
// than GOGC=100 makes them once the heap is that large.
const (
	memoryFloor   = 96 << 20
	memoryPerByte = 24
)

// limitMemory raises the process's soft memory limit to what loading a
// playbook of size bytes needs (see memoryFloor), unless GOMEMLIMIT is set.
// Tests run many commands in one process, whose limit is left alone.
func limitMemory(env map[string]string, size int) {
	if testing.Testing() || env["GOMEMLIMIT"] != "" {
		return
	}
	want := max(memoryFloor, memoryPerByte*int64(size))
	if cur := debug.SetMemoryLimit(-1); cur == math.MaxInt64 || cur < want {
		debug.SetMemoryLimit(want)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
