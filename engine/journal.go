package engine

import (
	"context"
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
	"github.com/vplay-dev/vplay/steps"
	"github.com/vplay-dev/vplay/veeam"
)

// JournalEntry records asynchronous work apply started, so a re-run after an
// interruption waits for it instead of starting it again.
//
// An entry is bound to what started it: the playbook, the target (name and
// URL), the object (a resource address and live id, or a step, its loop
// item and a hash of its inputs) and the time the work started. A run
// adopts an entry only when all of these match its own operation, and
// only work that was still running when its plan read live state (see
// observeJournals); anything else is dropped with a note, so a stale entry
// is never reported as this run's work.
type JournalEntry struct {
	Op        string          `json:"op"` // "create vbr/vbr.repository/repo-ams", "step retry #2"
	Kind      veeam.AsyncKind `json:"kind"`
	ID        string          `json:"id"`
	RequestID string          `json:"request_id,omitempty"`
	Started   time.Time       `json:"started"`
	Playbook  string          `json:"playbook,omitempty"` // absolute path
	Target    string          `json:"target,omitempty"`
	URL       string          `json:"url,omitempty"`
	Object    string          `json:"object,omitempty"`
}

// binding is what an operation of this run binds its journal entries to.
type binding struct {
	Playbook, Target, URL, Object string
}

// mismatch says why e does not belong to the operation bound by b, or "".
func (e JournalEntry) mismatch(b binding) string {
	switch {
	case e.Playbook != b.Playbook:
		return fmt.Sprintf("recorded by playbook %q", e.Playbook)
	case e.Target != b.Target || e.URL != b.URL:
		return fmt.Sprintf("recorded for target %s at %s", e.Target, e.URL)
	case e.Object != b.Object:
		return fmt.Sprintf("recorded for %s, not %s", e.Object, b.Object)
	}
	return ""
}

// absPath returns the absolute form of a playbook path (the path itself
// when it cannot be resolved).
func absPath(pb string) string {
	abs, err := filepath.Abs(pb)
	if err != nil {
		return pb
	}
	return abs
}

// journalStem is the file name prefix of a playbook's journal files.
func journalStem(pb string) string {
	sum := sha256.Sum256([]byte(absPath(pb)))
	return hex.EncodeToString(sum[:8])
}

// journal is a small JSON file per playbook and target, rewritten on every
// change. A nil *journal records nothing.
//
// Changes are committed in groups: put and done return once a write that
// includes their change is on disk, and changes made while a write is in
// progress go to disk together in the next one, so 20 iterations running
// at once cost a write (and an fsync) per group instead of one each,
// queued behind each other.
type journal struct {
	mu      sync.Mutex
	path    string
	entries map[string]JournalEntry
	known   *eval.KnownSecrets // masked in every write

	version uint64     // changes made
	written uint64     // changes on disk
	writing bool       // a caller is writing (without mu)
	wrote   *sync.Cond // on mu: a write ended
	writes  int        // files written or removed (how many groups)
}

// openJournal opens the journal of playbook file pb and target under dir.
func openJournal(dir, pb, target string) (*journal, error) {
	if dir == "" {
		return nil, nil
	}
	name := fmt.Sprintf("%s-%s.json", journalStem(pb), target)
	j := &journal{path: filepath.Join(dir, name), entries: map[string]JournalEntry{}}
	j.wrote = sync.NewCond(&j.mu)
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
	return j.commitLocked()
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
	return j.commitLocked()
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

// commitLocked records the change just made under mu and returns once a
// write including it is on disk: the first caller to find no write in
// progress writes every change made so far, the others wait for it. A
// failed write fails its writer; the waiters it covered write again.
func (j *journal) commitLocked() error {
	j.version++
	mine := j.version
	// Bounded: each round ends with a write (which covers mine unless it
	// failed, and a failure returns) or with a wait for one.
	for j.written < mine {
		if j.writing {
			j.wrote.Wait()
			continue
		}
		j.writing = true
		v := j.version
		b, err := j.encodeLocked()
		j.mu.Unlock()
		if err == nil {
			err = j.write(b)
		}
		j.mu.Lock()
		j.writing = false
		j.writes++
		j.wrote.Broadcast()
		if err != nil {
			return err
		}
		j.written = max(j.written, v)
	}
	return nil
}

// encodeLocked returns the journal's file content, nil when it is empty.
func (j *journal) encodeLocked() ([]byte, error) {
	if len(j.entries) == 0 {
		return nil, nil
	}
	list := make([]JournalEntry, 0, len(j.entries))
	for _, e := range j.entries {
		list = append(list, e)
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, err
	}
	return j.known.MaskBytes(b), nil
}

// write replaces the file with b, or removes it when b is nil.
func (j *journal) write(b []byte) error {
	if b == nil {
		err := os.Remove(j.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return writeFileAtomic(j.path, b)
}

// writeFileAtomic replaces path with b (mode 0600): written to a
// temporary file, synced, then renamed over path, so a crash leaves the
// old or the new content, never a torn file.
func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// observeJournals looks once at the work earlier runs journalled for this
// playbook, right after live state was read. Work that had ended by then
// is reflected in the plan: apply does not adopt it as its own (see
// execState.ended) but drops its entry with a note. Work still running is
// adopted, as is work that could not be observed (apply's await finds out).
func (e *Engine) observeJournals(ctx context.Context, x *execState) error {
	x.ended = map[string]endedEntry{}
	for name, tc := range x.targets {
		j, err := openJournal(e.cfg.JournalDir, x.pb.File, name)
		if err != nil {
			return err
		}
		for _, en := range j.running() {
			c, err := e.conn(ctx, tc)
			if err != nil {
				return err
			}
			if running, err := steps.Running(ctx, c, en.Kind, en.ID); err == nil && !running {
				x.ended[endedKey(name, en.Op, en.ID)] = endedEntry{target: name, op: en.Op}
			}
		}
	}
	return nil
}

// endedEntry names a journal entry whose work had ended at plan time.
type endedEntry struct{ target, op string }

func endedKey(target, op, id string) string { return target + "\x00" + op + "\x00" + id }

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
