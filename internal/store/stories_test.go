package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// storyFixture is a feed with a story of two items.
type storyFixture struct {
	s     *Store
	feed  *FeedState
	story *Story
	items []*model.Item
}

func newStoryFixture(t *testing.T, s *Store) *storyFixture {
	t.Helper()
	syncFeeds(t, s, "a")
	f := &storyFixture{s: s, feed: feedNamed(t, s, "a")}
	tx := begin(t, s)
	f.story = &Story{Title: "Talks in Baku", Link: "https://a.example/baku", CreatedAt: testTime}
	if err := tx.NewStory(f.story); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"guid:1", "guid:2"} {
		it := &model.Item{FeedID: f.feed.ID, Identity: id, Aliases: []string{"link:https://a.example/" + id[5:]},
			StoryID: f.story.ID, TextHash: "h" + id[5:], SeenAt: testTime.Add(time.Duration(i) * time.Hour)}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
		f.items = append(f.items, it)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStoryJoinAndSeenItems(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		var items int
		var updated int64
		if err := f.s.read.QueryRow(`SELECT items, updated_at FROM stories WHERE id = ?`, f.story.ID).Scan(&items, &updated); err != nil {
			t.Fatal(err)
		}
		if items != 2 || updated != testTime.Add(time.Hour).UnixMilli() {
			t.Errorf("story: %d items, updated %d; want 2, the second item's seen time", items, updated)
		}

		got, err := f.s.SeenItems(ctx, f.feed.ID, []string{"guid:1", "link:https://a.example/2", "guid:9", "guid:1"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]SeenItem{
			"guid:1":                   {Identity: "guid:1", ItemID: f.items[0].ID, TextHash: "h1"},
			"link:https://a.example/2": {Identity: "link:https://a.example/2", ItemID: f.items[1].ID, TextHash: "h2"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SeenItems = %+v, want %+v", got, want)
		}

		tx := begin(t, f.s)
		if !seen(t, tx, f.feed.ID, "link:https://a.example/1") {
			t.Error("an alias is not seen")
		}
		err = tx.AddItem(&model.Item{FeedID: f.feed.ID, Identity: "link:https://a.example/1"})
		if !errors.Is(err, ErrDuplicate) {
			t.Errorf("adding an item under an alias already seen: %v, want ErrDuplicate", err)
		}
		edit := ItemEdit{Title: "Talks in Baku end", TextHash: "h1b", At: testTime.Add(2 * time.Hour)}
		if err := tx.UpdateItem(f.items[0].ID, edit); err != nil {
			t.Fatal(err)
		}
		if err := tx.UpdateItem(9999, edit); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateItem of a missing item: %v, want ErrNotFound", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		it, err := f.s.Item(ctx, f.items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Title != edit.Title || it.TextHash != "h1b" || !it.UpdatedAt.Equal(edit.At.Truncate(time.Millisecond)) || it.StoryID != f.story.ID {
			t.Errorf("edited item: %+v", it)
		}
	})
}

func TestStoryAlertsAndFollowUps(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		tx := begin(t, f.s)
		if a, err := tx.StoryAlert(f.story.ID, "r", "slack"); err != nil || a != nil {
			t.Fatalf("StoryAlert before any: %+v, %v", a, err)
		}
		head := &model.Alert{ItemID: f.items[0].ID, StoryID: f.story.ID, Rule: "r", Notifier: "slack", Channel: "#news", CreatedAt: testTime}
		if err := tx.Enqueue(head); err != nil {
			t.Fatal(err)
		}
		again := &model.Alert{ItemID: f.items[1].ID, StoryID: f.story.ID, Rule: "r", Notifier: "slack"}
		if err := tx.Enqueue(again); !errors.Is(err, ErrDuplicate) {
			t.Errorf("a second first alert of the story: %v, want ErrDuplicate", err)
		}
		ref, err := tx.StoryAlert(f.story.ID, "r", "slack")
		if err != nil {
			t.Fatal(err)
		}
		if want := (&AlertRef{ID: head.ID, Rule: "r", Notifier: "slack", Channel: "#news", Status: model.StatusQueued}); !reflect.DeepEqual(ref, want) {
			t.Errorf("StoryAlert = %+v, want %+v", ref, want)
		}
		if refs, err := tx.ItemAlerts(f.items[0].ID); err != nil || len(refs) != 1 || refs[0].ID != head.ID {
			t.Errorf("ItemAlerts = %+v, %v", refs, err)
		}
		due := testTime.Add(10 * time.Minute).Truncate(time.Millisecond)
		var also []*model.Alert
		for _, it := range f.items {
			a := &model.Alert{ItemID: it.ID, StoryID: f.story.ID, ParentID: head.ID, Kind: model.KindAlso, Rule: "r", Notifier: "slack",
				CreatedAt: testTime, NextAttemptAt: due}
			if err := tx.Enqueue(a); err != nil {
				t.Fatal(err)
			}
			also = append(also, a)
		}
		if err := tx.Enqueue(&model.Alert{Kind: model.KindAlso, Rule: "r", Notifier: "slack"}); err == nil {
			t.Error("a follow-up without a parent was queued")
		}
		fu, err := tx.FollowUps(head.ID)
		if err != nil || !fu.NextDue.Equal(due) || fu.Sent != 0 {
			t.Errorf("FollowUps = %+v, %v; want due %v, none sent", fu, err, due)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if !also[0].QueuedAt.Equal(due) {
			t.Errorf("a delayed alert is queued at %v, want its due time %v", also[0].QueuedAt, due)
		}

		// The follow-ups wait for their parent.
		dueIDs := func() []int64 {
			t.Helper()
			as, err := f.s.DueAlerts(ctx, due, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, a := range as {
				ids = append(ids, a.ID)
			}
			return ids
		}
		if got, want := dueIDs(), []int64{head.ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("due while the parent is queued: %v, want %v", got, want)
		}
		if err := f.s.MarkDelivered(ctx, head.ID, due, "1700000000.000100", "C0NEWS"); err != nil {
			t.Fatal(err)
		}
		due2, err := f.s.DueAlerts(ctx, due, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(due2) != 2 || due2[0].Parent == nil || *due2[0].Parent != (model.ParentState{Status: model.StatusDelivered, RemoteID: "1700000000.000100", RemoteChannel: "C0NEWS"}) {
			t.Fatalf("due after the parent was delivered: %+v", due2)
		}
		if err := f.s.MarkDeliveredMany(ctx, []int64{also[0].ID, also[1].ID}, due, "1700000000.000200", "C0NEWS"); err != nil {
			t.Fatal(err)
		}
		tx = begin(t, f.s)
		if fu, err := tx.FollowUps(head.ID); err != nil || !fu.NextDue.IsZero() || fu.Sent != 1 {
			t.Errorf("FollowUps after one reply = %+v, %v; want one sent, none queued", fu, err)
		}
	})
}

func TestPrune(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		// A second story of one old item, and an alert of the first old item.
		tx := begin(t, f.s)
		old := &Story{Title: "Old", CreatedAt: testTime.Add(-48 * time.Hour)}
		if err := tx.NewStory(old); err != nil {
			t.Fatal(err)
		}
		oldItem := &model.Item{FeedID: f.feed.ID, Identity: "guid:old", StoryID: old.ID, Title: "Old", SeenAt: old.CreatedAt}
		if err := tx.AddItem(oldItem); err != nil {
			t.Fatal(err)
		}
		alert := &model.Alert{ItemID: f.items[0].ID, StoryID: f.story.ID, Rule: "r", Notifier: "slack", Title: "Talks in Baku"}
		if err := tx.Enqueue(alert); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		// Prune before the second item of the first story, a row at a time.
		res, err := f.s.Prune(ctx, testTime.Add(30*time.Minute), 1)
		if err != nil {
			t.Fatal(err)
		}
		if res != (PruneResult{Items: 2, Stories: 1}) {
			t.Errorf("Prune = %+v, want 2 items and the old story", res)
		}
		var left []int64
		if err := f.s.WindowItems(ctx, time.Time{}, 0, func(it *model.Item) error { left = append(left, it.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		if want := []int64{f.items[1].ID}; !reflect.DeepEqual(left, want) {
			t.Errorf("items left %v, want %v", left, want)
		}
		if n := countRows(t, f.s, "stories"); n != 1 {
			t.Errorf("%d stories left, want the one that still has an item", n)
		}
		tx = begin(t, f.s)
		for _, id := range []string{"guid:1", "guid:old", "link:https://a.example/1"} {
			if !seen(t, tx, f.feed.ID, id) {
				t.Errorf("identity %s of a pruned item is no longer seen", id)
			}
		}
		tx.Rollback()
		a := alertByID(t, f.s, alert.ID)
		if a.ItemID != 0 || a.Title != "Talks in Baku" || a.StoryID != f.story.ID {
			t.Errorf("alert of a pruned item: item %d, title %q, story %d", a.ItemID, a.Title, a.StoryID)
		}
		si, err := f.s.SeenItems(ctx, f.feed.ID, []string{"guid:1"})
		if err != nil || si["guid:1"].ItemID != 0 {
			t.Errorf("SeenItems of a pruned item = %+v, %v; want no item", si, err)
		}
	})
}

func TestWindowItemsAfter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f := newStoryFixture(t, s)
		var got []int64
		err := f.s.WindowItems(context.Background(), testTime.Add(30*time.Minute), 0, func(it *model.Item) error {
			got = append(got, it.ID)
			if it.Feed != "a" || it.StoryID != f.story.ID {
				t.Errorf("item %+v", it)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{f.items[1].ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("since: %v, want %v", got, want)
		}
		got = nil
		f.s.WindowItems(context.Background(), time.Time{}, f.items[0].ID, func(it *model.Item) error { got = append(got, it.ID); return nil })
		if want := []int64{f.items[1].ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("after: %v, want %v", got, want)
		}
	})
}

func TestFeedIdentityMode(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		if f.IdentityMode != IdentityGUID {
			t.Errorf("new feed: mode %q, want guid", f.IdentityMode)
		}
		f.IdentityMode, f.GUIDChanges, f.IdentityModeAt = IdentityLink, 12, testTime
		tx := begin(t, s)
		if err := tx.SaveFeed(f); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		got := feedNamed(t, s, "a")
		if got.IdentityMode != IdentityLink || got.GUIDChanges != 12 || !got.IdentityModeAt.Equal(testTime.Truncate(time.Millisecond)) {
			t.Errorf("saved mode: %+v", got)
		}
	})
}

func TestPrunerRunsAtStart(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f := newStoryFixture(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		p := &Pruner{Store: f.s, Retention: time.Hour, Every: time.Hour,
			Now: func() time.Time { return testTime.Add(90 * time.Minute) }}
		go func() { done <- p.Run(ctx) }()
		deadline := time.Now().Add(10 * time.Second)
		for countRows(t, f.s, "items") != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the pruner did not prune the item older than its retention")
			}
			runtime.Gosched()
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		if err := (&Pruner{Store: f.s}).Run(context.Background()); err == nil {
			t.Error("a Pruner without retention ran")
		}
	})
}

// TestAddItemOfASeenIdentity: AddItem writes the item before its seen
// rows; an identity seen already, whether its item is kept, pruned or
// another item's alias, is ErrDuplicate and leaves no item behind.
func TestAddItemOfASeenIdentity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		if _, err := f.s.Prune(ctx, testTime.Add(30*time.Minute), 0); err != nil {
			t.Fatal(err) // guid:1 is pruned, guid:2 kept
		}
		before := countRows(t, f.s, "items")
		tx := begin(t, f.s)
		for _, tc := range []struct{ name, identity string }{
			{"item kept", "guid:2"},
			{"item pruned", "guid:1"},
			{"alias of a kept item", "link:https://a.example/2"},
			{"alias of a pruned item", "link:https://a.example/1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				it := &model.Item{FeedID: f.feed.ID, Identity: tc.identity, StoryID: f.story.ID, Title: "Again"}
				if err := tx.AddItem(it); !errors.Is(err, ErrDuplicate) {
					t.Errorf("AddItem(%s) = %v, want ErrDuplicate", tc.identity, err)
				}
				if it.ID != 0 {
					t.Errorf("AddItem(%s) set ID %d", tc.identity, it.ID)
				}
			})
		}
		// The transaction goes on, and the duplicates left nothing.
		fresh := &model.Item{FeedID: f.feed.ID, Identity: "guid:3", Aliases: []string{"link:https://a.example/3"},
			StoryID: f.story.ID, TextHash: "h3", SeenAt: testTime.Add(time.Hour)}
		if err := tx.AddItem(fresh); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, f.s, "items"); n != before+1 {
			t.Errorf("%d items, want %d: a duplicate left its row", n, before+1)
		}
		var items int
		if err := f.s.read.QueryRow(`SELECT items FROM stories WHERE id = ?`, f.story.ID).Scan(&items); err != nil {
			t.Fatal(err)
		}
		if items != 3 {
			t.Errorf("story counts %d items, want 3: the duplicates joined it", items)
		}
		got, err := f.s.SeenItems(ctx, f.feed.ID, []string{"guid:1", "guid:3", "link:https://a.example/3"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]SeenItem{
			"guid:1":                   {Identity: "guid:1"},
			"guid:3":                   {Identity: "guid:3", ItemID: fresh.ID, TextHash: "h3"},
			"link:https://a.example/3": {Identity: "link:https://a.example/3", ItemID: fresh.ID, TextHash: "h3"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SeenItems = %+v, want %+v", got, want)
		}
	})
}

// TestJoinStory: an item that joins a story counts in it and moves its
// updated time forward, never back, whether the story was created in the
// same transaction (joinStory's shortcut) or before it.
func TestJoinStory(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		hour := func(h int) time.Time { return testTime.Add(time.Duration(h) * time.Hour) }
		n := 0
		add := func(tx *Tx, st *Story, seen time.Time) {
			t.Helper()
			n++
			if err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: fmt.Sprint("guid:", n), StoryID: st.ID, SeenAt: seen}); err != nil {
				t.Fatal(err)
			}
		}
		check := func(st *Story, items int, updated time.Time) {
			t.Helper()
			var (
				gotItems int
				gotAt    int64
			)
			if err := s.read.QueryRow(`SELECT items, updated_at FROM stories WHERE id = ?`, st.ID).Scan(&gotItems, &gotAt); err != nil {
				t.Fatal(err)
			}
			if gotItems != items || gotAt != updated.UnixMilli() {
				t.Errorf("story %q: %d items, updated %v; want %d, %v", st.Title, gotItems, time.UnixMilli(gotAt).UTC(), items, updated)
			}
			if s.engine != SQLite {
				return
			}
			// SQLite skips writing an index entry for a column set to its
			// own value (countStorySQL): the index must still be right.
			var indexed int
			if err := s.read.QueryRow(`SELECT COUNT(*) FROM stories INDEXED BY stories_updated_at
				WHERE updated_at = ? AND id = ?`, updated.UnixMilli(), st.ID).Scan(&indexed); err != nil {
				t.Fatal(err)
			}
			if indexed != 1 {
				t.Errorf("story %q: stories_updated_at does not have its updated time", st.Title)
			}
		}

		tx := begin(t, s)
		same := &Story{Title: "same time", CreatedAt: hour(1)}
		later := &Story{Title: "later", CreatedAt: hour(1)}
		earlier := &Story{Title: "earlier", CreatedAt: hour(5)}
		// NewStory counts the first item ahead: a story no item joins, or
		// whose only item is refused, counts none.
		alone := &Story{Title: "no item", CreatedAt: hour(1)}
		refused := &Story{Title: "refused item", CreatedAt: hour(1)}
		for _, st := range []*Story{same, later, earlier, alone, refused} {
			if err := tx.NewStory(st); err != nil {
				t.Fatal(err)
			}
		}
		add(tx, same, hour(1))
		add(tx, same, hour(1))
		add(tx, later, hour(2))
		add(tx, later, hour(1)) // after a later one: stays at hour 2
		add(tx, later, hour(3))
		add(tx, earlier, hour(4))
		err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:1", StoryID: refused.ID, SeenAt: hour(1)})
		if !errors.Is(err, ErrDuplicate) {
			t.Fatalf("AddItem of a seen identity: %v, want ErrDuplicate", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		check(same, 2, hour(1))
		check(later, 3, hour(3))
		check(earlier, 1, hour(5))
		check(alone, 0, hour(1))
		check(refused, 0, hour(1))

		tx = begin(t, s)
		add(tx, same, hour(6))
		add(tx, earlier, hour(2))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		check(same, 3, hour(6))
		check(earlier, 2, hour(5))
	})
}
