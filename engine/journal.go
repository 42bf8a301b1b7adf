package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vplay-dev/vplay/engine/eval"
	"github.com/vplay-dev/vplay/veeam"
)

// JournalEntry records asynchronous work apply started, so a re-run after an
// interruption waits for it instead of starting it again.
type JournalEntry struct {
	Op        string          `json:"op"` // "create vbr/vbr.repository/repo-ams", "step retry #2"
	Kind      veeam.AsyncKind `json:"kind"`
	ID        string          `json:"id"`
	RequestID string          `json:"request_id,omitempty"`
	Started   time.Time       `json:"started"`
}

// journal is a small JSON file per playbook and target, rewritten on every
// change. A nil *journal records nothing.
type journal struct {
	mu      sync.Mutex
	path    string
	entries map[string]JournalEntry
	known   *eval.KnownSecrets // masked in every write
}

// openJournal opens the journal of playbook file pb and target under dir.
func openJournal(dir, pb, target string) (*journal, error) {
	if dir == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(pb)
	if err != nil {
		abs = pb
	}
	sum := sha256.Sum256([]byte(abs))
	name := fmt.Sprintf("%s-%s.json", hex.EncodeToString(sum[:8]), target)
	j := &journal{path: filepath.Join(dir, name), entries: map[string]JournalEntry{}}
	b, err := os.ReadFile(j.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return j, nil
	case err != nil:
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var list []JournalEntry
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("read journal %s: %w", j.path, err)
	}
	for _, e := range list {
		j.entries[e.Op] = e
	}
	return j, nil
}

func (j *journal) get(op string) (JournalEntry, bool) {
	if j == nil {
		return JournalEntry{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.entries[op]
	return e, ok
}

func (j *journal) put(e JournalEntry) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries[e.Op] = e
	return j.saveLocked()
}

func (j *journal) done(op string) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.entries[op]; !ok {
		return nil
	}
	delete(j.entries, op)
	return j.saveLocked()
}

func (j *journal) running() []JournalEntry {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, 0, len(j.entries))
	for _, e := range j.entries {
		out = append(out, e)
	}
	return out
}

func (j *journal) saveLocked() error {
	if len(j.entries) == 0 {
		err := os.Remove(j.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	list := make([]JournalEntry, 0, len(j.entries))
	for _, e := range j.entries {
		list = append(list, e)
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	b = j.known.MaskBytes(b)
	if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	tmp := j.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return os.Rename(tmp, j.path)
}

// DefaultJournalDir is the per-user state directory for journals:
// $XDG_STATE_HOME/vplay/journal or ~/.local/state/vplay/journal.
func DefaultJournalDir(env map[string]string) string {
	if d := env["XDG_STATE_HOME"]; d != "" {
		return filepath.Join(d, "vplay", "journal")
	}
	if h := env["HOME"]; h != "" {
		return filepath.Join(h, ".local", "state", "vplay", "journal")
	}
	return ""
}
