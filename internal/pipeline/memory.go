package pipeline

import (
	"log/slog"
	"runtime/debug"

	"github.com/newswatch/newswatch/internal/config"
)

// GCPercent is the garbage collector's target (GOGC) of a daemon whose
// environment sets none: twice Go's default, so that the collector runs
// half as often while the heap is far from daemon.memory_limit, which
// bounds it.
const GCPercent = 200

// TuneMemory sets the Go runtime's memory limit to d.MemoryLimit and the
// collector's target to GCPercent, for `newswatch run` and `once`. An
// operator's GOMEMLIMIT or GOGC in the environment (looked up with
// lookupEnv) wins: the runtime has read it already, and it is left as it
// is. It is process-wide: call it once, before the daemon starts.
func TuneMemory(d config.Daemon, lookupEnv func(string) (string, bool), log *slog.Logger) {
	if v, ok := lookupEnv("GOMEMLIMIT"); ok {
		log.Info("GOMEMLIMIT is set: daemon.memory_limit is not applied", "gomemlimit", v)
	} else if d.MemoryLimit > 0 {
		debug.SetMemoryLimit(d.MemoryLimit)
	}
	if v, ok := lookupEnv("GOGC"); ok {
		log.Info("GOGC is set: the collector keeps it", "gogc", v)
	} else {
		debug.SetGCPercent(GCPercent)
	}
}
