package pipeline

import (
	"context"
	"time"

	"github.com/newswatch/newswatch/internal/store"
)

// reportCorruption has the store's first news of a damaged database
// logged as an error, once: the polls and reads it then fails log it
// only at debug level.
func (p *Pipeline) reportCorruption() {
	st, log := p.Store, p.log
	st.OnCorrupt(func(err error) {
		log.Error("database is corrupt: what newswatch sees cannot be recorded reliably; stop it and recover the database (docs/operations.md, \"A corrupt database\")",
			"database", st.Target(), "error", err)
	})
}

// checkDatabase runs SQLite's quick check of the whole database as the
// daemon starts, beside its other parts, so that a damaged file is
// reported at once (by reportCorruption, on /readyz and in /metrics)
// rather than found piecemeal by the polls that fail on it. The daemon
// runs on either way: what is queued may still be delivered, and /readyz
// says it is not ready. A daemon stopped meanwhile cuts the check short.
func (p *Pipeline) checkDatabase(ctx context.Context) {
	if p.Store.Engine() != store.SQLite {
		return
	}
	start := time.Now()
	err := p.Store.QuickCheck(ctx)
	switch {
	case err == nil:
		p.log.Info("database checked", "database", p.Store.Target(), "check", "quick_check",
			"duration", time.Since(start).Round(time.Millisecond))
	case store.IsCorrupt(err): // logged by reportCorruption
	case ctx.Err() != nil:
	default:
		p.log.Warn("database check failed", "database", p.Store.Target(), "error", err)
	}
}
