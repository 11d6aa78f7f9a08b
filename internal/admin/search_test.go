package admin

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// TestSearchGroupsStoriesByPublication searches items whose publication
// and first sighting differ: the results are one row per story, under its
// first report with the others listed, ordered by when each story was
// published (when it was first seen for an undated item, or one dated
// after it was seen), not by when newswatch happened to read it.
func TestSearchGroupsStoriesByPublication(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	toi, arab := fx.feed(t, "Times of Israel"), fx.feed(t, "Arab48")
	tx, err := fx.store.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	story := &store.Story{Title: "Golan talks resume in Baku", CreatedAt: now.Add(-290 * time.Minute)}
	if err := tx.NewStory(story); err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) time.Time { return now.Add(d) }
	for i, it := range []model.Item{
		// One story, three reports: the first report leads the row.
		{FeedID: arab.ID, Title: "Golan talks: a second round in Baku", Link: "https://www.arab48.com/news/golan-2", Published: at(-270 * time.Minute), SeenAt: at(-260 * time.Minute), StoryID: story.ID},
		{FeedID: toi.ID, Title: "Golan talks resume in Baku", Link: "https://www.timesofisrael.com/golan-baku/", Published: at(-300 * time.Minute), SeenAt: at(-290 * time.Minute), StoryID: story.ID},
		{FeedID: arab.ID, Title: "Golan talks end for the day", Link: "https://www.arab48.com/news/golan-3", Published: at(-180 * time.Minute), SeenAt: at(-170 * time.Minute), StoryID: story.ID},
		// Read an hour ago, published twenty days ago (a first fetch).
		{FeedID: toi.ID, Title: "Golan archive: the 1974 disengagement", Link: "https://www.timesofisrael.com/golan-1974/", Published: at(-20 * 24 * time.Hour), SeenAt: at(-time.Hour)},
		// Undated: its first sighting dates it.
		{FeedID: arab.ID, Title: "Golan weather warning", Link: "https://www.arab48.com/news/golan-weather", SeenAt: at(-210 * time.Minute)},
		// Dated two hours from now: the date is wrong, the sighting is not.
		{FeedID: toi.ID, Title: "Golan future-dated report", Link: "https://www.timesofisrael.com/golan-future/", Published: at(2 * time.Hour), SeenAt: at(-6 * time.Hour)},
	} {
		it.Identity, it.Summary = fmt.Sprintf("golan:%d", i), "Golan Heights."
		if err := tx.AddItem(&it); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	_, _, body := get(t, fx.server().Handler(), "/search?q=golan")
	if !strings.Contains(body, "<strong>4</strong> matching stories (6 items) among 11 read") {
		t.Fatalf("the count of stories and items is wrong:\n%s", body)
	}
	results := strings.Split(body, "<li>")[1:]
	if len(results) != 4 {
		t.Fatalf("%d results, want 4 stories:\n%s", len(results), body)
	}
	for i, want := range []struct{ title, date string }{
		{"Golan weather warning", `undated, seen <time datetime="2026-11-26T08:30:00Z"`},
		{"Golan talks resume in Baku", `published <time datetime="2026-11-26T07:00:00Z"`},
		{"Golan future-dated report", `· seen <time datetime="2026-11-26T06:00:00Z"`},
		{"Golan archive: the 1974 disengagement", `published <time datetime="2026-11-06T12:00:00Z"`},
	} {
		if !strings.Contains(results[i], ">"+want.title+"</a>") || !strings.Contains(results[i], want.date) {
			t.Errorf("result %d should be %q, %s:\n%s", i+1, want.title, want.date, results[i])
		}
	}
	copies := `<p class="copies">Also reported by <a href="https://www.arab48.com/news/golan-2" rel="noopener noreferrer nofollow" dir="auto">Arab48</a> <time datetime="2026-11-26T07:30:00Z" title="2026-11-26 07:30 UTC">4 h ago</time>, ` +
		`<a href="https://www.arab48.com/news/golan-3" rel="noopener noreferrer nofollow" dir="auto">Arab48</a> <time datetime="2026-11-26T09:00:00Z"`
	if !strings.Contains(results[1], copies) {
		t.Errorf("the story's row does not list its other reports, in the order published:\n%s", results[1])
	}
	for _, r := range []string{results[0], results[2], results[3]} {
		if strings.Contains(r, `class="copies"`) {
			t.Errorf("a story of one report lists others:\n%s", r)
		}
	}
	checkInert(t, body)
}
