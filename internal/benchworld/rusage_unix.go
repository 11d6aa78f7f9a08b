//go:build unix

package benchworld

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// usage is what getrusage(2) says about this process so far.
type usage struct {
	CPU    time.Duration // user and system time
	MaxRSS int64         // peak resident set, bytes
}

func selfUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rss := int64(ru.Maxrss)
	if runtime.GOOS != "darwin" {
		rss *= 1024 // kilobytes everywhere but on macOS
	}
	return usage{CPU: cpu, MaxRSS: rss}
}

// childMaxRSS is the peak resident set of an ended child process, bytes.
func childMaxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
