package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// Feedback is one person's word that an item a rule matched is not what
// the rule is for ("Not relevant" on its alert). It keeps what the alert
// showed and the terms that matched, since the item's text is pruned after
// the retention period.
type Feedback struct {
	ID      int64
	AlertID int64
	ItemID  int64 // 0 once the item is pruned
	StoryID int64 // 0 once the story is pruned
	Rule    string
	// Notifier and ChannelID are where the alert was read.
	Notifier  string
	ChannelID string
	Title     string
	Link      string
	Feed      string
	Hits      []model.Hit
	// CreatedBy is who said so as people read it ("@alice"), CreatorID as
	// the destination knows them (a Slack user ID).
	CreatedBy string
	CreatorID string
	CreatedAt time.Time
}

// FeedbackFilter selects feedback for Feedback. The zero value selects
// all of it.
type FeedbackFilter struct {
	Rule  string
	Since time.Time // given at or after
}

// AddFeedback records f and sets its ID, and reports whether it is new:
// the same person's feedback on the same alert is recorded once (false,
// and f.ID is left 0).
func (s *Store) AddFeedback(ctx context.Context, f *Feedback) (bool, error) {
	if f.Rule == "" || f.CreatedAt.IsZero() {
		return false, fmt.Errorf("store: add feedback: no rule or no time")
	}
	hits, err := jsonText(f.Hits)
	if err != nil {
		return false, fmt.Errorf("store: add feedback: %w", err)
	}
	var id int64
	err = s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO feedback (alert_id, item_id, story_id, rule, notifier,
			channel_id, title, link, feed, hits, created_by, creator_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (alert_id, creator_id) DO NOTHING RETURNING id`,
			nullID(f.AlertID), nullID(f.ItemID), nullID(f.StoryID), f.Rule, f.Notifier, f.ChannelID,
			f.Title, f.Link, f.Feed, hits, f.CreatedBy, f.CreatorID, millis(f.CreatedAt)).Scan(&id)
		if err == sql.ErrNoRows {
			return nil // a conflict: recorded already
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: add feedback: %w", err)
	}
	f.ID = id
	return id != 0, nil
}

// Feedback returns the feedback f selects, newest first.
func (s *Store) Feedback(ctx context.Context, f FeedbackFilter) ([]*Feedback, error) {
	var (
		where []string
		args  []any
	)
	if f.Rule != "" {
		where, args = append(where, "rule = ?"), append(args, f.Rule)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, f.Since.UnixMilli())
	}
	query := `SELECT id, alert_id, item_id, story_id, rule, notifier, channel_id, title, link, feed,
		hits, created_by, creator_id, created_at FROM feedback`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := s.read.QueryContext(ctx, query+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: feedback: %w", err)
	}
	defer rows.Close()
	var out []*Feedback
	for rows.Next() {
		var (
			fb                 Feedback
			alert, item, story sql.NullInt64
			hits               sql.NullString
			created            sql.NullInt64
		)
		if err := rows.Scan(&fb.ID, &alert, &item, &story, &fb.Rule, &fb.Notifier, &fb.ChannelID,
			&fb.Title, &fb.Link, &fb.Feed, &hits, &fb.CreatedBy, &fb.CreatorID, &created); err != nil {
			return nil, fmt.Errorf("store: feedback: %w", err)
		}
		fb.AlertID, fb.ItemID, fb.StoryID = alert.Int64, item.Int64, story.Int64
		fb.CreatedAt = timeFrom(created)
		if err := jsonFrom(hits, &fb.Hits); err != nil {
			return nil, fmt.Errorf("store: feedback %d: %w", fb.ID, err)
		}
		out = append(out, &fb)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feedback: %w", err)
	}
	return out, nil
}
