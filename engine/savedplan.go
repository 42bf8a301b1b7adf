package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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

// WritePlan saves p as JSON. Secrets are already masked in p.
func WritePlan(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
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
	return &p, nil
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
		return nil
	}
	return e
}
