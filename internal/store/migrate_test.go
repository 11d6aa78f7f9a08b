package store

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// TestMigration0002KeepsHistory upgrades a database written by the 0001
// schema: every item's identity becomes a seen row, and an alert requeued
// by the old code (due after its creation, no attempts) counts its age from
// the requeue.
func TestMigration0002KeepsHistory(t *testing.T) {
	ctx := context.Background()
	path, db := databaseAtMigration(t, 1)
	created := testTime.UnixMilli()
	requeued := created + time.Hour.Milliseconds()
	for _, q := range []string{
		`INSERT INTO feeds (id, name, url) VALUES (1, 'wire', 'https://wire.example/rss')`,
		`INSERT INTO items (id, feed_id, identity, seen_at) VALUES (1, 1, 'guid:a', 1000), (2, 1, 'guid:b', 2000)`,
		`INSERT INTO alerts (id, item_id, rule, notifier, next_attempt_at, created_at, attempts)
			VALUES (1, 1, 'r', 'slack', ?1, ?1, 0), (2, 2, 'r', 'slack', ?2, ?1, 0), (3, 2, 'r', 'hook', ?2, ?1, 2)`,
	} {
		if _, err := db.ExecContext(ctx, q, created, requeued); err != nil {
			t.Fatal(err)
		}
	}
	s := upgrade(t, path, db)

	tx := begin(t, s)
	for _, id := range []string{"guid:a", "guid:b"} {
		if !seen(t, tx, 1, id) {
			t.Errorf("identity %s of a 0001 item is not seen after the migration", id)
		}
	}
	if seen(t, tx, 1, "guid:c") {
		t.Error("an identity never recorded is seen")
	}
	tx.Rollback()

	want := map[int64]time.Time{
		1: time.UnixMilli(created).UTC(),
		2: time.UnixMilli(requeued).UTC(), // requeued by the old code
		3: time.UnixMilli(created).UTC(),  // retried: due later because it failed
	}
	for id, at := range want {
		a := alertByID(t, s, id)
		if !a.QueuedAt.Equal(at) || a.Kind != model.KindAlert {
			t.Errorf("alert %d: queued at %v, kind %q; want %v, %q", id, a.QueuedAt, a.Kind, at, model.KindAlert)
		}
	}
}

// databaseAtMigration makes a database in a temporary directory with the
// schema of the first n migrations, as an older release left it, and
// returns its path and its one connection, for a test to fill before
// opening it with Open.
func databaseAtMigration(t *testing.T, n int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	db, err := sql.Open("sqlite", dsn(path, url.Values{"_txlock": {"immediate"}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	old := &Store{engine: SQLite, write: db, now: time.Now}
	if err := old.migrate(context.Background(), embedded[SQLite][:n]); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// upgrade closes db, a database made by databaseAtMigration and filled by
// the test, and opens it with Open, which applies the later migrations.
func upgrade(t *testing.T, path string, db *sql.DB) *Store {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fillAt runs each statement of qs on db, with ?1 standing for at (unix
// milliseconds) where a statement uses it, failing the test on an error:
// how a test fills a database an older release made.
func fillAt(t *testing.T, db *sql.DB, at int64, qs ...string) {
	t.Helper()
	for _, q := range qs {
		var args []any
		if strings.Contains(q, "?1") {
			args = []any{at}
		}
		if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
