package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// WAL checkpoints, which copy committed pages from the WAL back into the
// database file and sync it, are made in the background, on a connection
// of their own, instead of by the commit that happens to cross SQLite's
// threshold (1,000 pages by default): that commit would hold the write
// connection, and every poll and delivery record queued behind it, through
// the copy and the fsyncs. A passive checkpoint never waits for writers or
// readers; it copies what it can, and the next one goes on from there.
//
// The write connection keeps an automatic checkpoint at walBackstop pages
// for when the background cannot keep up (another process reading for a
// long time pins the WAL's older frames either way).

// walBackstop is the WAL size, in pages, at which a commit checkpoints
// itself.
const walBackstop = 16384

// checkpointGap is the least time between two background checkpoints: a
// burst of commits is checkpointed in a few steps, not after each one.
const checkpointGap = 500 * time.Millisecond

// checkpointer makes the background checkpoints of a Store.
type checkpointer struct {
	db    *sql.DB       // one connection
	wrote chan struct{} // a write transaction ended (capacity 1)
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once // of close
}

func newCheckpointer(db *sql.DB) *checkpointer {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return &checkpointer{db: db, wrote: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// noteWrite tells the checkpointer that the WAL may have grown. It never
// blocks.
func (c *checkpointer) noteWrite() {
	select {
	case c.wrote <- struct{}{}:
	default:
	}
}

// run checkpoints after writes, at most once per checkpointGap, until
// close.
func (c *checkpointer) run() {
	defer close(c.done)
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wrote:
		}
		select {
		case <-c.stop:
			return
		case <-gap.C:
		}
		c.checkpoint()
		gap.Reset(checkpointGap)
	}
}

// checkpoint makes one passive checkpoint. A failure (the disk full, the
// file locked by another program) is left to the next one, or to the
// write connection's own checkpoint at walBackstop.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
}

// close stops the checkpointer and closes its connection. Only the first
// call does anything.
func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}
