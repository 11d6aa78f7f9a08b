package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// ErrNotInStory is returned by SplitItem when the item is not in the story.
var ErrNotInStory = errors.New("store: the item is not in that story")

// StoryMove is an item taken out of one story into another.
type StoryMove struct {
	// ID orders the moves: a daemon reads the moves after the last it saw.
	ID   int64
	Item int64
	// From and To are the story the item left and the one it joined.
	From, To int64
	At       time.Time
}

// SplitItem takes item out of story into a new story of its own, named by
// the item, and records the move (see StoryMoves). The next report of the
// item's event can then join the new story, whose rules have alerted
// nothing yet. It returns the move. An unknown item is ErrNotFound; an
// item of another story, or the only item of its story, ErrNotInStory.
func (s *Store) SplitItem(ctx context.Context, story, item int64, now time.Time) (StoryMove, error) {
	mv := StoryMove{Item: item, From: story, At: time.UnixMilli(now.UnixMilli()).UTC()}
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		// Moves, like items, are committed in the order of their IDs
		// (see Begin), which StoryMoves' readers rely on.
		if err := s.lockTx(ctx, tx, "writes"); err != nil {
			return err
		}
		var (
			cur          sql.NullInt64
			title, link  string
			seen, others int64
		)
		err := tx.QueryRowContext(ctx, `SELECT story_id, title, canonical, seen_at FROM items WHERE id = ?`, item).
			Scan(&cur, &title, &link, &seen)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !cur.Valid || cur.Int64 != story {
			return ErrNotInStory
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE story_id = ? AND id != ?`, story, item).Scan(&others); err != nil {
			return err
		}
		if others == 0 {
			return ErrNotInStory // alone already: nothing to split from
		}
		if mv.To, err = insertRow(ctx, s.engine, tx, `INSERT INTO stories (title, link, items, created_at, updated_at) VALUES (?, ?, 1, ?, ?)`,
			title, link, seen, seen); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE items SET story_id = ? WHERE id = ?`, mv.To, item); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stories SET items = items - 1 WHERE id = ? AND items > 0`, story); err != nil {
			return err
		}
		mv.ID, err = insertRow(ctx, s.engine, tx, `INSERT INTO story_moves (item_id, from_story, to_story, moved_at) VALUES (?, ?, ?, ?)`,
			item, story, mv.To, mv.At.UnixMilli())
		return err
	})
	if err != nil {
		return StoryMove{}, fmt.Errorf("store: split item %d from story %d: %w", item, story, err)
	}
	return mv, nil
}

// StoryMoves returns the moves recorded after the move after (0: all), in
// the order they were made.
func (s *Store) StoryMoves(ctx context.Context, after int64) ([]StoryMove, error) {
	rows, err := s.reads.get(stmtStoryMoves).QueryContext(ctx, after)
	if err != nil {
		return nil, fmt.Errorf("store: story moves: %w", err)
	}
	defer rows.Close()
	var out []StoryMove
	for rows.Next() {
		var mv StoryMove
		var at int64
		if err := rows.Scan(&mv.ID, &mv.Item, &mv.From, &mv.To, &at); err != nil {
			return nil, fmt.Errorf("store: story moves: %w", err)
		}
		mv.At = time.UnixMilli(at).UTC()
		out = append(out, mv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: story moves: %w", err)
	}
	return out, nil
}

// storyMovesSQL reads the moves after an ID, in order.
const storyMovesSQL = `SELECT id, item_id, from_story, to_story, moved_at FROM story_moves WHERE id > ? ORDER BY id`

// LastStoryMove returns the ID of the last move recorded, 0 for none.
func (s *Store) LastStoryMove(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT max(id) FROM story_moves`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: story moves: %w", err)
	}
	return id.Int64, nil
}

// FindItems returns the items ref names: the item of that ID when ref is
// a number, else the items whose link or canonical link is ref, first
// seen first.
func (s *Store) FindItems(ctx context.Context, ref string) ([]*model.Item, error) {
	var out []*model.Item
	collect := func(it *model.Item) error { out = append(out, it); return nil }
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		err = s.eachItem(ctx, `SELECT `+itemColumns+itemsFrom+` WHERE i.id = ?`, collect, id)
	} else {
		err = s.eachItem(ctx, `SELECT `+itemColumns+itemsFrom+` WHERE i.link = ? OR i.canonical = ? ORDER BY i.seen_at, i.id`, collect, ref, ref)
	}
	return out, err
}
