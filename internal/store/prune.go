package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// PruneResult counts what Prune removed.
type PruneResult struct {
	Items   int // items (their text) removed; their identities stay seen
	Stories int // stories left without items, removed
	// ArticleFetches counts the records of fetched pages removed: a link
	// seen again after them is fetched again.
	ArticleFetches int
}

// DefaultPruneBatch is the number of rows Prune deletes in one write
// transaction when given no batch size.
const DefaultPruneBatch = 500

// Prune removes the items first seen before before (their articles with
// them), then the stories updated before before that no item belongs to
// any more, and the records of pages fetched before before. It deletes batch
// rows (DefaultPruneBatch when not positive) per write transaction, so
// that a poll waiting for the write connection waits for one small batch,
// never for the whole prune. The identities of removed items stay seen (an
// old item reappearing in its feed is not new), and their alerts keep
// their own copy of what they show. It stops early, with what it removed
// so far and the context's error, when ctx is done.
func (s *Store) Prune(ctx context.Context, before time.Time, batch int) (PruneResult, error) {
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	var res PruneResult
	steps := []struct {
		what  string
		count *int
		query string
	}{
		{"items", &res.Items, `DELETE FROM items WHERE id IN (
			SELECT id FROM items WHERE seen_at < ? ORDER BY seen_at LIMIT ?)`},
		{"stories", &res.Stories, `DELETE FROM stories WHERE id IN (
			SELECT s.id FROM stories AS s WHERE s.updated_at < ?
			AND NOT EXISTS (SELECT 1 FROM items AS i WHERE i.story_id = s.id)
			ORDER BY s.updated_at LIMIT ?)`},
		{"article fetches", &res.ArticleFetches, `DELETE FROM article_fetches WHERE canonical IN (
			SELECT canonical FROM article_fetches WHERE fetched_at < ? ORDER BY fetched_at LIMIT ?)`},
	}
	for _, step := range steps {
		for {
			var n int64
			err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
				r, err := tx.ExecContext(ctx, step.query, before.UnixMilli(), batch)
				if err != nil {
					return err
				}
				n, err = r.RowsAffected()
				return err
			})
			if err != nil {
				return res, fmt.Errorf("store: prune %s: %w", step.what, err)
			}
			*step.count += int(n)
			if n < int64(batch) {
				break
			}
		}
	}
	return res, nil
}

// DefaultPruneEvery is how often a Pruner prunes when given no interval.
const DefaultPruneEvery = time.Hour

// Pruner runs Prune in the background: at start, then every Every, it
// removes what is older than Retention.
type Pruner struct {
	// Store is the database to prune; required.
	Store *Store
	// Retention is how long items are kept; required, positive.
	Retention time.Duration
	// Every is the time between two prunes; DefaultPruneEvery when zero.
	Every time.Duration
	// Batch is the batch size of Prune; DefaultPruneBatch when zero.
	Batch int
	// Log receives a line for each prune that removed something, and
	// failures; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Run prunes at once and then every Every until ctx is done, when it
// returns nil. A failed prune is logged and tried again at the next turn.
func (p *Pruner) Run(ctx context.Context) error {
	if p.Store == nil || p.Retention <= 0 {
		return errors.New("store: Pruner needs a Store and a positive Retention")
	}
	every := p.Every
	if every <= 0 {
		every = DefaultPruneEvery
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		p.prune(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

func (p *Pruner) prune(ctx context.Context) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	before := now().Add(-p.Retention)
	start := time.Now()
	res, err := p.Store.Prune(ctx, before, p.Batch)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("store: prune failed; trying again later", "error", err, "items", res.Items)
		}
		return
	}
	if res.Items > 0 || res.Stories > 0 {
		log.Info("store: pruned item text past retention", "items", res.Items, "stories", res.Stories,
			"before", before, "duration", time.Since(start).Round(time.Millisecond))
	}
}
