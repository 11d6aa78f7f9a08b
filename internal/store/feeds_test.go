package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// feedNamed returns the configured feed name, failing the test if missing.
func feedNamed(t testing.TB, s *Store, name string) *FeedState {
	t.Helper()
	f, err := s.Feed(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// syncFeeds configures one feed per name, at https://NAME.example/feed.
func syncFeeds(t testing.TB, s *Store, names ...string) {
	t.Helper()
	var specs []model.Feed
	for _, n := range names {
		specs = append(specs, model.Feed{Name: n, URL: "https://" + n + ".example/feed"})
	}
	if err := s.SyncFeeds(context.Background(), specs); err != nil {
		t.Fatal(err)
	}
}

func feedNames(t *testing.T, s *Store) []string {
	t.Helper()
	feeds, err := s.Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range feeds {
		names = append(names, f.Name)
	}
	return names
}

func TestSyncFeeds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()

		syncFeeds(t, s, "b", "a")
		if got, want := feedNames(t, s), []string{"a", "b"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("Feeds = %v, want %v", got, want)
		}
		a := feedNamed(t, s, "a")
		if a.URL != "https://a.example/feed" || a.ID == 0 {
			t.Fatalf("feed a = %+v", a)
		}

		// Give both feeds HTTP state and a backoff.
		for _, name := range []string{"a", "b"} {
			f := feedNamed(t, s, name)
			f.CurrentURL = "https://moved.example/" + name
			f.ETag = `"v1"`
			f.LastModified = "Wed, 25 Nov 2026 10:00:00 GMT"
			f.ConsecutiveFailures = 3
			f.NextAttemptAt = testTime
			f.PrimedAt = testTime
			f.BodyHash, f.BodySize = "body-of-"+name, 4096
			if err := s.SaveFeed(ctx, f); err != nil {
				t.Fatal(err)
			}
		}

		// a changes URL, b is dropped, c is new.
		err := s.SyncFeeds(ctx, []model.Feed{
			{Name: "a", URL: "https://a.example/new-feed"},
			{Name: "c", URL: "https://c.example/feed"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := feedNames(t, s), []string{"a", "c"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Feeds = %v, want %v", got, want)
		}
		got := feedNamed(t, s, "a")
		want := &FeedState{ID: a.ID, Name: "a", URL: "https://a.example/new-feed", PrimedAt: testTime.Truncate(time.Millisecond), IdentityMode: IdentityGUID,
			Rev: 2} // saved once, then its URL changed
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after URL change:\n got %+v\nwant %+v", got, want)
		}
		if _, err := s.Feed(ctx, "b"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Feed(b) after removal: err = %v, want ErrNotFound", err)
		}

		// b comes back with its id and state.
		syncFeeds(t, s, "a", "b", "c")
		b := feedNamed(t, s, "b")
		if b.ETag != `"v1"` || b.ConsecutiveFailures != 3 || b.BodyHash != "body-of-b" || b.BodySize != 4096 {
			t.Errorf("re-added feed b lost its state: %+v", b)
		}
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM feeds`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("%d feed rows, want 3", n)
		}
	})
}

func TestSyncFeedsRejectsBadSpecs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		specs []model.Feed
	}{
		{"duplicate name", []model.Feed{{Name: "a", URL: "https://a.example/1"}, {Name: "a", URL: "https://a.example/2"}}},
		{"empty name", []model.Feed{{Name: "", URL: "https://a.example/1"}}},
		{"empty url", []model.Feed{{Name: "a", URL: ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, s *Store) {
				syncFeeds(t, s, "kept")
				if err := s.SyncFeeds(context.Background(), tc.specs); err == nil {
					t.Fatal("SyncFeeds succeeded")
				}
				if got := feedNames(t, s); !reflect.DeepEqual(got, []string{"kept"}) {
					t.Errorf("a rejected sync changed the feeds: %v", got)
				}
			})
		})
	}
}

func TestSaveFeedRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		f.CurrentURL = "https://a.example/moved"
		f.ETag = `W/"abc"`
		f.LastModified = "Thu, 26 Nov 2026 09:12:00 GMT"
		f.LastFetchAt = testTime
		f.LastSuccessAt = testTime.Add(-time.Hour)
		f.LastStatus = 503
		f.LastError = "http_status: 503 Service Unavailable"
		f.ConsecutiveFailures = 2
		f.NextAttemptAt = testTime.Add(10 * time.Minute)
		f.PrimedAt = testTime.Add(-48 * time.Hour)
		f.BodyHash, f.BodySize = "0123456789abcdef", 65_536
		if err := s.SaveFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		want := *f
		for _, tp := range []*time.Time{&want.LastFetchAt, &want.LastSuccessAt, &want.NextAttemptAt, &want.PrimedAt} {
			*tp = tp.Truncate(time.Millisecond)
		}
		if got := feedNamed(t, s, "a"); !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
		}

		// Zero times read back as zero.
		f.LastFetchAt, f.NextAttemptAt = time.Time{}, time.Time{}
		if err := s.SaveFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		if got := feedNamed(t, s, "a"); !got.LastFetchAt.IsZero() || !got.NextAttemptAt.IsZero() {
			t.Errorf("zero times read back as %v, %v", got.LastFetchAt, got.NextAttemptAt)
		}
	})
}

func TestSaveFeedAfterURLChangeIsDiscarded(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		stale := feedNamed(t, s, "a") // a poll reads the feed…
		// …the configuration changes the URL meanwhile…
		if err := s.SyncFeeds(ctx, []model.Feed{{Name: "a", URL: "https://a.example/new"}}); err != nil {
			t.Fatal(err)
		}
		// …and the poll saves what it learnt about the old URL.
		stale.ETag, stale.CurrentURL = `"old"`, "https://old.example/redirected"
		stale.BodyHash, stale.BodySize = "old-body", 100
		if err := s.SaveFeed(ctx, stale); err != nil {
			t.Fatal(err)
		}
		if got := feedNamed(t, s, "a"); got.ETag != "" || got.CurrentURL != "" || got.BodyHash != "" || got.BodySize != 0 {
			t.Errorf("stale state was saved: %+v", got)
		}
	})
}

func TestSaveFeedUnknown(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		err := s.SaveFeed(context.Background(), &FeedState{ID: 42, Name: "ghost", URL: "https://ghost.example/"})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

// TestSaveFeedInRolledBackTx checks that the state a poll transaction saves,
// its body hash included, is gone with the transaction: a document whose
// items were not recorded must never be taken as known.
func TestSaveFeedInRolledBackTx(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		f.BodyHash, f.BodySize = "recorded", 10
		if err := s.SaveFeed(context.Background(), f); err != nil {
			t.Fatal(err)
		}

		tx := begin(t, s)
		f.BodyHash, f.BodySize, f.ETag = "not-recorded", 20, `"new"`
		if err := tx.SaveFeed(f); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := feedNamed(t, s, "a"); got.BodyHash != "recorded" || got.BodySize != 10 || got.ETag != "" {
			t.Errorf("after a rolled-back poll: body hash %q, size %d, ETag %q; want the state before it",
				got.BodyHash, got.BodySize, got.ETag)
		}

		// The rolled-back save made no revision: the state is read again,
		// as a poll after a rollback does.
		f = feedNamed(t, s, "a")
		f.BodyHash, f.BodySize, f.ETag = "not-recorded", 20, `"new"`
		tx = begin(t, s)
		if err := tx.SaveFeed(f); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := feedNamed(t, s, "a"); got.BodyHash != "not-recorded" || got.BodySize != 20 {
			t.Errorf("after a committed poll: body hash %q, size %d", got.BodyHash, got.BodySize)
		}
	})
}

// TestMigration0004KeepsFeedState upgrades a database written by the 0003
// schema: its feeds keep their state and know no document yet, so their
// next poll parses whatever comes.
func TestMigration0004KeepsFeedState(t *testing.T) {
	ctx := context.Background()
	path, db := databaseAtMigration(t, 3)
	primed := testTime.UnixMilli()
	if _, err := db.ExecContext(ctx, `INSERT INTO feeds (id, name, url, etag, last_status, primed_at, identity_mode)
		VALUES (1, 'wire', 'https://wire.example/rss', '"v7"', 200, ?, 'link')`, primed); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, path, db)
	var version int
	if err := s.read.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version < 4 {
		t.Fatalf("schema version %d after Open, want at least 4", version)
	}
	got := feedNamed(t, s, "wire")
	if got.ETag != `"v7"` || got.LastStatus != 200 || !got.PrimedAt.Equal(time.UnixMilli(primed).UTC()) ||
		got.IdentityMode != IdentityLink || got.BodyHash != "" || got.BodySize != 0 {
		t.Errorf("feed after the migration: %+v", got)
	}
	got.BodyHash, got.BodySize = "abc", 3
	if err := s.SaveFeed(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again := feedNamed(t, s, "wire"); again.BodyHash != "abc" || again.BodySize != 3 {
		t.Errorf("body hash %q and size %d after saving them", again.BodyHash, again.BodySize)
	}
}
