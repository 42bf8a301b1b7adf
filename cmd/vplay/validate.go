package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"

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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
