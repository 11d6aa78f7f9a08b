package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// Faults of the database itself: another process holding the lock, and a
// full disk. In both the store must fail cleanly, leave nothing half
// written, keep serving what it can, and work again as soon as the
// condition clears, without a restart.

// openFaultStore opens a store in a new directory and configures one feed.
func openFaultStore(t *testing.T) (*Store, string, *FeedState) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.SyncFeeds(context.Background(), []model.Feed{{Name: "Wire", URL: "https://wire.example/rss"}}); err != nil {
		t.Fatal(err)
	}
	f, err := s.Feed(context.Background(), "Wire")
	if err != nil {
		t.Fatal(err)
	}
	return s, path, f
}

// faultItems returns n items of feed f whose summaries take about size
// bytes each.
func faultItems(f *FeedState, n, size int) []*model.Item {
	items := make([]*model.Item, n)
	for i := range items {
		items[i] = &model.Item{
			FeedID: f.ID, Identity: fmt.Sprintf("wire-%d", i), Title: fmt.Sprintf("Story %d", i),
			Summary: strings.Repeat(fmt.Sprintf("Paragraph of story %d. ", i), size/24+1),
		}
	}
	return items
}

// faultPoll writes, in one transaction, what a poll that found items does:
// each item, an alert for it, and the feed's new validators.
func faultPoll(ctx context.Context, s *Store, f *FeedState, items []*model.Item, etag string) error {
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, it := range items {
		if seen, err := tx.Seen(f.ID, it.Identity); err != nil || seen {
			return fmt.Errorf("seen %s: %v, %w", it.Identity, seen, err)
		}
		it.ID = 0
		if err := tx.AddItem(it); err != nil {
			return err
		}
		if err := tx.Enqueue(&model.Alert{ItemID: it.ID, Rule: "watch", Notifier: "slack", Title: it.Title}); err != nil {
			return err
		}
	}
	st := *f
	st.ETag = etag
	if err := tx.SaveFeed(&st); err != nil {
		return err
	}
	return tx.Commit()
}

// identities returns the identities of items.
func identities(items []*model.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Identity
	}
	return ids
}

// checkNothingWritten checks that no trace of a failed poll of items is in
// the store: every item unseen, no alert, the feed's validators unchanged.
func checkNothingWritten(t *testing.T, s *Store, f *FeedState, items []*model.Item) {
	t.Helper()
	ctx := context.Background()
	if unseen, err := s.Unseen(ctx, f.ID, identities(items)); err != nil || len(unseen) != len(items) {
		t.Errorf("after the failed poll %d of %d items are unseen (%v): it was half written", len(unseen), len(items), err)
	}
	if n := countAlerts(t, s); n != 0 {
		t.Errorf("after the failed poll %d alerts are queued", n)
	}
	if got, err := s.Feed(ctx, f.Name); err != nil || got.ETag != f.ETag {
		t.Errorf("after the failed poll the feed's ETag is %q (%v), want %q", got.ETag, err, f.ETag)
	}
}

// checkAllWritten checks that a poll of items is wholly in the store.
func checkAllWritten(t *testing.T, s *Store, f *FeedState, items []*model.Item, etag string) {
	t.Helper()
	ctx := context.Background()
	if unseen, err := s.Unseen(ctx, f.ID, identities(items)); err != nil || len(unseen) != 0 {
		t.Errorf("%d of %d items unseen after the retried poll (%v)", len(unseen), len(items), err)
	}
	if n := countAlerts(t, s); n != len(items) {
		t.Errorf("%d alerts queued after the retried poll, want %d", n, len(items))
	}
	if got, err := s.Feed(ctx, f.Name); err != nil || got.ETag != etag {
		t.Errorf("after the retried poll the feed's ETag is %q (%v), want %q", got.ETag, err, etag)
	}
}

func countAlerts(t *testing.T, s *Store) int {
	t.Helper()
	as, err := s.Alerts(context.Background(), AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

// TestFaultDatabaseLockedByAnotherProcess holds the database's write lock
// from another connection, as another process (a backup tool, sqlite3 in a
// terminal) would, in each way SQLite allows.
func TestFaultDatabaseLockedByAnotherProcess(t *testing.T) {
	// (A connection in locking_mode EXCLUSIVE cannot take the lock at all
	// while the store has the database open in WAL mode.)
	tests := []struct {
		name string
		lock []string // statements the other connection runs to take the lock
	}{
		{name: "BEGIN IMMEDIATE", lock: []string{"BEGIN IMMEDIATE", "UPDATE feeds SET last_error = 'held'"}},
		{name: "BEGIN EXCLUSIVE", lock: []string{"BEGIN EXCLUSIVE", "UPDATE feeds SET last_error = 'held'"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, path, f := openFaultStore(t)
			ctx := context.Background()
			// Wait a tenth of a second for the lock, not the daemon's five.
			if _, err := s.write.ExecContext(ctx, "PRAGMA busy_timeout = 100"); err != nil {
				t.Fatal(err)
			}
			other, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			holder, err := other.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range tc.lock {
				if _, err := holder.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}

			items := faultItems(f, 20, 200)
			err = faultPoll(ctx, s, f, items, `"v2"`)
			if err == nil || !strings.Contains(err.Error(), "locked") {
				t.Fatalf("poll while locked: %v, want an error saying the database is locked", err)
			}
			if err := s.SaveFeed(ctx, f); err == nil {
				t.Error("SaveFeed while locked succeeded")
			}
			// Readers are not blocked (WAL): the poll could still learn
			// that nothing is new, and the dispatcher read the outbox.
			if unseen, err := s.Unseen(ctx, f.ID, identities(items)); err != nil || len(unseen) != len(items) {
				t.Errorf("read while locked: %d unseen, %v", len(unseen), err)
			}
			if _, err := s.DueAlerts(ctx, time.Now(), 10); err != nil {
				t.Errorf("DueAlerts while locked: %v", err)
			}

			// The other process lets go: everything works again at once.
			if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
			checkNothingWritten(t, s, f, items)
			if err := faultPoll(ctx, s, f, items, `"v2"`); err != nil {
				t.Fatalf("poll after the lock was released: %v", err)
			}
			checkAllWritten(t, s, f, items, `"v2"`)
		})
	}
}

// TestFaultDiskFull gives the store's write connection a page limit
// (PRAGMA max_page_count), which makes SQLite fail with SQLITE_FULL exactly
// as a full disk does, then lifts it.
func TestFaultDiskFull(t *testing.T) {
	s, _, f := openFaultStore(t)
	ctx := context.Background()
	full := func(extraPages int) {
		t.Helper()
		var pages int
		if err := s.write.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		// The write pool has exactly one connection, so this reaches it.
		if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+extraPages)); err != nil {
			t.Fatal(err)
		}
	}
	room := func() {
		t.Helper()
		if _, err := s.write.ExecContext(ctx, "PRAGMA max_page_count = 4294967294"); err != nil {
			t.Fatal(err)
		}
	}

	// A poll that does not fit fails as a whole.
	full(4)
	items := faultItems(f, 50, 4000)
	err := faultPoll(ctx, s, f, items, `"v2"`)
	if err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("poll on a full disk: %v, want an error saying the disk is full", err)
	}
	checkNothingWritten(t, s, f, items)
	// What needs no new space still works: the feed's state can be saved
	// (a failure or a 304 recorded) and alerts read.
	st := *f
	st.LastError = "disk full"
	if err := s.SaveFeed(ctx, &st); err != nil {
		t.Errorf("SaveFeed on a full disk: %v", err)
	}
	f.Rev = st.Rev // the next poll starts from the state saved

	// Space is freed: the same poll, retried, is written whole.
	room()
	if err := faultPoll(ctx, s, f, items, `"v2"`); err != nil {
		t.Fatalf("poll after space was freed: %v", err)
	}
	checkAllWritten(t, s, f, items, `"v2"`)

	// Delivering alerts on a full disk: each is recorded delivered or stays
	// queued, none is lost, and the rest are recorded once there is room.
	due, err := s.DueAlerts(ctx, time.Now(), 100)
	if err != nil || len(due) != len(items) {
		t.Fatalf("DueAlerts: %d alerts, %v", len(due), err)
	}
	full(0)
	var failed []int64
	for i, a := range due {
		if err := s.MarkDelivered(ctx, a.ID, time.Now(), fmt.Sprintf("ts-%d", i), "C1"); err != nil {
			failed = append(failed, a.ID)
		}
	}
	t.Logf("%d of %d deliveries could not be recorded on the full disk", len(failed), len(due))
	room()
	for _, id := range failed {
		if err := s.MarkDelivered(ctx, id, time.Now(), "ts-late", "C1"); err != nil {
			t.Errorf("MarkDelivered %d after space was freed: %v", id, err)
		}
	}
	delivered, err := s.Alerts(ctx, AlertFilter{Status: model.StatusDelivered})
	if err != nil || len(delivered) != len(items) {
		t.Errorf("%d of %d alerts delivered (%v); %d deliveries failed on the full disk", len(delivered), len(items), err, len(failed))
	}
}
