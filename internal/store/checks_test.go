package store

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
)

// checkMigration is the number of SQLite's migration that wrote the
// CHECK constraints of three or more values as OR'ed equalities.
const checkMigration = 15

// listChecks are the constraints it rewrote: for each, its table, its
// column, the values it accepts and one it refuses.
var listChecks = []struct {
	table, column string
	accepts       []string
	refuses       string
}{
	{"alerts", "status", []string{"queued", "delivered", "dead"}, "sent"},
	{"alerts", "kind", []string{"alert", "also", "update"}, "Alert"},
	{"items", "article_state", []string{"", "pending", "fetched", "failed"}, "done"},
}

// ephemeralTables counts the temporary b-trees (OpenEphemeral) the
// bytecode of query builds on db: a CHECK with a list of three or more
// values builds one for each row the statement writes.
func ephemeralTables(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string) int {
	t.Helper()
	args := make([]any, strings.Count(query, "?"))
	rows, err := db.QueryContext(context.Background(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		if op, _ := (*vals[1].(*any)).(string); op == "OpenEphemeral" {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkedWrites are the statements that write the rewritten columns: a
// poll's new items and alerts, and the updates of their states.
var checkedWrites = []string{
	insertAlertSQL,
	insertItemSQL,
	`UPDATE alerts SET status = ?, delivered_at = ? WHERE id = ?`,
	`UPDATE items SET article_state = ? WHERE id = ?`,
}

// TestMigrationCheckEqualities upgrades a database of SQLite's 0014 that
// holds alerts of every status and kind and items of every article state:
// every row reads as it did, each constraint accepts and refuses what it
// did, no statement that writes those columns builds a temporary b-tree
// any more, not even on a connection that had read the old schema before
// the upgrade, and the file passes SQLite's integrity check.
func TestMigrationCheckEqualities(t *testing.T) {
	t.Parallel()
	path, conn := databaseAtMigration(t, checkMigration-1)
	at := testTime.UnixMilli()
	fillAt(t, conn, at,
		`INSERT INTO feeds (id, name, url) VALUES (1, 'wire', 'https://wire.example/rss')`,
		`INSERT INTO stories (id, title, items, created_at, updated_at) VALUES (1, 'Talks', 2, ?1, ?1)`,
		`INSERT INTO items (id, feed_id, identity, title, seen_at, story_id, article_state) VALUES
			(1, 1, 'guid:a', 'Talks resume', ?1, 1, ''), (2, 1, 'guid:b', 'Talks go on', ?1, 1, 'pending'),
			(3, 1, 'guid:c', 'Water', ?1, NULL, 'fetched'), (4, 1, 'guid:d', 'Canal', ?1, NULL, 'failed')`,
		`INSERT INTO alerts (id, item_id, rule, notifier, title, next_attempt_at, created_at, queued_at, kind, story_id, parent_id, status)
			VALUES (1, 1, 'talks', 'slack', 'Talks resume', ?1, ?1, ?1, 'alert', 1, NULL, 'delivered'),
			(2, 2, 'talks', 'slack', 'Talks go on', ?1, ?1, ?1, 'also', 1, 1, 'queued'),
			(3, 2, 'talks', 'hook', 'Talks go on', ?1, ?1, ?1, 'update', 1, NULL, 'dead'),
			(4, 3, 'water', 'slack', 'Water', ?1, ?1, ?1, 'alert', NULL, NULL, 'queued')`,
	)
	before := alertRows(t, conn)
	if n := ephemeralTables(t, conn, insertAlertSQL); n == 0 {
		t.Fatal("before the migration, an alert's insert builds no temporary b-tree: the test checks nothing")
	}
	// A connection of another process, which read the schema before the
	// upgrade and stays open through it.
	other, err := sql.Open("sqlite", dsn(path, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	if n := ephemeralTables(t, other, insertItemSQL); n == 0 {
		t.Fatal("before the migration, an item's insert builds no temporary b-tree: the test checks nothing")
	}

	s := upgrade(t, path, conn)
	// The other connection's next statement finds the schema changed, as
	// SQLite checks the schema version when a statement begins, and
	// reads it again: what it compiles after that uses the new text.
	var alerts int
	if err := other.QueryRow(`SELECT count(*) FROM alerts`).Scan(&alerts); err != nil || alerts != 4 {
		t.Fatalf("other connection: %d alerts, %v", alerts, err)
	}
	if after := alertRows(t, s.read); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("alerts after the migration:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	var states []string
	rows, err := s.read.Query(`SELECT article_state FROM items ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			t.Fatal(err)
		}
		states = append(states, st)
	}
	rows.Close()
	if got := strings.Join(states, ","); got != ",pending,fetched,failed" {
		t.Errorf("article states after the migration: %q", got)
	}

	for _, db := range []struct {
		name string
		db   *sql.DB
	}{{"write connection", s.write}, {"read connection", s.read}, {"connection open through the upgrade", other}} {
		for _, q := range checkedWrites {
			if n := ephemeralTables(t, db.db, q); n != 0 {
				t.Errorf("%s: %s builds %d temporary b-trees", db.name, strings.Fields(q)[0]+" "+strings.Fields(q)[2], n)
			}
		}
	}

	for _, c := range listChecks {
		t.Run(c.table+"."+c.column, func(t *testing.T) {
			var text string
			if err := s.read.QueryRow(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, c.table).Scan(&text); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text, "CHECK ("+c.column+" IN") {
				t.Errorf("%s still has a CHECK with a list: %s", c.table, text)
			}
			for _, v := range c.accepts {
				if _, err := s.write.Exec(`UPDATE `+c.table+` SET `+c.column+` = ? WHERE id = 3`, v); err != nil {
					t.Errorf("%s = %q refused: %v", c.column, v, err)
				}
			}
			_, err := s.write.Exec(`UPDATE `+c.table+` SET `+c.column+` = ? WHERE id = 3`, c.refuses)
			if err == nil || !strings.Contains(err.Error(), "CHECK constraint failed") {
				t.Errorf("%s = %q: err = %v, want a failed CHECK", c.column, c.refuses, err)
			}
		})
	}

	var check string
	if err := s.read.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity check: %q, %v", check, err)
	}
}

// TestNoTemporaryTablesInWrites checks a new database: no statement that
// writes an alert's status or kind or an item's article state builds a
// temporary b-tree for its CHECK.
func TestNoTemporaryTablesInWrites(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	for _, q := range checkedWrites {
		if n := ephemeralTables(t, s.write, q); n != 0 {
			t.Errorf("%s builds %d temporary b-trees", q, n)
		}
	}
}
