package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// itemQueries are the store's queries of the items table, as SQLite plans
// them: each with what its plan must use. FeedActivity's and Prune's are
// copies of the statements in status.go and prune.go.
var itemQueries = []struct {
	name  string
	query string
	args  []any
	want  []string
}{
	{"EachItem", `SELECT ` + itemColumns + itemsFrom + ` WHERE i.seen_at >= ? ORDER BY i.seen_at DESC, i.id DESC`,
		[]any{0}, []string{"SEARCH i USING INDEX items_seen_at (seen_at>?)"}},
	{"WindowItems", `SELECT ` + itemColumns + itemsFrom + ` WHERE i.id > ? AND i.seen_at >= ? ORDER BY i.id`,
		[]any{0, 0}, []string{"SEARCH i USING INTEGER PRIMARY KEY (rowid>?)"}},
	{"StoryWindow", storyWindowSQL, []any{1, 1, 1, 1, 0, 0},
		[]string{"SEARCH items USING INTEGER PRIMARY KEY (rowid>?)"}},
	{"StoryWindowCount", storyWindowCountSQL, []any{0, 0, 1 << 40, 0, 0, 1 << 40},
		[]string{"SEARCH items USING COVERING INDEX items_seen_at (seen_at>?)",
			"SEARCH items USING INDEX items_without_story (seen_at>?)"}},
	{"SaveFeatures", saveFeaturesSQL, []any{[]byte{1}, 1, 1, ""},
		[]string{"SEARCH items USING INTEGER PRIMARY KEY (rowid=?)"}},
	{"Item", `SELECT ` + itemColumns + itemsFrom + ` WHERE i.id = ?`,
		[]any{1}, []string{"SEARCH i USING INTEGER PRIMARY KEY (rowid=?)"}},
	{"SeenItems", seenItemsSQL, []any{1, `["a"]`},
		[]string{"SEARCH i USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN"}},
	{"FeedActivity", `SELECT f.id,
		(SELECT MAX(seen_at) FROM items WHERE feed_id = f.id),
		(SELECT COUNT(*) FROM items WHERE feed_id = f.id AND seen_at >= ?)
		FROM feeds AS f WHERE f.configured = 1`, []any{0},
		[]string{"SEARCH items USING COVERING INDEX items_feed_seen_at (feed_id=?)",
			"SEARCH items USING COVERING INDEX items_feed_seen_at (feed_id=? AND seen_at>?)"}},
	{"Prune items", `DELETE FROM items WHERE id IN (
		SELECT id FROM items WHERE seen_at < ? ORDER BY seen_at LIMIT ?)`, []any{0, 500},
		[]string{"SEARCH items USING COVERING INDEX items_seen_at (seen_at<?)"}},
	{"Prune stories", `DELETE FROM stories WHERE id IN (
		SELECT s.id FROM stories AS s WHERE s.updated_at < ?
		AND NOT EXISTS (SELECT 1 FROM items AS i WHERE i.story_id = s.id)
		ORDER BY s.updated_at LIMIT ?)`, []any{0, 500},
		[]string{"SEARCH i USING COVERING INDEX items_story_id (story_id=?)"}},
	{"UpdateItem", updateItemSQL, []any{"", "", "", "", 0, 1},
		[]string{"SEARCH items USING INTEGER PRIMARY KEY (rowid=?)"}},
	{"AddItem's take-back", dropItemSQL, []any{1},
		[]string{"SEARCH items USING INTEGER PRIMARY KEY (rowid=?)"}},
}

// TestItemQueryPlans checks that every query of items uses the index it is
// meant to, on a database with statistics (Close runs PRAGMA optimize),
// and that none needs items_published, which 0005 dropped: it was written
// for every new item and read by nothing.
func TestItemQueryPlans(t *testing.T) {
	s := openTest(t)
	syncFeeds(t, s, "a", "b")
	for _, name := range []string{"a", "b"} {
		f := feedNamed(t, s, name)
		tx := begin(t, s)
		for i := range 200 {
			st := &Story{Title: "story", CreatedAt: testTime}
			if err := tx.NewStory(st); err != nil {
				t.Fatal(err)
			}
			it := &model.Item{FeedID: f.ID, Identity: fmt.Sprintf("guid:%s-%d", name, i), StoryID: st.ID,
				Published: testTime.Add(-time.Duration(i) * time.Hour), SeenAt: testTime.Add(time.Duration(i) * time.Minute)}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.write.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'items_published'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("items_published: %d in the schema (%v), want it dropped", n, err)
	}
	for _, q := range itemQueries {
		t.Run(q.name, func(t *testing.T) {
			plan := queryPlan(t, s, q.query, q.args...)
			for _, want := range q.want {
				if !strings.Contains(plan, want) {
					t.Errorf("plan:\n%s\nwant %q", plan, want)
				}
			}
			if strings.Contains(plan, "items_published") {
				t.Errorf("plan:\n%s\nuses items_published", plan)
			}
		})
	}
}

// TestMigration0005 upgrades a database written by the 0004 schema: its
// items keep everything the store reads of them, and items_published is
// gone.
func TestMigration0005(t *testing.T) {
	ctx := context.Background()
	path, db := databaseAtMigration(t, 4)
	published, seenAt := testTime.Add(-time.Hour).UnixMilli(), testTime.UnixMilli()
	for _, q := range []string{
		`INSERT INTO feeds (id, name, url) VALUES (1, 'wire', 'https://wire.example/rss')`,
		`INSERT INTO stories (id, title, items, created_at, updated_at) VALUES (1, 'Talks', 1, ?2, ?2)`,
		`INSERT INTO items (id, feed_id, identity, guid, link, title, summary, content, categories, lang,
			published, seen_at, story_id, canonical, simhash, text_hash)
			VALUES (1, 1, 'guid:a', 'a', 'https://wire.example/a', 'Talks resume', 'In Doha.', '<p>In Doha.</p>',
			'["World"]', 'en', ?1, ?2, 1, 'https://wire.example/a', -5, 'h')`,
		`INSERT INTO seen (feed_id, identity, first_seen, item_id) VALUES (1, 'guid:a', ?2, 1)`,
	} {
		if _, err := db.ExecContext(ctx, q, published, seenAt); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'items_published'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("0004 schema: items_published %d (%v), want the index", n, err)
	}
	s := upgrade(t, path, db)
	if err := s.read.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'items_published'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after 0005: items_published %d (%v), want it dropped", n, err)
	}
	items, err := s.Items(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("%d items after the migration, want 1", len(items))
	}
	it := items[0]
	if it.Title != "Talks resume" || it.Content != "<p>In Doha.</p>" || it.Published.UnixMilli() != published ||
		it.StoryID != 1 || !it.HasSimHash || it.SimHash != uint64(1<<64-5) || it.Feed != "wire" {
		t.Errorf("item after the migration: %+v", it)
	}
	tx := begin(t, s)
	if !seen(t, tx, 1, "guid:a") {
		t.Error("the item's identity is not seen after the migration")
	}
}
