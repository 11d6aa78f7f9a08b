//go:build unix

package monitor

import (
	"syscall"
	"time"
)

// processCPU is the user and system time this process has used: a
// benchmark's CPU per operation means something on a machine shared with
// other work, where its wall time does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
