//go:build !unix

package engine

import (
	"errors"
	"os"
)

// oNoFollow is 0 where the platform has no O_NOFOLLOW.
const oNoFollow = 0

// errWouldBlock is never returned here: without flock, a lock is held
// while its file names a holder.
var errWouldBlock = errors.New("engine: lock held")

// flock does nothing on platforms without flock(2): the holder named in
// the lock file is the lock, and processAlive keeps it.
func flock(*os.File, bool) error { return nil }

// processAlive cannot tell here, so every named holder counts as alive
// and `vplay unlock` clears locks left behind.
func processAlive(int) bool { return true }
