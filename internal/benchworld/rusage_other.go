//go:build !unix

package benchworld

import "time"

// usage is what the system says about this process so far; on systems
// without getrusage(2) the harness reports zeros.
type usage struct {
	CPU    time.Duration
	MaxRSS int64
}

func selfUsage() usage { return usage{} }
