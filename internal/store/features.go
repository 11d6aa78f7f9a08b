package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// storyWindowSQL reads what a story index needs of the items of a window
// (see StoryWindow): their features when of the version asked for, their
// text otherwise.
const storyWindowSQL = `SELECT id, feed_id, story_id, canonical, published, seen_at,
	CASE WHEN features_version = ? THEN features END,
	CASE WHEN features_version = ? THEN '' ELSE title END,
	CASE WHEN features_version = ? THEN '' ELSE summary END,
	CASE WHEN features_version = ? THEN '' ELSE text_hash END
	FROM items WHERE id > ? AND seen_at >= ? ORDER BY id`

// saveFeaturesSQL records the features of an item computed from its text,
// unless the text changed since (text_hash).
const saveFeaturesSQL = `UPDATE items SET features = ?, features_version = ?
	WHERE id = ? AND text_hash = ?`

// StoryWindow calls fn for each item first seen at or after since whose ID
// is greater than after, in the order of their IDs, as WindowItems does,
// with only what a story index needs of it: its ID, FeedID, StoryID,
// Canonical, Published and SeenAt, and its Features with FeaturesVersion
// when they are of version. An item without features of that version
// comes with its Title, Summary and TextHash instead (and nil Features),
// for them to be computed again (see SaveFeatures). fn gets the same
// *model.Item for every item, and Features are valid only until it
// returns: it must keep neither. It stops at the first error fn returns,
// which it returns unwrapped.
func (s *Store) StoryWindow(ctx context.Context, since time.Time, after, version int64, fn func(*model.Item) error) error {
	rows, err := s.reads.get(stmtStoryWindow).QueryContext(ctx, version, version, version, version, after, since.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: story window: %w", err)
	}
	defer rows.Close()
	var (
		it                model.Item
		story, published  sql.NullInt64
		seenAt            int64
		features          sql.RawBytes
		title, summary, h string
	)
	for rows.Next() {
		if err := rows.Scan(&it.ID, &it.FeedID, &story, &it.Canonical, &published, &seenAt,
			&features, &title, &summary, &h); err != nil {
			return fmt.Errorf("store: story window: %w", err)
		}
		it.StoryID = story.Int64
		it.Published = timeFrom(published)
		it.SeenAt = time.UnixMilli(seenAt).UTC()
		it.Title, it.Summary, it.TextHash = title, summary, h
		it.Features, it.FeaturesVersion = nil, 0
		if features != nil {
			it.Features, it.FeaturesVersion = features, version
		}
		if err := fn(&it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: story window: %w", err)
	}
	return nil
}

// ItemFeatures are story features computed from an item's text, to be
// recorded with it (SaveFeatures).
type ItemFeatures struct {
	// ID is the item, TextHash the hash of the text the features are of.
	ID       int64
	TextHash string
	// Features are of version Version (see model.Item.Features).
	Features []byte
	Version  int64
}

// SaveFeatures records the features of items recorded without them (before
// they were kept, or whose text was edited since), in one write
// transaction. The features of an item whose text hash is no longer
// TextHash (edited since they were computed) are not written; nor are those
// of items pruned since.
func (s *Store) SaveFeatures(ctx context.Context, items []ItemFeatures) error {
	if len(items) == 0 {
		return nil
	}
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, saveFeaturesSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, f := range items {
			if _, err := stmt.ExecContext(ctx, f.Features, f.Version, f.ID, f.TextHash); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save features: %w", err)
	}
	return nil
}
