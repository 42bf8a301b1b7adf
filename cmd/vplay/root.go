package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/render"
	"github.com/vplay-dev/vplay/schema"
	"github.com/vplay-dev/vplay/steps"
)

// stdio are the streams a run reads and writes.
type stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// app is what every command constructor receives: the streams, the
// environment and the catalogue. It is created once per run.
type app struct {
	stdio
	// Env is the process environment as KEY -> value (env.X, secret()).
	Env map[string]string
	// Catalog is the step catalogue (steps.Builtin).
	Catalog *steps.Catalog
	// Known are the secret values of the run, masked in everything
	// written to Out and Err (which run wraps with its writers).
	Known *eval.KnownSecrets
}

// commands lists the constructors of every subcommand, in help order.
// Add new commands here: newSimCmd, newPlanCmd, newApplyCmd,
// newDescribeCmd (sim.go, plan.go, apply.go, describe.go).
var commands = []func(*app) *cobra.Command{
	newValidateCmd,
	newPlanCmd,
	newApplyCmd,
	newUnlockCmd,
	newImportCmd,
	newSimCmd,
	func(a *app) *cobra.Command { return newDescribeCmd(a.Catalog) },
	newSchemaCmd,
	newVersionCmd,
}

// run executes vplay with args (without the program name) and returns the
// exit code.
//
// Everything written to stdout and stderr passes through one masking writer
// each (the run's known secrets), and stderr, which carries no styling of
// its own, is cleaned of control characters (servers' error messages).
func run(ctx context.Context, args []string, s stdio, environ []string) int {
	known := eval.NewKnownSecrets()
	errClean := render.CleanWriter(s.Err)
	out, errOut := known.Writer(s.Out), known.Writer(errClean)
	defer func() {
		_ = out.Flush()
		_ = errOut.Flush()
		_ = errClean.Flush()
	}()
	a := &app{stdio: stdio{In: s.In, Out: out, Err: errOut}, Env: envMap(environ), Catalog: schema.Catalog(), Known: known}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := exitCode(ctx, err)
	var ce codeError
	switch {
	case err == nil:
	case errors.As(err, &ce) && ce.err == nil:
	case printDiagnostics(a.Err, err):
	case code == exitUsage:
		fmt.Fprintf(a.Err, "error: %v\nRun 'vplay --help' for usage.\n", err)
	default:
		fmt.Fprintf(a.Err, "error: %v\n", err)
	}
	return code
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "vplay",
		Short: "Declarative reconcile and automation for Veeam B&R, Enterprise Manager and VSPC",
		Long: `vplay reads YAML playbooks that declare Veeam infrastructure (repositories, scale-out
repositories, recovery tokens) and operational steps (rescans, agent job retries, agent
restarts), plans the changes against live state and applies them, awaiting every session.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.In)
	root.SetOut(a.Out)
	root.SetErr(a.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, c := range commands {
		root.AddCommand(c(a))
	}
	root.Version = buildVersion()
	root.SetVersionTemplate(versionLine(root.Version) + "\n")
	// cobra adds `completion` itself; make its usage errors exit 2 too.
	root.InitDefaultCompletionCmd()
	groupCommands(root)
	for _, c := range root.Commands() {
		if c.HasSubCommands() {
			groupCommands(c)
			continue
		}
		if c.Args == nil {
			c.Args = cobra.ArbitraryArgs
		}
		c.Args = usageArgs(c.Args)
	}
	return root
}

// groupCommands makes a command that only groups subcommands (the root,
// completion) print its help when called alone and refuse an unknown
// subcommand as a usage error (exit 2) with the closest names. cobra would
// otherwise print the help and exit 0 (completion fish2), or exit 1.
func groupCommands(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 1 // one typo; cobra's 2 suggests bash for tcsh
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + s[0] + "?"
		} else {
			names := []string{}
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			msg += "; expected one of: " + strings.Join(names, ", ")
		}
		return usageError{errors.New(msg)}
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
}

// usageArgs marks argument-count errors as usage errors (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// printDiagnostics prints the diagnostics an error carries (a playbook
// checked again at plan time, once its targets' API revisions are known)
// with their source lines; false when it carries none.
func printDiagnostics(w io.Writer, err error) bool {
	ds, ok := diag.AsDiagnostics(err)
	if !ok {
		return false
	}
	src := diag.Sources{}
	for _, d := range ds {
		if _, seen := src[d.Pos.File]; !seen && d.Pos.File != "" {
			src[d.Pos.File], _ = os.ReadFile(d.Pos.File)
		}
	}
	fmt.Fprint(w, diag.Format(ds, src))
	return true
}
