package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// StorySnapshot describes the snapshot of a story index kept in the store
// (SaveStorySnapshot): what the index had taken in when it was written.
type StorySnapshot struct {
	// MaxItem is the highest item ID the index had taken in, LastMove
	// the last story move (StoryMoves) it had applied.
	MaxItem, LastMove int64
	// FeaturesVersion is the version of the story features the index was
	// built with.
	FeaturesVersion int64
	// Edits is what StoryEdits returned before the index was built: when
	// it returns another count, an item's text changed since, and the
	// snapshot may not say what the item's features say.
	Edits int64
	// Items is the number of items in the index, Bytes the size of the
	// snapshot, WrittenAt when it was written.
	Items     int
	Bytes     int64
	WrittenAt time.Time
}

// snapshotPart is the size of the parts a snapshot is kept in: small
// enough that the copies of one part (SQLite's, the driver's) cost little
// memory, large enough that a part is a few dozen pages of SQLite.
const snapshotPart = 256 << 10

// StoryEdits returns how many changes of an item's text (UpdateItem) the
// store ever recorded, by any process: a count that only grows.
func (s *Store) StoryEdits(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read.QueryRowContext(ctx, `SELECT edits FROM story_snapshot WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: story edits: %w", err)
	}
	return n, nil
}

// SaveStorySnapshot replaces the story index's snapshot with the one write
// writes, described by h (whose Bytes it sets), in one write transaction:
// a reader finds the old snapshot or the new one, whole. The bytes are
// written as write gives them, never held whole: on PostgreSQL in parts,
// on SQLite to the file beside the database (snapshotFile).
func (s *Store) SaveStorySnapshot(ctx context.Context, h StorySnapshot, write func(io.Writer) error) error {
	if s.engine == SQLite {
		if err := s.saveSnapshotFile(ctx, h, write); err != nil {
			return fmt.Errorf("store: save story snapshot: %w", err)
		}
		return nil
	}
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM story_snapshot_parts`); err != nil {
			return err
		}
		pw := &partWriter{ctx: ctx, tx: tx, buf: make([]byte, 0, snapshotPart)}
		if err := write(pw); err != nil {
			return err
		}
		if err := pw.flush(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE story_snapshot SET max_item = ?, last_move = ?,
			features_version = ?, snapshot_edits = ?, items = ?, bytes = ?, written_at = ? WHERE id = 1`,
			h.MaxItem, h.LastMove, h.FeaturesVersion, h.Edits, h.Items, pw.size, millis(h.WrittenAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save story snapshot: %w", err)
	}
	return nil
}

// partWriter writes a snapshot's parts as they fill.
type partWriter struct {
	ctx  context.Context
	tx   *sql.Tx
	buf  []byte
	part int
	size int64
}

func (w *partWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == cap(w.buf) {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *partWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO story_snapshot_parts (part, data) VALUES (?, ?)`, w.part, w.buf); err != nil {
		return err
	}
	w.part++
	w.size += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// ReadStorySnapshot calls read with the description of the story index's
// snapshot and a reader of its bytes: on SQLite a *MappedSnapshot, whose
// bytes read can take and use in place; on PostgreSQL one that reads them
// part by part, whose Size is the snapshot's. It returns read's error
// unwrapped. With no snapshot it returns an error
// wrapping ErrNotFound and does not call read.
func (s *Store) ReadStorySnapshot(ctx context.Context, read func(StorySnapshot, io.Reader) error) error {
	var (
		h                                        StorySnapshot
		maxItem, lastMove, version, edits, items sql.NullInt64
		size, written                            sql.NullInt64
	)
	// One transaction, so that the parts are those of the row even when
	// another process replaces the snapshot meanwhile: SQLite keeps the
	// snapshot of its first read, PostgreSQL at repeatable read.
	opts := &sql.TxOptions{}
	if s.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: read story snapshot: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT max_item, last_move, features_version, snapshot_edits,
		items, bytes, written_at FROM story_snapshot WHERE id = 1`).
		Scan(&maxItem, &lastMove, &version, &edits, &items, &size, &written)
	if err != nil {
		return fmt.Errorf("store: read story snapshot: %w", err)
	}
	if !written.Valid {
		return fmt.Errorf("store: read story snapshot: %w", ErrNotFound)
	}
	h = StorySnapshot{MaxItem: maxItem.Int64, LastMove: lastMove.Int64, FeaturesVersion: version.Int64,
		Edits: edits.Int64, Items: int(items.Int64), Bytes: size.Int64, WrittenAt: time.UnixMilli(written.Int64).UTC()}
	if s.engine == SQLite {
		m, err := s.openMappedSnapshot(h)
		if err != nil {
			return fmt.Errorf("store: read story snapshot: %w", err)
		}
		if m != nil {
			defer m.release()
			return read(h, m)
		}
		// Written before the snapshot moved to a file: in parts.
		var parts bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM story_snapshot_parts)`).Scan(&parts); err != nil {
			return fmt.Errorf("store: read story snapshot: %w", err)
		}
		if !parts {
			return fmt.Errorf("store: read story snapshot: the file %s is missing, or is not the snapshot the database describes",
				filepath.Base(s.snapshotFile()))
		}
	}
	// One part at a time, each by its own query: the parts are never all
	// in memory.
	pr := &partReader{ctx: ctx, tx: tx, size: h.Bytes}
	return read(h, pr)
}

// partReader reads a snapshot's parts in order.
type partReader struct {
	ctx  context.Context
	tx   *sql.Tx
	size int64 // of the snapshot, as its row says
	buf  []byte
	part int
	eof  bool
}

// Size returns the size of the snapshot, as its row says, so that a reader
// of it whole makes room for it at once.
func (r *partReader) Size() int64 { return r.size }

func (r *partReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		var data []byte
		err := r.tx.QueryRowContext(r.ctx, `SELECT data FROM story_snapshot_parts WHERE part = ?`, r.part).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			r.eof = true
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: read story snapshot: %w", err)
		}
		r.buf = data
		r.part++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// storyWindowCountSQL counts the items of a window in a range of IDs, less
// those without a story: the first by the index of seen_at alone, the
// second by the index of the items without a story (items_without_story:
// those recorded before stories were kept, empty on most databases). The
// unary plus keeps the planner of both from the table's IDs, whose rows are
// large: a range of IDs would read every row of the window, its text with
// it.
const storyWindowCountSQL = `SELECT
	(SELECT count(*) FROM items WHERE seen_at >= ? AND +id >= ? AND +id <= ?) -
	(SELECT count(*) FROM items WHERE story_id IS NULL AND seen_at >= ? AND +id >= ? AND +id <= ?)`

// StoryWindowCount returns how many items first seen at or after since,
// with a story, have an ID from first to last: what a story index built
// from the store (StoryWindow) would take in of them.
func (s *Store) StoryWindowCount(ctx context.Context, since time.Time, first, last int64) (int, error) {
	var n int
	ms := since.UnixMilli()
	err := s.read.QueryRowContext(ctx, storyWindowCountSQL, ms, first, last, ms, first, last).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: story window count: %w", err)
	}
	return n, nil
}
