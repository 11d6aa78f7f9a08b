package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// copyTable is a table Copy moves, with the columns both engines give it.
type copyTable struct {
	name    string
	columns []string
	order   string // the ORDER BY that puts referenced rows first
	serial  bool   // has an id column that PostgreSQL numbers
}

// copyTables are the tables of a database's history, in an order that
// writes every referenced row before the rows referring to it (an alert's
// parent has a lower ID than it). TestCopyTablesCoverTheSchema keeps the
// lists in step with the migrations of both engines.
var copyTables = []copyTable{
	{name: "feeds", order: "id", serial: true, columns: []string{
		"id", "name", "url", "configured", "current_url", "etag", "last_modified",
		"last_fetch_at", "last_success_at", "last_status", "last_error",
		"consecutive_failures", "next_attempt_at", "primed_at",
		"identity_mode", "guid_changes", "identity_mode_at", "body_hash", "body_size",
		"due_at", "claimed_by", "claimed_until", "polled_by", "host", "state_rev"}},
	{name: "stories", order: "id", serial: true, columns: []string{
		"id", "title", "link", "items", "created_at", "updated_at"}},
	{name: "items", order: "id", serial: true, columns: []string{
		"id", "feed_id", "identity", "guid", "link", "title", "summary", "content", "author",
		"categories", "lang", "published", "seen_at",
		"story_id", "canonical", "simhash", "text_hash", "updated_at", "article", "article_state",
		"features", "features_version"}},
	{name: "seen", order: "feed_id, identity", columns: []string{
		"feed_id", "identity", "first_seen", "item_id"}},
	{name: "silences", order: "id", serial: true, columns: []string{
		"id", "kind", "notifier", "channel", "channel_id", "story_id", "rule", "alert_id", "title",
		"created_by", "creator_id", "created_at", "until_at", "removed_at", "removed_by"}},
	{name: "alerts", order: "id", serial: true, columns: []string{
		"id", "item_id", "rule", "notifier", "channel", "severity",
		"title", "link", "feed", "summary", "description", "published", "hits", "digest",
		"status", "attempts", "next_attempt_at", "created_at", "delivered_at", "dead_at",
		"last_error", "remote_id", "remote_channel", "kind", "story_id", "parent_id", "queued_at", "silence_id"}},
	{name: "feed_health", order: "feed_id", columns: []string{
		"feed_id", "alerted", "alerted_at", "failing_since"}},
	{name: "feedback", order: "id", serial: true, columns: []string{
		"id", "alert_id", "item_id", "story_id", "rule", "notifier", "channel_id", "title", "link", "feed",
		"hits", "created_by", "creator_id", "created_at"}},
	{name: "item_memos", order: "feed_id", columns: []string{"feed_id", "memo"}},
	{name: "story_moves", order: "id", serial: true, columns: []string{
		"id", "item_id", "from_story", "to_story", "moved_at"}},
	{name: "article_fetches", order: "canonical", columns: []string{
		"canonical", "item_id", "state", "reason", "fetched_at"}},
}

// notCopied are the tables of the running processes, not of the
// history: the schema's version (each database has its own), the replicas
// and their leases, the story index's snapshot (a process's index, which
// the destination builds again).
var notCopied = []string{"schema_migrations", "replicas", "leases", "story_snapshot", "story_snapshot_parts"}

// TableCount is how many rows one table holds.
type TableCount struct {
	Table string
	Rows  int64
}

// ErrNotEmpty is returned (wrapped) by Copy when the destination already
// holds data.
var ErrNotEmpty = errors.New("the destination database is not empty")

// copyBatchValues bounds the values of one multi-row INSERT, well under
// both engines' limits on parameters (SQLite 32,766; PostgreSQL 65,535).
const copyBatchValues = 8000

// Copy copies the whole history of src (feeds and their polling state,
// seen identities, items, stories, alerts with the outbox and dead
// letters, feed health, the item memos of the last documents, the items
// moved out of their stories, the records of fetched article pages, the
// mutes and snoozes set from Slack and its "not relevant" feedback) into
// dst, keeping every ID, and checks that each
// table of dst then holds as many rows as src's. dst must be empty (a new
// database: ErrNotEmpty otherwise), and the engines may be the same or
// not. src is read in one read transaction, so it sees one moment of a
// database still in use; dst is written in one transaction, so a copy
// that fails leaves it empty. Stop the daemons using src first, or what
// they record after that moment stays behind.
func Copy(ctx context.Context, dst, src *Store) ([]TableCount, error) {
	rtx, err := src.beginSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: read %s: %w", src.target, err)
	}
	defer rtx.Rollback()
	var counts []TableCount
	err = dst.inWriteTx(ctx, writeNormal, func(wtx *sql.Tx) error {
		for _, t := range copyTables {
			var n int64
			if err := wtx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			if n > 0 {
				return fmt.Errorf("%w: its %s table has %d rows; copy into a new database", ErrNotEmpty, t.name, n)
			}
		}
		for _, t := range copyTables {
			n, err := copyRows(ctx, wtx, rtx, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			counts = append(counts, TableCount{Table: t.name, Rows: n})
		}
		if dst.engine == Postgres {
			// Identity columns number on from where the copy left them.
			for _, t := range copyTables {
				if t.serial {
					if _, err := wtx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(?, 'id'), MAX(id)) FROM `+t.name+` HAVING COUNT(*) > 0`, t.name); err != nil {
						return fmt.Errorf("%s: identity: %w", t.name, err)
					}
				}
			}
		}
		// Verify: every table of both sides, counted again.
		for _, c := range counts {
			var have, want int64
			if err := wtx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.Table).Scan(&have); err != nil {
				return fmt.Errorf("verify %s: %w", c.Table, err)
			}
			if err := rtx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.Table).Scan(&want); err != nil {
				return fmt.Errorf("verify %s: %w", c.Table, err)
			}
			if have != want || have != c.Rows {
				return fmt.Errorf("verify %s: the copy has %d rows, the source %d (%d copied)", c.Table, have, want, c.Rows)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: copy %s to %s: %w", src.target, dst.target, err)
	}
	return counts, nil
}

// beginSnapshot begins a read-only transaction that sees the database as
// it is now throughout.
func (s *Store) beginSnapshot(ctx context.Context) (*sql.Tx, error) {
	if s.engine == Postgres {
		return s.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	// A SQLite read transaction sees one snapshot from its first read on
	// (WAL mode).
	return s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// copyRows copies the rows of table t read through rtx into wtx, a
// transaction of the destination, in multi-row INSERTs, and returns
// how many it copied.
func copyRows(ctx context.Context, wtx, rtx *sql.Tx, t copyTable) (int64, error) {
	cols := strings.Join(t.columns, ", ")
	rows, err := rtx.QueryContext(ctx, `SELECT `+cols+` FROM `+t.name+` ORDER BY `+t.order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	width := len(t.columns)
	perBatch := max(1, copyBatchValues/width)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	insert := func(values []any) error {
		n := len(values) / width
		query := `INSERT INTO ` + t.name + ` (` + cols + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
		_, err := wtx.ExecContext(ctx, query, values...)
		return err
	}
	var (
		copied int64
		batch  = make([]any, 0, perBatch*width)
	)
	for rows.Next() {
		row := make([]any, width)
		dest := make([]any, width)
		for i := range row {
			dest[i] = &row[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return copied, err
		}
		batch = append(batch, row...)
		if len(batch) == perBatch*width {
			if err := insert(batch); err != nil {
				return copied, err
			}
			copied += int64(perBatch)
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return copied, err
	}
	if len(batch) > 0 {
		if err := insert(batch); err != nil {
			return copied, err
		}
		copied += int64(len(batch) / width)
	}
	return copied, nil
}
