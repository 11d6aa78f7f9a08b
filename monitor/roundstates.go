package monitor

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/store"
)

// Limits of a roundStates' pending saves: they are saved together when
// this many are waiting, or when the oldest has waited this long, if the
// round has not ended (or read more states) before.
const (
	maxPendingSaves = 256
	maxPendingWait  = 10 * time.Second
)

// roundStates carries the polling states of a round of polls: read for
// many feeds in one query before their polls start (see load), and
// saved, for the polls that found nothing new (a 304, the same document
// again, no new item), together in one transaction (see flush) instead of
// each in a read and a transaction of its own.
//
// A state read this way may be older than the feed's when its poll starts
// or its save is made: another process (a replica, a `once` on
// PostgreSQL) may have polled the feed, or a new configuration moved it,
// in between. The store saves a state only over the revision it was read
// at (store.FeedState.Rev), so such a poll never overwrites what was
// written meanwhile: its save is dropped (the next poll fetches the feed
// again), and a poll with items to record starts again from the state as
// it is now (see Poller.Poll). A pending save lost in a crash costs the
// same: the next poll fetches the feed from the state saved before.
// Items, their seen identities and their alerts are never pending: they
// are recorded in each poll's own transaction, as without a roundStates.
//
// It is safe for concurrent use by the polls of a round.
type roundStates struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time

	// io is held through a flush and through a load, so that a load
	// reads what a flush under way saves.
	io sync.Mutex

	mu      sync.Mutex
	read    map[string]*store.FeedState // by feed name, for polls not started yet
	pending []*store.FeedState          // saves waiting for flush
	since   time.Time                   // when the oldest pending save was added
}

func newRoundStates(s *store.Store, log *slog.Logger) *roundStates {
	return &roundStates{store: s, log: log, now: time.Now, read: map[string]*store.FeedState{}}
}

// load saves the pending states (a poll of one of names may be among
// them), then reads the states of the feeds names in one query, for their
// polls to take.
func (r *roundStates) load(ctx context.Context, names []string) error {
	r.io.Lock()
	defer r.io.Unlock()
	r.flushLocked(ctx)
	states, err := r.store.FeedsNamed(ctx, names)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, st := range states {
		r.read[name] = st
	}
	return nil
}

// take returns the state read for the feed name and forgets it (a state
// serves one poll), or nil when none was read.
func (r *roundStates) take(name string) *store.FeedState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.read[name]
	delete(r.read, name)
	return st
}

// forget drops every state read and not taken: the polls they were read
// for did not start (the feeds were dropped, or left the configuration).
func (r *roundStates) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.read)
}

// save keeps st, the state of a poll that found nothing new, to be saved
// with the others of the round; it saves them all at once when enough
// are waiting, or the oldest has waited long enough.
func (r *roundStates) save(ctx context.Context, st *store.FeedState) {
	r.mu.Lock()
	if len(r.pending) == 0 {
		r.since = r.now()
	}
	r.pending = append(r.pending, st)
	full := len(r.pending) >= maxPendingSaves || r.now().Sub(r.since) >= maxPendingWait
	r.mu.Unlock()
	if full {
		r.flush(ctx)
	}
}

// flush saves the pending states in one transaction. A state that another
// save changed since it was read is left as the other save wrote it
// (store.ErrStateChanged); a failed transaction loses them all, with a
// warning: each feed is then fetched again from its previous state. When
// ctx is done (the daemon is stopping), the saves are still made, within
// a few seconds.
func (r *roundStates) flush(ctx context.Context) {
	r.io.Lock()
	defer r.io.Unlock()
	r.flushLocked(ctx)
}

// flushLocked is flush with r.io held.
func (r *roundStates) flushLocked(ctx context.Context) {
	r.mu.Lock()
	pending := r.pending
	r.pending = nil
	r.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	if ctx.Err() != nil {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		ctx = stop
	}
	errs, err := r.store.SaveFeeds(ctx, pending)
	if err != nil {
		r.log.Warn("saving the state of feeds that had nothing new failed; they are fetched again from their previous state",
			"feeds", len(pending), "error", err)
		return
	}
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, store.ErrStateChanged):
			r.log.Debug("feed state not saved: another poll saved it since it was read", "feed", pending[i].Name)
		default:
			r.log.Debug("feed state not saved", "feed", pending[i].Name, "error", err)
		}
	}
}
