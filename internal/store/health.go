package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// FeedHealth is what feed-health checks remember of one feed between
// checks and across restarts, so that a problem is alerted once and its
// recovery once.
type FeedHealth struct {
	FeedID int64
	// Alerted is the problem operators were last alerted about and not
	// yet told has passed: "" for none, or a word the caller chooses
	// ("failing", "silent").
	Alerted string
	// AlertedAt is when Alerted last changed; zero if it never did.
	AlertedAt time.Time
	// FailingSince is when the feed's current run of failed fetches
	// began, as the checks saw it; zero while the feed is not failing.
	FailingSince time.Time
}

// FeedHealth returns the health records of the configured feeds by feed
// ID. A feed without a record is missing: it was never checked.
func (s *Store) FeedHealth(ctx context.Context) (map[int64]*FeedHealth, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT h.feed_id, h.alerted, h.alerted_at, h.failing_since
		FROM feed_health AS h JOIN feeds AS f ON f.id = h.feed_id
		WHERE f.configured = 1`)
	if err != nil {
		return nil, fmt.Errorf("store: feed health: %w", err)
	}
	defer rows.Close()
	out := map[int64]*FeedHealth{}
	for rows.Next() {
		var (
			h                     FeedHealth
			alertedAt, failingSin sql.NullInt64
		)
		if err := rows.Scan(&h.FeedID, &h.Alerted, &alertedAt, &failingSin); err != nil {
			return nil, fmt.Errorf("store: feed health: %w", err)
		}
		h.AlertedAt = timeFrom(alertedAt)
		h.FailingSince = timeFrom(failingSin)
		out[h.FeedID] = &h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feed health: %w", err)
	}
	return out, nil
}

const saveFeedHealthSQL = `INSERT INTO feed_health (feed_id, alerted, alerted_at, failing_since)
	VALUES (?, ?, ?, ?)
	ON CONFLICT (feed_id) DO UPDATE SET alerted = excluded.alerted,
		alerted_at = excluded.alerted_at, failing_since = excluded.failing_since`

// SaveFeedHealth records h and queues alerts (which may be none) in one
// transaction: the alert about a change and the record that it was sent
// are written together or not at all, so a crash never loses the alert
// nor sends it twice. A feed that does not exist is ErrNotFound.
func (s *Store) SaveFeedHealth(ctx context.Context, h *FeedHealth, alerts []*model.Alert) error {
	tx, err := s.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: save feed health: %w", err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM feeds WHERE id = ?)`, h.FeedID).Scan(&exists); err != nil {
		return fmt.Errorf("store: save feed health of feed %d: %w", h.FeedID, err)
	}
	if !exists {
		return fmt.Errorf("store: save feed health of feed %d: %w", h.FeedID, ErrNotFound)
	}
	if _, err := tx.tx.ExecContext(ctx, saveFeedHealthSQL,
		h.FeedID, h.Alerted, millis(h.AlertedAt), millis(h.FailingSince)); err != nil {
		return fmt.Errorf("store: save feed health of feed %d: %w", h.FeedID, err)
	}
	for _, a := range alerts {
		if err := tx.Enqueue(a); err != nil {
			return err
		}
	}
	return tx.Commit()
}
