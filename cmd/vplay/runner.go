package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/veeam"
)

// runFlags are the flags plan and apply share.
type runFlags struct {
	varFlags
	secretFiles []string
	noTUI       bool
	debug       bool
	targets     []string
	output      string
	stats       bool
	formats     []string // what --output accepts for this command
}

// register adds the flags to cmd; formats are the values its --output
// accepts, the first being the default.
func (f *runFlags) register(cmd *cobra.Command, formats ...string) {
	f.formats = formats
	f.varFlags.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.secretFiles, "secret-file", nil, "read secrets for secret() from a `FILE` of NAME=VALUE lines (such as the one vplay sim --env-file writes); repeatable")
	fl.BoolVar(&f.noTUI, "no-tui", false, "print text instead of opening the terminal UI")
	fl.BoolVar(&f.debug, "debug", false, "print an HTTP trace to stderr (credentials, tokens and every known secret masked)")
	fl.StringArrayVar(&f.targets, "target", nil, "limit to a resource (TARGET/KIND/NAME, KIND/NAME, KIND or TARGET) or a step (step.ID); repeatable")
	fl.StringVarP(&f.output, "output", "o", formats[0], "output format: "+strings.Join(formats, ", "))
	fl.BoolVar(&f.stats, "stats", false, "print the number of API requests per endpoint at the end")
}

func (f *runFlags) validate() error {
	if slices.Contains(f.formats, f.output) {
		return nil
	}
	return usageError{fmt.Errorf("--output %q: expected one of %s", f.output, strings.Join(f.formats, ", "))}
}

// session is what one plan or apply run sets up: the loaded playbook and an
// engine connected through real clients.
type session struct {
	pb     *playbook.Playbook
	engine *engine.Engine
	log    *veeam.RequestLog
}

// loadPlaybook reads and validates a playbook, showing diagnostics in v; it
// returns a codeError when the playbook is invalid.
func (a *app) loadPlaybook(name string, f *runFlags, saved map[string]any, v view) (*playbook.Playbook, error) {
	vars, ds, src, err := f.load()
	if err != nil {
		return nil, err
	}
	if len(f.vars) == 0 && len(f.varFiles) == 0 && saved != nil {
		vars = saved // a saved plan brings the overrides it was computed with
	}
	b, err := playbook.ReadFile(name)
	if err != nil {
		return nil, err
	}
	src[name] = b
	pb, pds := playbook.Parse(name, b, a.Catalog, playbook.Options{Vars: vars})
	ds = append(ds, pds...)
	v.Diagnostics(ds, src)
	if pb == nil || ds.HasErrors() {
		return nil, withCode(exitError, nil)
	}
	return pb, nil
}

// newSession loads the playbook and builds an engine for it. savedVars are
// the variable overrides of a saved plan, used when no --var flag is given.
// Diagnostics and warnings (insecure TLS, plain HTTP) go to v.
func (a *app) newSession(name string, f *runFlags, savedVars map[string]any, v view) (*session, error) {
	pb, err := a.loadPlaybook(name, f, savedVars, v)
	if err != nil {
		return nil, err
	}
	secrets, err := readSecretFiles(f.secretFiles)
	if err != nil {
		return nil, usageError{err}
	}
	log := veeam.NewRequestLog()
	base := veeam.Config{Log: log, Secrets: a.Known, Warnf: warnTo(v)}
	if f.debug {
		base.Debug = a.Err
	}
	env := a.Env
	e := engine.New(engine.Config{
		Catalog:    a.Catalog,
		Connector:  engine.ClientConnector{Base: base},
		Env:        env,
		Secret:     secretLookup(secrets, env),
		JournalDir: engine.DefaultJournalDir(env),
		Known:      a.Known,
	})
	return &session{pb: pb, engine: e, log: log}, nil
}

// warnTo turns a printf-style warning into an engine.Warning event for v,
// so warnings reach every view (-o json and the terminal UI too).
func warnTo(v view) func(format string, args ...any) {
	return func(format string, args ...any) {
		v.Observe(engine.Warning{Time: time.Now(), Message: fmt.Sprintf(format, args...)})
	}
}

// secretLookup resolves secret('X') from --secret-file entries, then the
// environment.
func secretLookup(files, env map[string]string) func(string) (string, error) {
	return func(name string) (string, error) {
		if v, ok := files[name]; ok {
			return v, nil
		}
		if v, ok := env[name]; ok {
			return v, nil
		}
		return "", fmt.Errorf("secret %q is not set: export %s or pass --secret-file", name, name)
	}
}

// readSecretFiles parses NAME=VALUE lines; blank lines and # comments are
// ignored and values may be quoted.
func readSecretFiles(names []string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range names {
		fh, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--secret-file: %w", err)
		}
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			line = strings.TrimPrefix(line, "export ")
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				fh.Close()
				return nil, fmt.Errorf("--secret-file %s:%d: expected NAME=VALUE", name, n)
			}
			out[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
		}
		err = sc.Err()
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("--secret-file %s: %w", name, err)
		}
	}
	return out, nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// isTTY reports whether a stream (reader or writer) is a terminal, looking
// through the masking and cleaning writers run wraps stdout and stderr in.
func isTTY(stream any) bool {
	f, ok := rawStream(stream).(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// rawStream returns the stream under run's writers.
func rawStream(stream any) any {
	for range 4 {
		u, ok := stream.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		stream = u.Unwrap()
	}
	return stream
}

// tuiOut is stdout for the terminal UI: the raw stream, after what the
// masking writer holds back. The UI redraws by changing only the cells
// that differ between frames, which a stream filter would corrupt; its
// model is masked instead (the engine masks plans and events).
func (a *app) tuiOut() io.Writer {
	flush(a.Out)
	w, _ := rawStream(a.Out).(io.Writer)
	return w
}

// flush writes what a stream writer holds back (before a prompt).
func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}

// useColor reports whether text output to w gets colour: on a terminal,
// unless NO_COLOR is set to a non-empty value (no-color.org: an empty
// NO_COLOR= does not turn colour off).
func (a *app) useColor(w io.Writer) bool {
	return a.Env["NO_COLOR"] == "" && isTTY(w)
}

// useTUI reports whether the terminal UI should open.
func (a *app) useTUI(f *runFlags) bool {
	return !f.noTUI && f.output == "text" && isTTY(a.Out) && isTTY(a.In)
}

// printStats writes the request counts of the run.
func printStats(w io.Writer, log *veeam.RequestLog) {
	counts := log.Counts()
	keys := make([]string, 0, len(counts))
	total := 0
	for k, n := range counts {
		keys = append(keys, k)
		total += n
	}
	slices.Sort(keys)
	fmt.Fprintf(w, "\nAPI requests: %d\n", total)
	for _, k := range keys {
		fmt.Fprintf(w, "  %5d  %s\n", counts[k], k)
	}
}
