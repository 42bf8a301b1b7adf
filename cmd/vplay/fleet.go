package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
	"github.com/vplay-dev/vplay/engine/diag"
	"github.com/vplay-dev/vplay/engine/playbook"
	"github.com/vplay-dev/vplay/fleet"
	"github.com/vplay-dev/vplay/veeam"
)

// fleetFlags are the flags plan and apply take to run one playbook over the
// members of a fleet file.
type fleetFlags struct {
	file        string
	selectors   []string
	shard       string
	parallelism int
	failFast    bool
}

func (f *fleetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.file, "fleet", "", "run the playbook against every member of this fleet `FILE` (see docs/fleets.md)")
	fl.StringArrayVar(&f.selectors, "select", nil, "with --fleet: only members whose label KEY has VALUE (KEY=VALUE; name=MEMBER by name); repeatable: same key OR, different keys AND")
	fl.StringVar(&f.shard, "shard", "", "with --fleet: only the members in shard I of N (I/N, by a stable hash of the name); /N reads I from JOB_COMPLETION_INDEX")
	fl.IntVar(&f.parallelism, "fleet-parallelism", 8, "with --fleet: how many members run at once")
	fl.BoolVar(&f.failFast, "fail-fast", false, "with --fleet: start no further member after one fails")
}

// active reports whether a fleet flag was given: the command then runs
// over the fleet (and --fleet is required).
func (f *fleetFlags) active() bool {
	return f.file != "" || len(f.selectors) > 0 || f.shard != "" || f.failFast
}

// fleetRun is one plan or apply over a fleet: the chosen members and what
// every member shares (the playbook text, the flag overrides).
type fleetRun struct {
	fleet    *fleet.Fleet
	members  []fleet.Member
	playbook string
	// parsed are the playbook loaded once per distinct set of variables.
	parsed  map[string]parsedPlaybook
	varsKey map[string]string // member name -> key into parsed
	files   map[string]string // --secret-file entries
	opts    fleet.Options
	// log counts the API requests of every member (--stats).
	log *veeam.RequestLog
}

// parsedPlaybook is the playbook loaded with one member's variables, or
// its diagnostics rendered as text.
type parsedPlaybook struct {
	pb    *playbook.Playbook
	vars  map[string]any
	diags string
}

// loadFleet reads the fleet file and the playbook, selects the members and
// loads the playbook once per distinct set of member variables. Problems
// in the fleet file or with the flags stop the run; a playbook that is
// invalid only with some member's vars fails those members alone.
func (a *app) loadFleet(pbPath string, rf *runFlags, f *fleetFlags) (*fleetRun, error) {
	if f.file == "" {
		return nil, usageError{errors.New("--select, --shard and --fail-fast need --fleet FILE")}
	}
	if f.parallelism < 1 {
		return nil, usageError{fmt.Errorf("--fleet-parallelism %d: must be at least 1", f.parallelism)}
	}
	fl, ds, src := fleet.ReadFile(f.file)
	if len(ds) > 0 {
		fmt.Fprint(a.Err, diag.Format(ds, diag.Sources{f.file: src}))
	}
	if fl == nil {
		return nil, withCode(exitError, nil)
	}
	members, err := a.chooseMembers(fl, f)
	if err != nil {
		return nil, err
	}
	overrides, vds, vsrc, err := rf.load()
	if err != nil {
		return nil, err
	}
	if len(vds) > 0 {
		fmt.Fprint(a.Err, diag.Format(vds, vsrc))
		if vds.HasErrors() {
			return nil, withCode(exitError, nil)
		}
	}
	b, err := playbook.ReadFile(pbPath)
	if err != nil {
		return nil, err
	}
	files, err := readSecretFiles(rf.secretFiles)
	if err != nil {
		return nil, usageError{err}
	}
	r := &fleetRun{fleet: fl, members: members, playbook: pbPath, parsed: map[string]parsedPlaybook{},
		varsKey: map[string]string{}, files: files, opts: fleet.Options{Parallelism: f.parallelism, FailFast: f.failFast},
		log: veeam.NewRequestLog()}
	if err := r.loadPlaybooks(a, b, overrides); err != nil {
		return nil, err
	}
	return r, nil
}

// chooseMembers narrows the fleet by --select, then --shard.
func (a *app) chooseMembers(fl *fleet.Fleet, f *fleetFlags) ([]fleet.Member, error) {
	var sel []fleet.Selector
	for _, s := range f.selectors {
		x, err := fleet.ParseSelector(s)
		if err != nil {
			return nil, usageError{err}
		}
		sel = append(sel, x)
	}
	members := fleet.Select(fl.Members, sel)
	if len(members) == 0 {
		return nil, usageError{fmt.Errorf("--select %s matches no member of %s", strings.Join(f.selectors, " --select "), f.file)}
	}
	if f.shard == "" {
		return members, nil
	}
	sh, err := fleet.ParseShard(f.shard, a.Env["JOB_COMPLETION_INDEX"])
	if err != nil {
		return nil, usageError{err}
	}
	return sh.Filter(members), nil // an empty shard runs nothing and succeeds
}

// loadPlaybooks loads the playbook text b once per distinct set of member
// variables (the member's vars, --var and --var-file over them). A
// playbook invalid for every member is reported once and stops the run.
func (r *fleetRun) loadPlaybooks(a *app, b []byte, overrides map[string]any) error {
	for _, m := range r.members {
		vars := maps.Clone(m.Vars)
		if vars == nil {
			vars = map[string]any{}
		}
		maps.Copy(vars, overrides) // --var and --var-file win over the member's vars
		kb, err := json.Marshal(vars)
		if err != nil {
			return fmt.Errorf("member %s: vars: %w", m.Name, err)
		}
		key := string(kb)
		r.varsKey[m.Name] = key
		if _, done := r.parsed[key]; done {
			continue
		}
		pb, pds := playbook.Parse(r.playbook, b, a.Catalog, playbook.Options{Vars: vars})
		pp := parsedPlaybook{pb: pb, vars: vars}
		if pb == nil || pds.HasErrors() {
			pp = parsedPlaybook{diags: diag.Format(pds, diag.Sources{r.playbook: b})}
		} else if len(pds) > 0 && len(r.parsed) == 0 {
			fmt.Fprint(a.Err, diag.Format(pds, diag.Sources{r.playbook: b})) // warnings, once
		}
		r.parsed[key] = pp
	}
	if len(r.parsed) == 1 {
		for _, pp := range r.parsed {
			if pp.pb == nil { // invalid for every member: report it once, as validate would
				fmt.Fprint(a.Err, pp.diags)
				return withCode(exitError, nil)
			}
		}
	}
	return nil
}

// errInvalidForMember fails a member whose vars make the playbook invalid
// (the diagnostics are in its section of the output).
var errInvalidForMember = errors.New("the playbook is invalid with this member's vars")

// memberSession is one member's own engine: its environment (the member's
// values over the process environment, secret references read), its own
// connections, locks and journal directory. Members share only the
// masking of secrets in output and the request counts (--stats).
func (a *app) memberSession(r *fleetRun, m fleet.Member, rf *runFlags, warnf func(string, ...any)) (*session, string, error) {
	pp := r.parsed[r.varsKey[m.Name]]
	if pp.pb == nil {
		return nil, pp.diags, errInvalidForMember
	}
	res, err := fleet.Resolve(m, a.Env)
	if err != nil {
		return nil, "", err
	}
	for _, v := range res.Secrets {
		a.Known.Add(v)
	}
	base := veeam.Config{Log: r.log, Secrets: a.Known, Warnf: warnf}
	if rf.debug { // members trace at once: each line names its member
		base.Debug = &linePrefixer{w: a.Err, prefix: "[" + m.Name + "] "}
	}
	e := engine.New(engine.Config{
		Catalog:    a.Catalog,
		Connector:  engine.ClientConnector{Base: base},
		Env:        res.Env,
		Secret:     memberSecret(res.Secrets, r.files, res.Env),
		JournalDir: memberJournalDir(a.Env, m.Name),
		Known:      a.Known,
	})
	return &session{pb: pp.pb, engine: e, log: r.log}, "", nil
}

// memberSecret resolves secret('X') from the member's references first,
// then --secret-file entries, then the environment.
func memberSecret(member, files, env map[string]string) func(string) (string, error) {
	rest := secretLookup(files, env)
	return func(name string) (string, error) {
		if v, ok := member[name]; ok {
			return v, nil
		}
		return rest(name)
	}
}

// memberJournalDir is where a member keeps its journals and owed steps:
// a directory of its own under the state directory, keyed by member name,
// so members sharing a playbook and target names never share a journal.
func memberJournalDir(env map[string]string, member string) string {
	d := engine.DefaultJournalDir(env)
	if d == "" {
		return ""
	}
	return filepath.Join(d, "fleet", member)
}
