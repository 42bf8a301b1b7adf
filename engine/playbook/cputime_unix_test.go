//go:build unix

package playbook

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU adds the process CPU time (user+sys) per operation to a
// benchmark's results: on a shared machine wall time says little, CPU time
// says what the work costs. Call it with the value of cpuNow taken before
// the loop.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuNow()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuNow returns the CPU time the process has used.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
