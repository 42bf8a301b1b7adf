package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vplay-dev/vplay/engine/eval"
)

// StalePlanError is a saved plan whose live objects changed since it was
// computed.
type StalePlanError struct {
	// Changed lists "target/kind/name: what changed".
	Changed []string
	// PlaybookChanged is set when the playbook file differs from the one
	// planned.
	PlaybookChanged bool
}

// Error names everything that changed.
func (e *StalePlanError) Error() string {
	var parts []string
	if e.PlaybookChanged {
		parts = append(parts, "the playbook file changed since the plan was saved")
	}
	parts = append(parts, e.Changed...)
	return "saved plan is stale: " + strings.Join(parts, "; ") + "; run vplay plan again"
}

// WritePlan saves p as JSON. Secrets are already masked in p; every value
// in known (the secrets of the run that planned p) is masked once more in
// the bytes written, so nothing added to p since (variables, restrictions)
// can carry one. known may be nil.
func WritePlan(w io.Writer, p *Plan, known *eval.KnownSecrets) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return err
	}
	_, err := w.Write(known.MaskBytes(b.Bytes()))
	return err
}

// ReadPlan reads a plan saved by WritePlan.
func ReadPlan(r io.Reader) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	if p.FormatVersion == "" {
		return nil, errors.New("read saved plan: not a vplay plan (no format_version)")
	}
	if major(p.FormatVersion) != major(FormatVersion) {
		return nil, fmt.Errorf("read saved plan: format_version %s is not supported (this vplay writes %s)", p.FormatVersion, FormatVersion)
	}
	for k, v := range p.Vars {
		p.Vars[k] = plainNumbers(v)
	}
	return &p, nil
}

// plainNumbers turns the json.Numbers of a decoded variable into the types
// the playbook loader gives YAML numbers (int, else float64), so a saved
// --var max_tasks=8 is the integer it was when the plan was made.
func plainNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.Atoi(v.String()); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	case []any:
		for i := range v {
			v[i] = plainNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = plainNumbers(v[k])
		}
	}
	return v
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// CheckStale compares a saved plan with one computed now from live state and
// returns a *StalePlanError naming every object that moved.
func CheckStale(saved, fresh *Plan) error {
	e := &StalePlanError{PlaybookChanged: saved.PlaybookHash != fresh.PlaybookHash}
	now := map[string]Fingerprint{}
	for _, f := range fresh.Fingerprints {
		now[f.Target+"/"+f.Kind+"/"+f.Name] = f
	}
	for _, f := range saved.Fingerprints {
		key := f.Target + "/" + f.Kind + "/" + f.Name
		g, ok := now[key]
		switch {
		case !ok:
			e.Changed = append(e.Changed, key+": no longer in the playbook")
		case f.Hash == g.Hash:
		case f.Hash == "absent":
			e.Changed = append(e.Changed, key+": was absent, now exists")
		case g.Hash == "absent":
			e.Changed = append(e.Changed, key+": was deleted")
		default:
			e.Changed = append(e.Changed, key+": changed on the server")
		}
		delete(now, key)
	}
	for key := range now {
		e.Changed = append(e.Changed, key+": new in the playbook")
	}
	if !e.PlaybookChanged && len(e.Changed) == 0 {
		e.Changed = changedWork(saved, fresh)
	}
	if !e.PlaybookChanged && len(e.Changed) == 0 {
		return nil
	}
	return e
}

// changedWork compares what the two plans would do when neither the
// playbook nor live state moved. Apply recomputes the plan from the
// playbook and the flags it is given, so values that are not in the
// playbook (--var, --var-file, the environment) could otherwise make it
// apply work nobody reviewed: a plan saved with `--var state=absent`
// applied without it would silently do nothing, and one saved with
// `--var tasks=8` applied without it would revert the field instead.
func changedWork(saved, fresh *Plan) []string {
	const hint = " (were plan and apply given the same --var and --var-file values and environment?)"
	var out []string
	now := map[Addr]Change{}
	for _, c := range fresh.Changes {
		now[c.Addr] = c
	}
	for _, c := range saved.Changes {
		f, ok := now[c.Addr]
		switch {
		case !ok:
		case f.Action != c.Action:
			out = append(out, fmt.Sprintf("%s: planned %s, now %s%s", c.Addr, c.Action, f.Action, hint))
		case canonicalJSON(c.Diff) != canonicalJSON(f.Diff):
			out = append(out, fmt.Sprintf("%s: the planned field changes differ%s", c.Addr, hint))
		}
	}
	steps := map[string]StepRun{}
	for _, r := range fresh.Steps {
		steps[r.ID] = r
	}
	for _, r := range saved.Steps {
		f, ok := steps[r.ID]
		switch {
		case !ok:
		case f.Status != r.Status:
			out = append(out, fmt.Sprintf("step %s: planned %s, now %s%s", r.ID, r.Status, f.Status, hint))
		case canonicalJSON(f.Items) != canonicalJSON(r.Items):
			out = append(out, fmt.Sprintf("step %s: the planned items differ%s", r.ID, hint))
		}
	}
	return out
}

// canonicalJSON renders v as JSON after a round trip, so a plan read from
// a file (json.Number) and one computed now (Go numbers) compare equal.
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var x any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&x) != nil {
		return string(b)
	}
	b, _ = json.Marshal(x)
	return string(b)
}
