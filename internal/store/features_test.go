package store

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// windowItem is what StoryWindow passes of an item, copied.
type windowItem struct {
	id, story       int64
	canonical       string
	seen, published time.Time
	features        []byte
	version         int64
	title, summary  string
	textHash        string
}

func storyWindow(t *testing.T, s *Store, after, version int64) []windowItem {
	t.Helper()
	var out []windowItem
	err := s.StoryWindow(context.Background(), testTime.Add(-time.Hour), after, version, func(it *model.Item) error {
		out = append(out, windowItem{it.ID, it.StoryID, it.Canonical, it.SeenAt, it.Published,
			bytes.Clone(it.Features), it.FeaturesVersion, it.Title, it.Summary, it.TextHash})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStoryFeatures: an item's features are recorded with it, read back by
// StoryWindow when of the version asked for (the text otherwise), forgotten
// by an edit of its text, and recorded again by SaveFeatures unless the
// text changed since they were computed.
func TestStoryFeatures(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		f := feedNamed(t, s, "a")
		tx := begin(t, s)
		var items []*model.Item
		for i := range 4 {
			st := &Story{Title: "story", CreatedAt: testTime}
			if err := tx.NewStory(st); err != nil {
				t.Fatal(err)
			}
			it := &model.Item{FeedID: f.ID, Identity: fmt.Sprint("guid:", i), StoryID: st.ID,
				Title: fmt.Sprint("title ", i), Summary: fmt.Sprint("summary ", i), TextHash: fmt.Sprint("hash ", i),
				Canonical: fmt.Sprint("https://example.org/", i), SeenAt: testTime, Published: testTime.Add(-time.Hour)}
			if i < 3 { // the last recorded without features
				it.Features, it.FeaturesVersion = []byte{byte(i), 0, 0xff}, 7
			}
			if i == 2 {
				it.FeaturesVersion = 6 // another version's
			}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
			items = append(items, it)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		got := storyWindow(t, s, 0, 7)
		if len(got) != 4 {
			t.Fatalf("%d items in the window, want 4", len(got))
		}
		for i, w := range got {
			it := items[i]
			if w.id != it.ID || w.story != it.StoryID || w.canonical != it.Canonical || !w.seen.Equal(testTime.Truncate(time.Millisecond)) ||
				!w.published.Equal(it.Published.Truncate(time.Millisecond)) {
				t.Errorf("item %d: %+v", i, w)
			}
			switch current := i < 2; {
			case current && (!bytes.Equal(w.features, it.Features) || w.version != 7 || w.title != "" || w.summary != "" || w.textHash != ""):
				t.Errorf("item %d, features of the version: %+v, want its features and no text", i, w)
			case !current && (w.features != nil || w.version != 0 || w.title != it.Title || w.summary != it.Summary || w.textHash != it.TextHash):
				t.Errorf("item %d, without features of the version: %+v, want its text and no features", i, w)
			}
		}
		if got := storyWindow(t, s, items[2].ID, 7); len(got) != 1 || got[0].id != items[3].ID {
			t.Errorf("after item 2: %+v, want item 3", got)
		}

		// An edit forgets item 0's features; item 1's text changes after
		// its features were computed.
		tx = begin(t, s)
		if err := tx.UpdateItem(items[0].ID, ItemEdit{Title: "edited", TextHash: "hash edited", At: testTime}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := storyWindow(t, s, 0, 7); got[0].features != nil || got[0].title != "edited" || got[0].textHash != "hash edited" {
			t.Errorf("edited item: %+v, want its new text and no features", got[0])
		}
		err := s.SaveFeatures(ctx, []ItemFeatures{
			{ID: items[0].ID, TextHash: "hash edited", Features: []byte("e"), Version: 7},
			{ID: items[2].ID, TextHash: items[2].TextHash, Features: []byte("two"), Version: 7},
			{ID: items[3].ID, TextHash: "hash of a text since edited", Features: []byte("three"), Version: 7},
			{ID: items[3].ID + 100, TextHash: "", Features: []byte("pruned"), Version: 7},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"e", string(items[1].Features), "two", ""}
		for i, w := range storyWindow(t, s, 0, 7) {
			if string(w.features) != want[i] {
				t.Errorf("item %d after SaveFeatures: features %q, want %q", i, w.features, want[i])
			}
		}
		if err := s.SaveFeatures(ctx, nil); err != nil {
			t.Errorf("SaveFeatures of nothing: %v", err)
		}
	})
}
