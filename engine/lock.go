package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vplay-dev/vplay/engine/playbook"
)

// ErrLocked is the sentinel of LockedError: another apply holds the lock
// of a target.
var ErrLocked = errors.New("engine: target is locked by another apply")

// LockInfo says who holds an apply lock. It is the content of a lock file.
type LockInfo struct {
	// Target is the target's URL, the identity the lock is taken on.
	Target   string    `json:"target"`
	PID      int       `json:"pid"`
	Host     string    `json:"host"`
	User     string    `json:"user"`
	Playbook string    `json:"playbook"`
	Started  time.Time `json:"started"`
}

// String names the holder for messages: "pid 42 of alice on host1 (apply
// of repos.yaml since 2026-11-29T15:04:05Z)".
func (i LockInfo) String() string {
	return fmt.Sprintf("pid %d of %s on host %s (apply of %s since %s)", i.PID, i.User, i.Host, i.Playbook,
		i.Started.UTC().Format(time.RFC3339))
}

// LockedError reports a target whose apply lock another run holds.
type LockedError struct {
	// Holder is who holds the lock, as written in its lock file.
	Holder LockInfo
	// Path is the lock file.
	Path string
	// Unverified is set when the holder's process could not be checked
	// (another host, or a live process with the holder's pid) although the
	// lock itself was not held: `vplay unlock` removes it once the holder is
	// known to be gone.
	Unverified bool
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("target %s is locked by %s", e.Holder.Target, e.Holder)
	if e.Unverified {
		msg += fmt.Sprintf("; if that process is gone, run: vplay unlock %s", e.Holder.Target)
	}
	return msg + " (lock file " + e.Path + ")"
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// LockOptions configure Lock.
type LockOptions struct {
	// Dirs are the directories lock files live in, one file per target in
	// each: the state directory (DefaultLockDir) and HostLockDir, so that
	// runs with different state directories on one machine exclude each
	// other too.
	Dirs []string
	// Owner describes this run; Target is filled per lock.
	Owner LockInfo
	// Timeout is how long to wait for a held lock; 0 refuses at once.
	Timeout time.Duration
	// Poll is the interval between attempts while waiting (default 200ms).
	Poll time.Duration
	// Warnf reports a stale lock taken over; Waiting is called once per
	// lock when the run starts to wait for it. Both may be nil.
	Warnf   func(format string, args ...any)
	Waiting func(holder LockInfo)
}

// Locks are the apply locks a run holds. Release them on every exit path.
type Locks struct {
	held []*lockFile
}

// Lock takes the apply lock of every target URL in every directory of o,
// in one fixed order (sorted lock paths), so two runs locking overlapping
// targets never wait for each other in a cycle. A lock held by a live run
// is waited for up to o.Timeout, then refused with a *LockedError naming
// the holder; a lock left by a process that is gone (same host, pid not
// alive) is taken over with a warning. On error nothing stays locked.
func Lock(ctx context.Context, urls []string, o LockOptions) (*Locks, error) {
	type want struct{ path, url string }
	var all []want
	seen := map[string]bool{}
	for _, dir := range o.Dirs {
		if dir == "" {
			continue
		}
		for _, u := range urls {
			key := lockKey(u)
			p := filepath.Join(dir, lockName(key))
			if !seen[p] {
				seen[p] = true
				all = append(all, want{p, key})
			}
		}
	}
	slices.SortFunc(all, func(a, b want) int { return strings.Compare(a.path, b.path) })
	ls := &Locks{}
	for _, w := range all {
		owner := o.Owner
		owner.Target = w.url
		lf, err := acquire(ctx, w.path, owner, o)
		if err != nil {
			_ = ls.Release()
			return nil, err
		}
		ls.held = append(ls.held, lf)
	}
	return ls, nil
}

// Release empties and unlocks every lock held; it is safe to call twice
// and on nil.
func (l *Locks) Release() error {
	if l == nil {
		return nil
	}
	var errs []error
	for _, lf := range l.held {
		errs = append(errs, lf.release())
	}
	l.held = nil
	return errors.Join(errs...)
}

// Unlock removes the apply lock of the target at url from every directory
// and returns what it removed. A lock whose holder still runs on this host
// is refused with a *LockedError.
func Unlock(dirs []string, url string) ([]LockInfo, error) {
	key := lockKey(url)
	var out []LockInfo
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, lockName(key))
		info, err := unlockFile(p)
		if err != nil {
			return out, err
		}
		if info != nil {
			out = append(out, *info)
		}
	}
	return out, nil
}

// DefaultLockDir is the per-user directory of apply locks, beside the
// journal: $XDG_STATE_HOME/vplay/locks or ~/.local/state/vplay/locks.
func DefaultLockDir(env map[string]string) string {
	if d := DefaultJournalDir(env); d != "" {
		return filepath.Join(filepath.Dir(d), "locks")
	}
	return ""
}

// HostLockDir is the machine-wide directory of apply locks
// ($TMPDIR/vplay-locks), shared by every user and state directory.
func HostLockDir() string { return filepath.Join(os.TempDir(), "vplay-locks") }

// LockOwner describes this process as the holder of an apply of playbook.
func LockOwner(playbook string, now time.Time) LockInfo {
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if abs, err := filepath.Abs(playbook); err == nil {
		playbook = abs
	}
	return LockInfo{PID: os.Getpid(), Host: host, User: name, Playbook: playbook, Started: now.UTC()}
}

// TargetURLs evaluates the URL of every target of pb (what apply locks).
func (e *Engine) TargetURLs(pb *playbook.Playbook) ([]string, error) {
	base := e.baseScope(pb)
	out := make([]string, 0, len(pb.Targets))
	for _, t := range pb.Targets {
		tc, err := e.evalTarget(t, base)
		if err != nil {
			return nil, err
		}
		out = append(out, tc.URL)
	}
	return out, nil
}

// lockKey is the identity of a target URL: lower case, no trailing slash.
func lockKey(url string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(url)), "/")
}

func lockName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12]) + ".lock"
}

// lockFile is one held lock: the open file carries an exclusive flock for
// as long as the process lives, and names its holder.
type lockFile struct {
	f    *os.File
	path string
}

// acquire takes one lock, waiting up to o.Timeout.
func acquire(ctx context.Context, path string, owner LockInfo, o LockOptions) (*lockFile, error) {
	var deadline time.Time
	if o.Timeout > 0 {
		deadline = time.Now().Add(o.Timeout)
	}
	poll := o.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	waited := false
	for {
		lf, err := tryLock(path, owner, o.Warnf)
		var le *LockedError
		if !errors.As(err, &le) || o.Timeout <= 0 || time.Now().After(deadline) {
			return lf, err
		}
		if !waited && o.Waiting != nil {
			o.Waiting(le.Holder)
		}
		waited = true
		t := time.NewTimer(min(poll, time.Until(deadline)+time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("wait for the apply lock of %s: %w", owner.Target, ctx.Err())
		case <-t.C:
		}
	}
}

// tryLock makes one attempt at the lock file at path.
func tryLock(path string, owner LockInfo, warnf func(string, ...any)) (*lockFile, error) {
	for range 3 {
		f, err := openLockFile(path)
		if err != nil {
			return nil, err
		}
		err = flock(f, true)
		if err == nil && !isCurrent(f, path) {
			// The holder released and removed the file between our open
			// and our flock: what we hold is no longer the lock.
			_ = flock(f, false)
			f.Close()
			continue
		}
		return lockOpened(f, path, owner, warnf, err)
	}
	return nil, &LockedError{Holder: LockInfo{Target: owner.Target}, Path: path}
}

// lockOpened finishes an attempt on the open lock file f whose flock
// attempt answered err.
func lockOpened(f *os.File, path string, owner LockInfo, warnf func(string, ...any), err error) (*lockFile, error) {
	if err != nil {
		holder, _ := readHolder(f)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			if holder == nil {
				holder = &LockInfo{Target: owner.Target}
			}
			return nil, &LockedError{Holder: *holder, Path: path}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	holder, err := readHolder(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if holder != nil {
		// The lock file names a holder but nobody holds its flock: the run
		// ended without releasing (killed). Take it over only when that is
		// certain.
		if holder.Host != owner.Host || (holder.PID != os.Getpid() && processAlive(holder.PID)) {
			_ = flock(f, false)
			f.Close()
			return nil, &LockedError{Holder: *holder, Path: path, Unverified: true}
		}
		if warnf != nil {
			warnf("took over the apply lock of %s from %s: that process is gone", owner.Target, *holder)
		}
	}
	if err := writeHolder(f, owner); err != nil {
		_ = flock(f, false)
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &lockFile{f: f, path: path}, nil
}

// release removes the lock file (so the next run finds the lock free, not
// stale) and drops the flock.
func (l *lockFile) release() error {
	// Empty it, then remove it while still holding it: a run that opened
	// it meanwhile finds it replaced (isCurrent) and opens the new one.
	err := l.f.Truncate(0)
	if rerr := os.Remove(l.path); err == nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	_ = flock(l.f, false)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}

// unlockFile removes the lock file at path unless a live run holds it.
func unlockFile(path string) (*LockInfo, error) {
	f, err := os.OpenFile(path, os.O_RDWR|oNoFollow, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("unlock %s: %w", path, err)
	}
	defer f.Close()
	if err := flock(f, true); err != nil {
		holder, _ := readHolder(f)
		if errors.Is(err, errWouldBlock) && holder != nil {
			return nil, &LockedError{Holder: *holder, Path: path}
		}
		return nil, fmt.Errorf("unlock %s: %w", path, err)
	}
	defer flock(f, false)
	holder, err := readHolder(f)
	if err != nil || holder == nil {
		return nil, err
	}
	if err := f.Truncate(0); err != nil {
		return nil, fmt.Errorf("unlock %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("unlock %s: %w", path, err)
	}
	return holder, nil
}

// isCurrent reports whether f is still the file at path (not removed or
// replaced since it was opened).
func isCurrent(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// openLockFile opens (creating) a lock file, its directory too. The host
// directory is shared by every user (sticky, like /tmp), and so are its
// files: anyone may take a free lock.
func openLockFile(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		mode := os.FileMode(0o700)
		if dir == HostLockDir() {
			mode = 0o777 | os.ModeSticky
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("lock directory: %w", err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			return nil, fmt.Errorf("lock directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|oNoFollow, 0o666)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Mode().Perm() != 0o666 && dir == HostLockDir() {
		_ = f.Chmod(0o666) // best effort: only the file's owner can
	}
	return f, nil
}

// readHolder reads the holder a lock file names; nil when it is empty.
func readHolder(f *os.File) (*LockInfo, error) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 64<<10))
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, nil
	}
	var info LockInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("unreadable lock file (remove it with vplay unlock): %w", err)
	}
	return &info, nil
}

// writeHolder replaces the content of a lock file with info, durably.
func writeHolder(f *os.File, info LockInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(append(b, '\n'), 0); err != nil {
		return err
	}
	return f.Sync()
}
