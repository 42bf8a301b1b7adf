package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func lockOpts(t *testing.T, dirs ...string) LockOptions {
	t.Helper()
	return LockOptions{Dirs: dirs, Owner: LockOwner("repos.yaml", time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC))}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func writeLock(t *testing.T, dir, url string, info LockInfo) string {
	t.Helper()
	info.Target = lockKey(url)
	p := filepath.Join(dir, lockName(lockKey(url)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b := fmt.Sprintf(`{"target":%q,"pid":%d,"host":%q,"user":%q,"playbook":%q,"started":"2026-11-29T14:00:00Z"}`,
		info.Target, info.PID, info.Host, info.User, info.Playbook)
	if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLockRefusesSecondHolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	const url = "https://vbr.example:9419/"
	first, err := Lock(ctx, []string{url}, lockOpts(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(ctx, []string{"HTTPS://vbr.example:9419"}, lockOpts(t, dir))
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want a *LockedError", err)
	}
	if le.Holder.PID != os.Getpid() || le.Holder.Playbook == "" || le.Holder.Target != "https://vbr.example:9419" || le.Unverified {
		t.Errorf("holder = %+v", le)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("locked by pid %d of ", os.Getpid())) {
		t.Errorf("message does not name the holder: %v", err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	second, err := Lock(ctx, []string{url}, lockOpts(t, dir))
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := second.Release(); err != nil {
		t.Fatal(err)
	}
	if err := second.Release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("released locks left files: %v", entries)
	}
}

// TestLockFileReplaced: a file opened before its holder released (and
// removed) it is not the lock any more.
func TestLockFileReplaced(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "x.lock")
	f, err := openLockFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !isCurrent(f, p) {
		t.Fatal("a freshly opened lock file is not current")
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	g, err := openLockFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if isCurrent(f, p) || !isCurrent(g, p) {
		t.Errorf("isCurrent after a replace: old %v, new %v; want false, true", isCurrent(f, p), isCurrent(g, p))
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Lock(ctx, []string{"https://a"}, lockOpts(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	o := lockOpts(t, dir)
	o.Timeout, o.Poll = 10*time.Second, time.Millisecond
	var waitedFor []LockInfo
	o.Waiting = func(h LockInfo) {
		waitedFor = append(waitedFor, h)
		if err := first.Release(); err != nil {
			t.Error(err)
		}
	}
	second, err := Lock(ctx, []string{"https://a"}, o)
	if err != nil {
		t.Fatalf("lock with a timeout after the holder released: %v", err)
	}
	defer second.Release()
	if len(waitedFor) != 1 || waitedFor[0].PID != os.Getpid() {
		t.Errorf("Waiting called with %+v, want once with the holder", waitedFor)
	}
	// A timeout that passes refuses; an interrupt stops the wait.
	o.Timeout, o.Waiting = 20*time.Millisecond, nil
	if _, err := Lock(ctx, []string{"https://a"}, o); !errors.Is(err, ErrLocked) {
		t.Errorf("after the timeout: %v, want ErrLocked", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	o.Timeout = time.Hour
	o.Waiting = func(LockInfo) { cancel() }
	if _, err := Lock(cctx, []string{"https://a"}, o); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted wait: %v, want context.Canceled", err)
	}
}

func TestLockTakesOverStale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	host, _ := os.Hostname()
	pid := deadPID(t)
	writeLock(t, dir, "https://a", LockInfo{PID: pid, Host: host, User: "bob", Playbook: "old.yaml"})
	o := lockOpts(t, dir)
	var warnings []string
	o.Warnf = func(f string, args ...any) { warnings = append(warnings, fmt.Sprintf(f, args...)) }
	l, err := Lock(context.Background(), []string{"https://a"}, o)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l.Release()
	if len(warnings) != 1 || !strings.Contains(warnings[0], fmt.Sprintf("pid %d of bob", pid)) || !strings.Contains(warnings[0], "gone") {
		t.Errorf("warnings = %q", warnings)
	}
}

func TestLockOtherHostNeedsUnlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeLock(t, dir, "https://a", LockInfo{PID: 1234, Host: "runner-7", User: "ci", Playbook: "nightly.yaml"})
	_, err := Lock(context.Background(), []string{"https://a"}, lockOpts(t, dir))
	var le *LockedError
	if !errors.As(err, &le) || !le.Unverified || le.Holder.Host != "runner-7" {
		t.Fatalf("lock of another host: %v", err)
	}
	if !strings.Contains(err.Error(), "vplay unlock https://a") {
		t.Errorf("message does not say how to unlock: %v", err)
	}
	removed, err := Unlock([]string{dir, t.TempDir()}, "https://a/")
	if err != nil || len(removed) != 1 || removed[0].Host != "runner-7" {
		t.Fatalf("Unlock = %+v, %v", removed, err)
	}
	l, err := Lock(context.Background(), []string{"https://a"}, lockOpts(t, dir))
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	// A lock held by a live run is not removed.
	if _, err := Unlock([]string{dir}, "https://a"); !errors.Is(err, ErrLocked) {
		t.Errorf("unlock of a held lock: %v, want ErrLocked", err)
	}
	l.Release()
}

// TestLockOrder: locks over several directories and targets are taken in
// one sorted order whatever order the targets come in, and a failure
// releases what was taken.
func TestLockOrder(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	ctx := context.Background()
	l1, err := Lock(ctx, []string{"https://y", "https://x"}, lockOpts(t, b, a))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, lf := range l1.held {
		paths = append(paths, lf.path)
	}
	if len(paths) != 4 || !slices.IsSorted(paths) {
		t.Errorf("held %v, want 4 sorted paths", paths)
	}
	l1.Release()
	// Hold only x in b: a run wanting x and y in a and b fails and keeps
	// nothing.
	hx, err := Lock(ctx, []string{"https://x"}, lockOpts(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(ctx, []string{"https://x", "https://y"}, lockOpts(t, a, b)); !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked, got %v", err)
	}
	hx.Release()
	l2, err := Lock(ctx, []string{"https://x", "https://y"}, lockOpts(t, a, b))
	if err != nil {
		t.Fatalf("a failed Lock left locks behind: %v", err)
	}
	l2.Release()
}
