//go:build unix

package engine

import (
	"errors"
	"os"
	"syscall"
)

// oNoFollow keeps lock files from being symbolic links (the host lock
// directory is shared).
const oNoFollow = syscall.O_NOFOLLOW

// errWouldBlock is what flock answers for a lock another file holds.
var errWouldBlock = syscall.EWOULDBLOCK

// flock takes (or with lock false, drops) an exclusive flock without
// blocking; a held lock answers EWOULDBLOCK.
func flock(f *os.File, lock bool) error {
	how := syscall.LOCK_UN
	if lock {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// processAlive reports whether a process with pid runs on this host.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
