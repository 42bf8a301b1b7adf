package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vplay-dev/vplay/engine"
)

// lockDirs are the directories apply locks live in: the state directory
// (beside the journal) and the machine-wide one.
func (a *app) lockDirs() []string {
	return []string{engine.DefaultLockDir(a.Env), engine.HostLockDir()}
}

// heldLocks are an apply's locks, released once: by the apply's defer or
// by a second interrupt, whichever comes first.
type heldLocks struct {
	once   sync.Once
	locks  *engine.Locks
	unhook func()
}

// release drops the locks, once; the hard-exit hook calls it.
func (h *heldLocks) release() { h.once.Do(func() { _ = h.locks.Release() }) }

// Release drops the locks and the hard-exit hook (apply's defer).
func (h *heldLocks) Release() {
	h.unhook()
	h.release()
}

// lockTargets takes the apply lock of every target of the session's
// playbook, waiting up to timeout for another run to finish.
func (a *app) lockTargets(ctx context.Context, s *session, playbookPath string, timeout time.Duration, warn func(format string, args ...any)) (*heldLocks, error) {
	urls, err := s.engine.TargetURLs(s.pb)
	if err != nil {
		return nil, err
	}
	warned := map[string]bool{} // one warning per holder, not per lock directory
	locks, err := engine.Lock(ctx, urls, engine.LockOptions{
		Dirs:    a.lockDirs(),
		Owner:   engine.LockOwner(playbookPath, time.Now()),
		Timeout: timeout,
		Warnf: func(format string, args ...any) {
			if msg := fmt.Sprintf(format, args...); !warned[msg] {
				warned[msg] = true
				warn("%s", msg)
			}
		},
		Waiting: func(h engine.LockInfo) {
			fmt.Fprintf(a.Err, "waiting up to %s for the apply lock of %s, held by %s\n", timeout, h.Target, h)
		},
	})
	var le *engine.LockedError
	switch {
	case errors.As(err, &le) && timeout > 0:
		return nil, fmt.Errorf("apply refused after waiting %s: %w", timeout, err)
	case errors.As(err, &le):
		return nil, fmt.Errorf("apply refused: %w (wait for it with --lock-timeout)", err)
	case err != nil:
		return nil, err
	}
	h := &heldLocks{locks: locks}
	h.unhook = onHardExit(h.release)
	return h, nil
}

func newUnlockCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock TARGET_URL",
		Short: "Remove the apply lock of a target left by a run that is gone",
		Long: `Remove the apply lock of the target at TARGET_URL (as the playbook's target url evaluates,
e.g. https://vbr01:9419) from the state directory and the machine-wide lock directory.

A lock left by a process that is gone on this machine is taken over by the next apply with a
warning; unlock is for the rest: a lock written on another machine that shares the state
directory, or whose pid now belongs to another process. A lock held by a running apply is
never removed.

Exit status: 0 removed or nothing to remove, 1 held by a running apply or an error.`,
		Example: `  vplay unlock https://vbr01.tech.local:9419`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			removed, err := engine.Unlock(a.lockDirs(), args[0])
			seen := map[engine.LockInfo]bool{} // the same holder in both lock directories
			for _, info := range removed {
				if !seen[info] {
					seen[info] = true
					fmt.Fprintf(a.Out, "removed the apply lock of %s held by %s\n", info.Target, info)
				}
			}
			if err != nil {
				return err
			}
			if len(removed) == 0 {
				fmt.Fprintf(a.Out, "no apply lock for %s\n", args[0])
			}
			return nil
		},
	}
}
