//go:build unix

package story

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used so far, so that
// benchmarks can report CPU per item, which other load on a shared machine
// disturbs less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
