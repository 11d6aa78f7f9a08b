package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// begin starts a poll transaction that is rolled back when the test ends if
// the test did not end it.
func begin(t testing.TB, s *Store) *Tx {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(); err != nil {
			t.Error(err)
		}
	})
	return tx
}

func seen(t testing.TB, tx *Tx, feedID int64, identity string) bool {
	t.Helper()
	ok, err := tx.Seen(feedID, identity)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.read.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// poll writes what a poll of f that found item it would: the item, one
// alert for it and the feed's state.
func poll(tx *Tx, f *FeedState, it *model.Item) error {
	it.FeedID = f.ID
	if err := tx.AddItem(it); err != nil {
		return err
	}
	if err := tx.Enqueue(&model.Alert{ItemID: it.ID, Rule: "r", Notifier: "console", Title: it.Title}); err != nil {
		return err
	}
	f.ETag = `"` + it.Identity + `"`
	return tx.SaveFeed(f)
}

func TestTxCommitAndRollback(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")

		t.Run("rollback leaves nothing", func(t *testing.T) {
			f := feedNamed(t, s, "a")
			tx := begin(t, s)
			if err := poll(tx, f, &model.Item{Identity: "gone", Title: "Gone"}); err != nil {
				t.Fatal(err)
			}
			if !seen(t, tx, f.ID, "gone") {
				t.Error("an item added in the transaction is not seen in it")
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, s, "items") + countRows(t, s, "alerts"); n != 0 {
				t.Errorf("%d rows left after rollback", n)
			}
			if got := feedNamed(t, s, "a"); got.ETag != "" {
				t.Errorf("feed state saved despite rollback: %+v", got)
			}
		})

		t.Run("commit keeps everything", func(t *testing.T) {
			f := feedNamed(t, s, "a")
			tx := begin(t, s)
			if err := poll(tx, f, &model.Item{Identity: "kept", Title: "Kept"}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Errorf("Rollback after Commit: %v", err)
			}
			if n := countRows(t, s, "items"); n != 1 {
				t.Errorf("%d items, want 1", n)
			}
			if n := countRows(t, s, "alerts"); n != 1 {
				t.Errorf("%d alerts, want 1", n)
			}
			if got := feedNamed(t, s, "a"); got.ETag != `"kept"` {
				t.Errorf("feed state not saved: %+v", got)
			}
			tx = begin(t, s)
			if !seen(t, tx, f.ID, "kept") || seen(t, tx, f.ID, "gone") {
				t.Error("Seen after commit does not match what was committed")
			}
		})

		t.Run("cancelled context rolls back", func(t *testing.T) {
			f := feedNamed(t, s, "a")
			cctx, cancel := context.WithCancel(ctx)
			tx, err := s.Begin(cctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := poll(tx, f, &model.Item{Identity: "cancelled"}); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := tx.Commit(); err == nil {
				t.Error("Commit succeeded after the context was cancelled")
			}
			if err := tx.Rollback(); err != nil {
				t.Errorf("Rollback: %v", err)
			}
			tx = begin(t, s)
			if seen(t, tx, f.ID, "cancelled") {
				t.Error("the cancelled transaction's item was kept")
			}
		})

		// The statements run under a context that does not end (Tx.exec): each
		// must still refuse to run once the poll's context has ended.
		t.Run("cancelled context stops every statement", func(t *testing.T) {
			f := feedNamed(t, s, "a")
			cctx, cancel := context.WithCancel(ctx)
			tx, err := s.Begin(cctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			st := &Story{Title: "Before"}
			if err := tx.NewStory(st); err != nil {
				t.Fatal(err)
			}
			it := &model.Item{FeedID: f.ID, Identity: "before", StoryID: st.ID}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
			a := &model.Alert{ItemID: it.ID, StoryID: st.ID, Rule: "r", Notifier: "console"}
			if err := tx.Enqueue(a); err != nil {
				t.Fatal(err)
			}
			cancel()
			for name, call := range map[string]func() error{
				"Seen":     func() error { _, err := tx.Seen(f.ID, "before"); return err },
				"NewStory": func() error { return tx.NewStory(&Story{Title: "After"}) },
				"AddItem": func() error {
					return tx.AddItem(&model.Item{FeedID: f.ID, Identity: "after", StoryID: st.ID})
				},
				"Enqueue": func() error {
					return tx.Enqueue(&model.Alert{ItemID: it.ID, Rule: "r2", Notifier: "console"})
				},
				"StoryAlert": func() error { _, err := tx.StoryAlert(st.ID, "r", "console"); return err },
				"ItemAlerts": func() error { _, err := tx.ItemAlerts(it.ID); return err },
				"FollowUps":  func() error { _, err := tx.FollowUps(a.ID); return err },
				"UpdateItem": func() error { return tx.UpdateItem(it.ID, ItemEdit{Title: "Edited", At: testTime}) },
				"SaveFeed":   func() error { return tx.SaveFeed(f) },
			} {
				if err := call(); !errors.Is(err, context.Canceled) && !errors.Is(err, sql.ErrTxDone) {
					t.Errorf("%s after the context ended: %v, want context.Canceled or sql.ErrTxDone", name, err)
				}
			}
			if err := tx.Commit(); err == nil {
				t.Error("Commit succeeded after the context was cancelled")
			}
		})
	})
}

func TestItemIdentityIsUniquePerFeed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a", "b")
		a, b := feedNamed(t, s, "a"), feedNamed(t, s, "b")
		tx := begin(t, s)
		if seen(t, tx, a.ID, "urn:x") {
			t.Fatal("a new identity is seen")
		}
		if err := tx.AddItem(&model.Item{FeedID: a.ID, Identity: "urn:x"}); err != nil {
			t.Fatal(err)
		}
		if !seen(t, tx, a.ID, "urn:x") {
			t.Error("identity not seen in its feed after AddItem")
		}
		if seen(t, tx, b.ID, "urn:x") {
			t.Error("identity seen in another feed")
		}
		if err := tx.AddItem(&model.Item{FeedID: b.ID, Identity: "urn:x"}); err != nil {
			t.Errorf("same identity in another feed: %v", err)
		}
		dup := &model.Item{FeedID: a.ID, Identity: "urn:x"}
		if err := tx.AddItem(dup); !errors.Is(err, ErrDuplicate) {
			t.Errorf("duplicate identity: err = %v, want ErrDuplicate", err)
		}
		if dup.ID != 0 {
			t.Errorf("duplicate got id %d", dup.ID)
		}
		// The transaction survives the duplicate.
		if err := tx.AddItem(&model.Item{FeedID: a.ID, Identity: "urn:y"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "items"); n != 3 {
			t.Errorf("%d items, want 3", n)
		}
	})
}

func TestAddItemRejectsBadItems(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		a := feedNamed(t, s, "a")
		for _, tc := range []struct {
			name string
			it   *model.Item
		}{
			{"empty identity", &model.Item{FeedID: a.ID}},
			{"unknown feed", &model.Item{FeedID: a.ID + 100, Identity: "x"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tx := begin(t, s)
				if err := tx.AddItem(tc.it); err == nil {
					t.Error("AddItem succeeded")
				}
			})
		}
	})
}

func TestItemRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		a := feedNamed(t, s, "a")
		full := &model.Item{
			FeedID:     a.ID,
			Identity:   "https://a.example/2026/11/26/story",
			GUID:       "tag:a.example,2026:story",
			Link:       "https://a.example/2026/11/26/story?x=1",
			Title:      "Syria and Israel sign a security pact — اتفاق أمني",
			Summary:    "<p>Summary with <b>HTML</b> &amp; entities</p>",
			Content:    "Long content\nacross lines",
			Author:     "Jane Reporter",
			Categories: []string{"Middle East", "Diplomacy", "שלום"},
			Lang:       "en",
			Published:  testTime.Add(-time.Hour),
			SeenAt:     testTime,
			Canonical:  "https://a.example/2026/11/26/story?x=1",
			SimHash:    1 << 63, // the high bit survives the signed column
			HasSimHash: true,
			TextHash:   "abc123",
		}
		bare := &model.Item{FeedID: a.ID, Identity: "bare"}
		tx := begin(t, s)
		st := &Story{Title: full.Title, Link: full.Canonical, CreatedAt: testTime}
		if err := tx.NewStory(st); err != nil {
			t.Fatal(err)
		}
		full.StoryID = st.ID
		for _, it := range []*model.Item{full, bare} {
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if bare.SeenAt.IsZero() {
			t.Error("AddItem did not set SeenAt")
		}

		items, err := s.Items(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]*model.Item{}
		for _, it := range items {
			byID[it.ID] = it
		}
		want := *full
		want.Published = want.Published.Truncate(time.Millisecond)
		want.SeenAt = want.SeenAt.Truncate(time.Millisecond)
		want.Feed = "a"
		if got := byID[full.ID]; got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("full item:\n got %+v\nwant %+v", got, want)
		}
		wantBare := *bare
		wantBare.Feed = "a"
		if got := byID[bare.ID]; got == nil || !reflect.DeepEqual(*got, wantBare) {
			t.Errorf("bare item:\n got %+v\nwant %+v", got, wantBare)
		}
	})
}

func TestItemsSinceNewestFirst(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		a := feedNamed(t, s, "a")
		tx := begin(t, s)
		for i, age := range []time.Duration{72 * time.Hour, time.Hour, 0, time.Hour} {
			it := &model.Item{FeedID: a.ID, Identity: fmt.Sprint(i), SeenAt: testTime.Add(-age)}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		items, err := s.Items(ctx, testTime.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Identity)
		}
		// Newest first; equal times by id, newest first.
		if want := []string{"2", "3", "1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Items = %v, want %v", got, want)
		}

		stop := errors.New("stop")
		var walked int
		err = s.EachItem(ctx, time.Time{}, func(*model.Item) error { walked++; return stop })
		if !errors.Is(err, stop) || walked != 1 {
			t.Errorf("EachItem did not stop at fn's error: err %v after %d items", err, walked)
		}
	})
}

// TestReadersDuringWriteTx shows that queries keep working, without
// SQLITE_BUSY, while a poll transaction is open and writing.
func TestReadersDuringWriteTx(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		a := feedNamed(t, s, "a")
		tx := begin(t, s)
		for i := range 50 {
			it := &model.Item{FeedID: a.ID, Identity: fmt.Sprint("open-", i), Title: "t"}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
			if err := tx.Enqueue(&model.Alert{ItemID: it.ID, Rule: "r", Notifier: "n"}); err != nil {
				t.Fatal(err)
			}
		}

		var wg sync.WaitGroup
		const readers, rounds = 4, 10
		errs := make(chan error, readers*rounds*4)
		for range readers {
			wg.Go(func() {
				for range rounds {
					if _, err := s.Feeds(ctx); err != nil {
						errs <- err
					}
					if _, err := s.DueAlerts(ctx, testTime.Add(time.Hour), 10); err != nil {
						errs <- err
					}
					items, err := s.Items(ctx, time.Time{})
					if err != nil {
						errs <- err
					}
					if len(items) != 0 {
						errs <- fmt.Errorf("a reader saw %d uncommitted items", len(items))
					}
				}
			})
		}
		// Keep writing while the readers run.
		for i := range 50 {
			if err := tx.AddItem(&model.Item{FeedID: a.ID, Identity: fmt.Sprint("during-", i)}); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if items, err := s.Items(ctx, time.Time{}); err != nil || len(items) != 100 {
			t.Errorf("after commit: %d items, err %v", len(items), err)
		}
	})
}

// TestWritersWaitForTheWriteTx shows that a write outside the poll
// transaction waits for it instead of failing.
func TestWritersWaitForTheWriteTx(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		tx := begin(t, s)
		f := feedNamed(t, s, "a")
		f.LastError = "from outside"
		done := make(chan error, 1)
		go func() { done <- s.SaveFeed(ctx, f) }()
		if err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("SaveFeed beside a poll transaction: %v", err)
		}
		if got := feedNamed(t, s, "a"); got.LastError != "from outside" {
			t.Errorf("LastError = %q", got.LastError)
		}
	})
}

func TestUnseen(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a", "b")
		a, b := feedNamed(t, s, "a"), feedNamed(t, s, "b")
		tx := begin(t, s)
		for _, id := range []string{"old-1", "old-2"} {
			if err := tx.AddItem(&model.Item{FeedID: a.ID, Identity: id}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.AddItem(&model.Item{FeedID: b.ID, Identity: "only-in-b"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		// Many identities, the seen ones among them.
		var ids, want []string
		for i := range 1000 {
			id := fmt.Sprint("new-", i)
			ids, want = append(ids, id), append(want, id)
			switch i {
			case 3:
				ids = append(ids, "old-1", id) // seen, and a repeat
			case 900:
				ids = append(ids, "old-2", "only-in-b")
				want = append(want, "only-in-b")
			}
		}
		got, err := s.Unseen(ctx, a.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Unseen: got %d identities, want %d\n got %v\nwant %v", len(got), len(want), got, want)
		}
		if got, err := s.Unseen(ctx, a.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("Unseen(nil) = %v, %v", got, err)
		}
	})
}

// TestCancelledPollAfterSeen: Seen runs on the connection the Tx holds,
// outside database/sql's watch of the transaction. A poll whose context
// ends still gives the connection back to the next writer, writes nothing,
// and leaves the next poll's Seen working.
func TestCancelledPollAfterSeen(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		ctx, cancel := context.WithCancel(context.Background())
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if seen(t, tx, f.ID, "guid:1") {
			t.Fatal("a new identity is seen")
		}
		if err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:1"}); err != nil {
			t.Fatal(err)
		}
		if !seen(t, tx, f.ID, "guid:1") {
			t.Fatal("Seen does not see the transaction's own item")
		}
		done := make(chan error, 1)
		go func() { done <- s.SaveFeed(context.Background(), f) }()
		if s.gate != nil { // SQLite: SaveFeed waits for the write connection
			waitForWaiters(t, s.gate, writeNormal, 1)
		}
		cancel() // the poll is abandoned, neither committed nor rolled back
		if err := <-done; err != nil {
			t.Fatalf("SaveFeed after the open transaction's context ended: %v", err)
		}
		if _, err := tx.Seen(f.ID, "guid:1"); !errors.Is(err, context.Canceled) {
			t.Errorf("Seen after the context ended: %v, want context.Canceled", err)
		}
		if err := tx.Rollback(); err != nil {
			t.Errorf("Rollback after the context ended: %v", err)
		}
		next := begin(t, s)
		if seen(t, next, f.ID, "guid:1") {
			t.Error("the abandoned poll's item was kept")
		}
	})
}

// TestTxSaveFeed: a poll's Tx saves the feed's state with the prepared
// statement, and keeps Store.SaveFeed's answers for a feed whose URL
// changed meanwhile (discarded) or that does not exist (ErrNotFound).
func TestTxSaveFeed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a", "b")
		stale := feedNamed(t, s, "b")
		if err := s.SyncFeeds(ctx, []model.Feed{{Name: "a", URL: "https://a.example/feed"}, {Name: "b", URL: "https://b.example/new"}}); err != nil {
			t.Fatal(err)
		}
		a := feedNamed(t, s, "a")
		a.ETag, a.LastModified, a.LastStatus = `"v2"`, "Thu, 26 Nov 2026 09:12:00 GMT", 200
		a.LastFetchAt, a.LastSuccessAt, a.PrimedAt = testTime, testTime, testTime
		a.BodyHash, a.BodySize = "body", 1234
		stale.ETag = `"old"`
		tx := begin(t, s)
		for i := range 2 { // the statement is run twice in one transaction
			a.ConsecutiveFailures = i
			if err := tx.SaveFeed(a); err != nil {
				t.Fatal(err)
			}
		}
		// In a poll's transaction a moved feed's state is an error: the
		// poll read the feed's old URL, and must not record its items.
		if err := tx.SaveFeed(stale); !errors.Is(err, ErrStateChanged) {
			t.Errorf("SaveFeed of a feed whose URL changed: %v, want ErrStateChanged", err)
		}
		if err := tx.SaveFeed(&FeedState{ID: 42, Name: "ghost", URL: "https://ghost.example/"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("SaveFeed of an unknown feed: %v, want ErrNotFound", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		got := feedNamed(t, s, "a")
		if got.ETag != a.ETag || got.LastModified != a.LastModified || got.LastStatus != 200 ||
			got.LastSuccessAt.UnixMilli() != testTime.UnixMilli() || got.PrimedAt.UnixMilli() != testTime.UnixMilli() ||
			got.BodyHash != "body" || got.BodySize != 1234 || got.ConsecutiveFailures != 1 {
			t.Errorf("saved state %+v, want %+v", got, a)
		}
		if got := feedNamed(t, s, "b"); got.ETag != "" {
			t.Errorf("stale state was saved: %+v", got)
		}
	})
}
