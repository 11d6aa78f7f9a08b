package monitor

import "time"

// Defaults of Backoff.
const (
	DefaultBackoffBase = time.Minute
	DefaultBackoffMax  = 6 * time.Hour
)

// Backoff is how long a failing feed waits before its next attempt:
// exponential in its consecutive failures, capped, with jitter. The zero
// value uses the defaults.
type Backoff struct {
	// Base is the wait after the first failure (DefaultBackoffBase).
	Base time.Duration
	// Max caps the wait (DefaultBackoffMax), so a failing feed is still
	// tried at least that often: it is never given up.
	Max time.Duration
}

// Delay returns the wait after the failures-th consecutive failure
// (failures ≥ 1): Base·2^(failures−1), capped at Max, less a random part of
// up to half of it so that feeds failing together do not retry together.
// r is a random number in [0, 1).
func (b Backoff) Delay(failures int, r float64) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	d := base
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	r = min(max(r, 0), 1)
	return d - time.Duration(float64(d/2)*r)
}
