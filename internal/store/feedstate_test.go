package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// TestFeedsNamed reads the states of several feeds in one query: each as
// Feed reads it, and only configured feeds that exist.
func TestFeedsNamed(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a", "b", "gone")
		b := feedNamed(t, s, "b")
		b.ETag, b.LastStatus, b.BodyHash = `"b1"`, 200, "hash-of-b"
		if err := s.SaveFeed(ctx, b); err != nil {
			t.Fatal(err)
		}
		syncFeeds(t, s, "a", "b") // "gone" is no longer configured

		for _, tc := range []struct {
			name  string
			names []string
			want  []string
		}{
			{"none", nil, nil},
			{"some", []string{"b", "a"}, []string{"a", "b"}},
			{"not configured or unknown", []string{"a", "gone", "nobody"}, []string{"a"}},
			{"quoted and repeated", []string{`"a"`, "a", "a"}, []string{"a"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.FeedsNamed(ctx, tc.names)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("FeedsNamed(%q) = %d states, want %q", tc.names, len(got), tc.want)
				}
				for _, name := range tc.want {
					if want := feedNamed(t, s, name); !reflect.DeepEqual(got[name], want) {
						t.Errorf("FeedsNamed: state of %q\n got %+v\nwant %+v", name, got[name], want)
					}
				}
			})
		}
	})
}

// TestSaveFeedsOverTheStateRead saves the states of a round's feeds read
// before the round in one transaction: a state saved meanwhile by another
// poll is not overwritten (ErrStateChanged), one whose URL changed meanwhile
// is discarded, and the others are saved, each with a new revision.
func TestSaveFeedsOverTheStateRead(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a", "b", "c")
		read, err := s.FeedsNamed(ctx, []string{"a", "b", "c"})
		if err != nil {
			t.Fatal(err)
		}

		// In between: another process polls b, and a configuration moves c.
		other := feedNamed(t, s, "b")
		other.ETag, other.PolledBy, other.ConsecutiveFailures = `"other"`, "replica-2", 3
		if err := s.SaveFeed(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := s.SyncFeeds(ctx, []model.Feed{
			{Name: "a", URL: "https://a.example/feed"},
			{Name: "b", URL: "https://b.example/feed"},
			{Name: "c", URL: "https://c.example/moved"},
		}); err != nil {
			t.Fatal(err)
		}

		at := testTime.Truncate(time.Millisecond)
		var batch []*FeedState
		for _, name := range []string{"a", "b", "c"} {
			f := read[name]
			f.ETag, f.LastFetchAt, f.LastSuccessAt, f.LastStatus = `"mine"`, at, at, 304
			batch = append(batch, f)
		}
		revA := read["a"].Rev
		errs, err := s.SaveFeeds(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || !errors.Is(errs[1], ErrStateChanged) || errs[2] != nil {
			t.Fatalf("SaveFeeds errors = %v, want [nil, ErrStateChanged, nil]", errs)
		}

		a := feedNamed(t, s, "a")
		if a.ETag != `"mine"` || !a.LastFetchAt.Equal(at) || a.LastStatus != 304 || a.Rev != revA+1 || read["a"].Rev != a.Rev {
			t.Errorf("a after the batch: %+v (read at revision %d), want saved at revision %d", a, revA, revA+1)
		}
		if b := feedNamed(t, s, "b"); !reflect.DeepEqual(b, other) {
			t.Errorf("b after the batch:\n got %+v\nwant the other poll's %+v", b, other)
		}
		if c := feedNamed(t, s, "c"); c.URL != "https://c.example/moved" || c.ETag != "" || !c.LastFetchAt.IsZero() {
			t.Errorf("c after the batch: %+v, want its new URL and no state", c)
		}

		// The same states again: a's is at the revision it saved, b's and
		// c's are not.
		errs, err = s.SaveFeeds(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || !errors.Is(errs[1], ErrStateChanged) || errs[2] != nil {
			t.Errorf("SaveFeeds again: errors = %v, want [nil, ErrStateChanged, nil]", errs)
		}
	})
}

// TestSaveFeedStateChanged: a single save over a state that another save
// changed since it was read changes nothing, outside a poll transaction or
// in one, and says so.
func TestSaveFeedStateChanged(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		stale := feedNamed(t, s, "a")
		fresh := feedNamed(t, s, "a")
		fresh.BodyHash = "recorded by another poll"
		if err := s.SaveFeed(ctx, fresh); err != nil {
			t.Fatal(err)
		}

		stale.BodyHash = "stale"
		if err := s.SaveFeed(ctx, stale); !errors.Is(err, ErrStateChanged) {
			t.Errorf("SaveFeed over a changed state: %v, want ErrStateChanged", err)
		}
		tx := begin(t, s)
		if err := tx.SaveFeed(stale); !errors.Is(err, ErrStateChanged) {
			t.Errorf("Tx.SaveFeed over a changed state: %v, want ErrStateChanged", err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := feedNamed(t, s, "a"); got.BodyHash != "recorded by another poll" {
			t.Errorf("body hash %q, want the other poll's", got.BodyHash)
		}
	})
}

// TestClaimReturnsTheState: a claim carries the feed's polling state, as
// Feed reads it, so that the replica's poll needs no read of its own.
func TestClaimReturnsTheState(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		scheduleTest(t, s, map[string]string{"a": "https://h.example"})
		f := feedNamed(t, s, "a")
		f.ETag, f.LastModified, f.ConsecutiveFailures = `"e"`, "Mon, 07 Dec 2026 10:00:00 GMT", 2
		if err := s.SaveFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		claims, err := s.ClaimDueFeeds(ctx, "r1", testTime, 5, 5, time.Minute)
		if err != nil || len(claims) != 1 {
			t.Fatalf("claims %+v, %v; want feed a", claims, err)
		}
		if want := feedNamed(t, s, "a"); !reflect.DeepEqual(claims[0].State, want) {
			t.Errorf("the claim's state\n got %+v\nwant %+v", claims[0].State, want)
		}
	})
}

// TestMigrationFeedStateRev upgrades a database whose feed has a polling
// state: the state reads as it was, at revision 0, and saves as before.
func TestMigrationFeedStateRev(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		n := map[Engine]int{SQLite: 16, Postgres: 11}[db.engine]
		db, conn := databaseBefore(t, db.engine, n)
		at := testTime.UnixMilli()
		if _, err := conn.ExecContext(ctx, `INSERT INTO feeds (id, name, url, etag, last_modified, last_fetch_at,
			last_success_at, last_status, consecutive_failures, primed_at, body_hash, body_size)
			VALUES (1, 'wire', 'https://wire.example/rss', '"v7"', 'Mon, 07 Dec 2026 10:00:00 GMT', ?, ?, 304, 0, ?, 'h', 99)`,
			at, at, at); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		s := db.open(t)
		got := feedNamed(t, s, "wire")
		if got.ETag != `"v7"` || got.LastModified != "Mon, 07 Dec 2026 10:00:00 GMT" || got.LastStatus != 304 ||
			got.BodyHash != "h" || got.BodySize != 99 || !got.LastFetchAt.Equal(time.UnixMilli(at).UTC()) || got.Rev != 0 {
			t.Errorf("feed after the migration: %+v", got)
		}
		got.ETag = `"v8"`
		if err := s.SaveFeed(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again := feedNamed(t, s, "wire"); again.ETag != `"v8"` || again.Rev != 1 {
			t.Errorf("after a save: ETag %q, revision %d; want \"v8\" at 1", again.ETag, again.Rev)
		}
	})
}
