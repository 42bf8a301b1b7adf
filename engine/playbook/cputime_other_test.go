//go:build !unix

package playbook

import (
	"testing"
	"time"
)

// reportCPU reports nothing where the process CPU time is not available.
func reportCPU(*testing.B, time.Duration) {}

func cpuNow() time.Duration { return 0 }
