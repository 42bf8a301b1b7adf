package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/engine/playbook"
)

// Owed is a step that a change made by an earlier run obliges to run: the
// step is gated on changed(Key), the run that made the change (at Since)
// did not reach the step, and no run has run it since. Plan and apply
// treat changed(Key) as true for that step until it has run.
type Owed struct {
	Step  string    `json:"step"`
	Key   string    `json:"key"`           // the changed() argument that matched
	Since time.Time `json:"since"`         // when the change was made
	URL   string    `json:"url,omitempty"` // the step's target URL ("" for built-ins)
}

// owedBook is the per-playbook file of owed steps, next to the journals.
// A nil *owedBook records nothing.
type owedBook struct {
	mu      sync.Mutex
	path    string
	entries []Owed
}

// openOwed reads the owed steps of playbook file pb under dir.
func openOwed(dir, pb string) (*owedBook, error) {
	if dir == "" {
		return nil, nil
	}
	o := &owedBook{path: filepath.Join(dir, journalStem(pb)+"-owed.json")}
	b, err := os.ReadFile(o.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return o, nil
	case err != nil:
		return nil, fmt.Errorf("read owed steps: %w", err)
	}
	if err := json.Unmarshal(b, &o.entries); err != nil {
		return nil, fmt.Errorf("read owed steps %s: %w", o.path, err)
	}
	return o, nil
}

// forStep returns what step id owes on the target at url.
func (o *owedBook) forStep(id, url string) []Owed {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Owed
	for _, e := range o.entries {
		if e.Step == id && e.URL == url {
			out = append(out, e)
		}
	}
	return out
}

// add records that step id owes a run for a change of key, unless it
// already does (the earliest change is kept).
func (o *owedBook) add(e Owed) error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, x := range o.entries {
		if x.Step == e.Step && x.Key == e.Key && x.URL == e.URL {
			return nil
		}
	}
	o.entries = append(o.entries, e)
	return o.saveLocked()
}

// clear drops what step id owes on the target at url: it has run.
func (o *owedBook) clear(id, url string) error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.entries)
	o.entries = slices.DeleteFunc(o.entries, func(e Owed) bool { return e.Step == id && e.URL == url })
	if len(o.entries) == n {
		return nil
	}
	return o.saveLocked()
}

// prune drops the debts of steps that are not in ids (removed from the
// playbook): no run could ever pay them.
func (o *owedBook) prune(ids map[string]bool) error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.entries)
	o.entries = slices.DeleteFunc(o.entries, func(e Owed) bool { return !ids[e.Step] })
	if len(o.entries) == n {
		return nil
	}
	return o.saveLocked()
}

func (o *owedBook) saveLocked() error {
	if len(o.entries) == 0 {
		err := os.Remove(o.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	b, err := json.MarshalIndent(o.entries, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(o.path, b)
}

// changedKeys returns the literal changed() arguments of a step's `when`.
func changedKeys(st *playbook.Step) []string {
	if st.When == nil {
		return nil
	}
	var keys []string
	for _, r := range st.When.Refs() {
		if r.Root == eval.RootChanged && r.Key != "" && !slices.Contains(keys, r.Key) {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// matchesChange reports whether changed(key) is true for a change of a.
func matchesChange(key string, a Addr) bool {
	return key == a.Kind || key == a.Kind+"."+a.Name || key == a.String()
}

// owedReason is the plan's explanation of an owed step.
func owedReason(owed []Owed) string {
	first := owed[0]
	for _, o := range owed[1:] {
		if o.Since.Before(first.Since) {
			first = o
		}
	}
	return fmt.Sprintf("owed since %s: the run that changed %s did not reach this step",
		first.Since.UTC().Format(time.RFC3339), first.Key)
}

// withOwed returns has extended with the keys a step owes.
func withOwed(has func(string) bool, owed []Owed) func(string) bool {
	if len(owed) == 0 {
		return has
	}
	return func(k string) bool {
		for _, o := range owed {
			if o.Key == k {
				return true
			}
		}
		return has != nil && has(k)
	}
}
