package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// sparseIndexes are the indexes that SQLite's 0013 and PostgreSQL's 0009
// made partial, each with what it must index only (a row without a parent
// or a story has no entry).
var sparseIndexes = []struct{ name, where string }{
	{"alerts_parent_id", "parent_id IS NOT NULL"},
	{"alerts_story_id", "story_id IS NOT NULL"},
	{"items_story_id", "story_id IS NOT NULL"},
}

// sparseMigration is the number of the migration that made them partial,
// by engine.
var sparseMigration = map[Engine]int{SQLite: 13, Postgres: 9}

// databaseBefore makes a database of engine e in the state the migrations
// before n left it, as an older release did, and returns it and a
// connection pool to it for the test to fill before opening it with
// db.open.
func databaseBefore(t *testing.T, e Engine, n int) (testDB, *sql.DB) {
	t.Helper()
	if e == SQLite {
		path, conn := databaseAtMigration(t, n-1)
		return testDB{engine: SQLite, source: path}, conn
	}
	dsn := pgtest.DSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	t.Cleanup(func() { conn.Close() })
	old := &Store{engine: Postgres, write: conn, read: conn, now: time.Now}
	if err := old.migrate(context.Background(), embedded[Postgres][:n-1]); err != nil {
		t.Fatal(err)
	}
	return testDB{engine: Postgres, source: dsn}, conn
}

// alertRows reads the stored columns of every alert, in ID order, as text.
func alertRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT id, COALESCE(item_id, 0), rule, notifier, channel, title, link, feed,
		summary, status, attempts, next_attempt_at, created_at, COALESCE(delivered_at, 0), remote_id,
		kind, COALESCE(story_id, 0), COALESCE(parent_id, 0), queued_at, digest, COALESCE(hits, '')
		FROM alerts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		cols := make([]any, 21)
		for i := range cols {
			cols[i] = new(any)
		}
		if err := rows.Scan(cols...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, c := range cols {
			fmt.Fprintf(&b, "%v|", *c.(*any))
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrationSparseIndexes upgrades a database whose alert queue holds
// a first alert of a story, a follow-up waiting for it, an alert without
// a story and a delivered alert: every row reads as it did, the queue
// gives the same alerts, the follow-up is still found by its parent, a
// pruned story still leaves its alerts without one, and the three indexes
// index only the rows that have a parent or a story.
func TestMigrationSparseIndexes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		n := sparseMigration[db.engine]
		db, conn := databaseBefore(t, db.engine, n)
		at := testTime.UnixMilli()
		fillAt(t, conn, at,
			`INSERT INTO feeds (id, name, url) VALUES (1, 'wire', 'https://wire.example/rss')`,
			`INSERT INTO stories (id, title, items, created_at, updated_at) VALUES (1, 'Talks', 2, ?1, ?1), (2, 'Gone', 0, ?1, ?1)`,
			`INSERT INTO items (id, feed_id, identity, title, seen_at, story_id) VALUES
				(1, 1, 'guid:a', 'Talks resume', ?1, 1), (2, 1, 'guid:b', 'Talks go on', ?1, 1), (3, 1, 'guid:c', 'Water', ?1, NULL)`,
			`INSERT INTO alerts (id, item_id, rule, notifier, title, summary, hits, next_attempt_at, created_at, queued_at, kind, story_id, parent_id)
				VALUES (1, 1, 'talks', 'slack', 'Talks resume', 'In Doha.', '[{"field":"title","text":"Talks"}]', ?1, ?1, ?1, 'alert', 1, NULL),
				(2, 2, 'talks', 'slack', 'Talks go on', 'Still.', NULL, ?1 + 600000, ?1, ?1 + 600000, 'also', 1, 1),
				(3, 3, 'water', 'slack', 'Water', '', NULL, ?1, ?1, ?1, 'alert', NULL, NULL),
				(4, 1, 'talks', 'hook', 'Talks resume', '', NULL, ?1, ?1, ?1, 'alert', 1, NULL),
				(5, 3, 'water', 'hook', 'Water', '', NULL, ?1, ?1, ?1, 'alert', 2, NULL)`,
			`UPDATE alerts SET status = 'delivered', delivered_at = ?1, attempts = 1, remote_id = 'ts-4' WHERE id = 4`,
		)
		before := alertRows(t, conn)
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		s := db.open(t)

		if after := alertRows(t, s.read); !slices.Equal(after, before) {
			t.Errorf("alerts after the migration:\n%s\nwant\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
		}
		due, err := s.DueAlerts(ctx, testTime.Add(time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := alertIDs(due); !slices.Equal(got, []int64{1, 3, 5}) {
			t.Errorf("due alerts = %v, want 1, 3 and 5 (2 waits for its parent)", got)
		}
		tx := begin(t, s)
		head, err := tx.StoryAlert(1, "talks", "slack")
		if err != nil || head == nil || head.ID != 1 {
			t.Errorf("StoryAlert(1, talks, slack) = %+v, %v; want alert 1", head, err)
		}
		fu, err := tx.FollowUps(1)
		if err != nil || fu.NextDue.IsZero() {
			t.Errorf("FollowUps(1) = %+v, %v; want alert 2 queued", fu, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDelivered(ctx, 1, testTime, "ts-1", "C1"); err != nil {
			t.Fatal(err)
		}
		fus, err := s.DueFollowUps(ctx, testTime.Add(time.Hour), []int64{1})
		if err != nil {
			t.Fatal(err)
		}
		if got := alertIDs(fus); !slices.Equal(got, []int64{2}) {
			t.Errorf("follow-ups of alert 1 due = %v, want 2", got)
		}

		// Story 2 has no items: deleting it (as pruning does) leaves its
		// alert without a story, through the partial index.
		if _, err := s.write.ExecContext(ctx, `DELETE FROM stories WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		var story sql.NullInt64
		if err := s.read.QueryRowContext(ctx, `SELECT story_id FROM alerts WHERE id = 5`).Scan(&story); err != nil || story.Valid {
			t.Errorf("alert 5's story after its story was deleted = %v, %v; want NULL", story, err)
		}

		for _, ix := range sparseIndexes {
			def := indexDefinition(t, s, ix.name)
			if !strings.Contains(def, ix.where) {
				t.Errorf("index %s = %q, want it partial: WHERE %s", ix.name, def, ix.where)
			}
		}
	})
}

// indexDefinition returns the CREATE INDEX statement of index name.
func indexDefinition(t *testing.T, s *Store, name string) string {
	t.Helper()
	query := `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?`
	if s.engine == Postgres {
		query = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?`
	}
	var def string
	if err := s.read.QueryRow(query, name).Scan(&def); err != nil {
		t.Fatalf("index %s: %v", name, err)
	}
	return def
}

// TestSparseIndexPlans checks, on SQLite, that every statement that looks
// alerts up by their parent or story, or items by their story, still uses
// the partial index: the queries, in their plans, and the foreign keys'
// actions when a story is deleted, in their bytecode (EXPLAIN QUERY PLAN
// does not show those). TestItemQueryPlans covers pruning's look for a
// story's items.
func TestSparseIndexPlans(t *testing.T) {
	s := openTest(t)
	for _, q := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"FollowUps", followUpsSQL, []any{1}, "USING INDEX alerts_parent_id (parent_id=?)"},
		{"DueFollowUps", dueFollowUpsSQL, []any{0, "[1]"}, "USING INDEX alerts_parent_id (parent_id=?)"},
	} {
		t.Run(q.name, func(t *testing.T) {
			if plan := queryPlan(t, s, q.query, q.args...); !strings.Contains(plan, q.want) {
				t.Errorf("plan:\n%s\nwant %q", plan, q.want)
			}
		})
	}
	t.Run("delete a story", func(t *testing.T) {
		rows, err := s.write.Query(`EXPLAIN DELETE FROM stories WHERE id = 1`)
		if err != nil {
			t.Fatal(err)
		}
		opened := map[int64]bool{} // root pages of the b-trees the statement opens
		for rows.Next() {
			var (
				addr, p1, p2, p3 int64
				opcode           string
				p4, p5, comment  any
			)
			if err := rows.Scan(&addr, &opcode, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
				t.Fatal(err)
			}
			if opcode == "OpenRead" || opcode == "OpenWrite" {
				opened[p2] = true
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for _, name := range []string{"alerts_story_id", "items_story_id"} {
			var root int64
			if err := s.read.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, name).Scan(&root); err != nil {
				t.Fatal(err)
			}
			if !opened[root] {
				t.Errorf("deleting a story does not look its children up through %s", name)
			}
		}
	})
}

// TestSparseIndexPlansPostgres checks that PostgreSQL can answer the
// lookups by parent and by story, its foreign keys' among them, from the
// partial indexes: with sequential scans priced out, each plan names its
// index.
func TestSparseIndexPlansPostgres(t *testing.T) {
	s := newTestDB(t, Postgres).open(t)
	ctx := context.Background()
	conn, err := s.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `RESET enable_seqscan`)
	for _, q := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"FollowUps", followUpsSQL, []any{1}, "alerts_parent_id"},
		{"DueFollowUps", dueFollowUpsPG, []any{0, []int64{1}}, "alerts_parent_id"},
		{"alerts of a story", `SELECT id FROM alerts WHERE story_id = ?`, []any{1}, "alerts_story_id"},
		{"items of a story", `SELECT 1 FROM items WHERE story_id = ?`, []any{1}, "items_story_id"},
	} {
		t.Run(q.name, func(t *testing.T) {
			rows, err := conn.QueryContext(ctx, `EXPLAIN `+q.query, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if text := strings.Join(plan, "\n"); !strings.Contains(text, q.want) {
				t.Errorf("plan:\n%s\nwant %s", text, q.want)
			}
		})
	}
}
