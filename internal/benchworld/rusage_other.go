//go:build !unix

package benchworld

import (
	"os"
	"time"
)

// usage is what the system says about this process so far; on systems
// without getrusage(2) the harness reports zeros.
type usage struct {
	CPU    time.Duration
	MaxRSS int64
}

func selfUsage() usage { return usage{} }

// childMaxRSS is the peak resident set of an ended child process; unknown
// here.
func childMaxRSS(*os.ProcessState) int64 { return 0 }
