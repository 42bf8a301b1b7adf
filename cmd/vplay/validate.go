package main

import (
	"errors"
	"fmt"
	"maps"

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
	quiet bool
}

func (f *validateFlags) validate(args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("validate needs at least one PLAYBOOK")}
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
  vplay validate --var max_tasks=8 playbooks/*.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(args); err != nil {
				return err
			}
			vars, ds, src, err := f.load()
			if err != nil {
				return err
			}
			failed := ds.HasErrors()
			if len(ds) > 0 {
				fmt.Fprint(a.Err, diag.Format(ds, src))
			}
			for _, name := range args {
				b, err := playbook.ReadFile(name)
				if err != nil {
					fmt.Fprintf(a.Err, "%s: error: %v\n", name, errors.Unwrap(err))
					failed = true
					continue
				}
				pb, ds := playbook.Parse(name, b, a.Catalog, playbook.Options{Vars: vars})
				if len(ds) > 0 {
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
					fmt.Fprintf(a.Err, "%s: %d %s%s\n", name, n, plural(n, "error", "errors"), more)
					failed = true
					continue
				}
				if !f.quiet {
					fmt.Fprintf(a.Out, "%s: valid (%d %s, %d %s, %d %s)\n", name,
						len(pb.Resources), plural(len(pb.Resources), "resource", "resources"),
						len(pb.Steps), plural(len(pb.Steps), "step", "steps"),
						len(pb.Data), plural(len(pb.Data), "data query", "data queries"))
				}
			}
			if failed {
				return withCode(exitError, nil)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print nothing for valid playbooks")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
