package dryrun

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// storedItem is an item of the test store: its feed, title, when it was
// seen, and the story it joins (0: none, as items stored before stories
// were kept; otherwise an index into the stories the test makes).
type storedItem struct {
	feed  string
	title string
	ago   time.Duration
	story int
}

// newStore returns a store holding two feeds, "Wire" and "Old" (configured
// no longer), and items.
func newStore(t *testing.T, items []storedItem) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: "Wire", URL: "https://wire.example/rss"}, {Name: "Old", URL: "https://old.example/rss"}}); err != nil {
		t.Fatal(err)
	}
	stories := map[int]int64{}
	for i, it := range items {
		f, err := st.Feed(ctx, it.feed)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		si := &model.Item{FeedID: f.ID, Identity: fmt.Sprintf("guid:%d", i), Title: it.title,
			Link: fmt.Sprintf("https://%s.example/%d", strings.ToLower(it.feed), i), SeenAt: now.Add(-it.ago)}
		if it.story != 0 {
			if stories[it.story] == 0 {
				s := &store.Story{Title: it.title, CreatedAt: si.SeenAt}
				if err := tx.NewStory(s); err != nil {
					t.Fatal(err)
				}
				stories[it.story] = s.ID
			}
			si.StoryID = stories[it.story]
		}
		if err := tx.AddItem(si); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func ruleSet(t *testing.T, rs ...*rules.Rule) *rules.Set {
	t.Helper()
	var compiled []rules.Compiled
	for _, r := range rs {
		q, err := rules.ParseQuery(r.Query)
		if err != nil {
			t.Fatal(err)
		}
		r.Enabled = true
		compiled = append(compiled, rules.Compiled{Rule: r, Query: q})
	}
	return rules.NewSet(compiled)
}

// feeds configures "Wire" only, tagged "mideast".
var feeds = []model.Feed{{Name: "Wire", URL: "https://wire.example/rss", Tags: []string{"mideast"}, Enabled: true}}

func TestMatchStored(t *testing.T) {
	st := newStore(t, []storedItem{
		{"Wire", "Syria and Israel talk", 3 * time.Hour, 1},
		{"Old", "Syria and Israel talk, again", 2 * time.Hour, 1},
		{"Wire", "Weather", time.Hour, 0},
		{"Wire", "Syria, last week", 8 * 24 * time.Hour, 0},
	})
	// The tag selector matches items of the configured feed only: the
	// item of "Old" is matched with its feed's name and nothing more.
	set := ruleSet(t, &rules.Rule{Name: "tagged", Query: "syria", Feeds: []string{"tag:mideast"}},
		&rules.Rule{Name: "any", Query: "israel"})
	var got []string
	err := MatchStored(context.Background(), st, set, feeds, now.Add(-7*24*time.Hour), func(it *model.Item, ms []rules.Match) error {
		line := it.Feed + ": " + it.Title + " ->"
		for _, m := range ms {
			line += " " + m.Rule.Name
		}
		got = append(got, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ // newest first, nothing older than the week
		"Wire: Weather ->",
		"Old: Syria and Israel talk, again -> any",
		"Wire: Syria and Israel talk -> any tagged",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MatchStored called fn with\n%q\nwant\n%q", got, want)
	}

	stop := errors.New("stop")
	calls := 0
	err = MatchStored(context.Background(), st, set, feeds, time.Time{}, func(*model.Item, []rules.Match) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn's error: %v after %d calls, want it after 1", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := MatchStored(ctx, st, set, feeds, time.Time{}, func(*model.Item, []rules.Match) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v", err)
	}
}

func TestBacktest(t *testing.T) {
	st := newStore(t, []storedItem{
		{"Wire", "Syria and Israel talk", 5 * time.Hour, 1},
		{"Old", "Syria and Israel talk, again", 2 * time.Hour, 1},
		{"Wire", "Israel votes", 4 * time.Hour, 0},
		{"Wire", "Weather", time.Hour, 0},
	})
	set := ruleSet(t, &rules.Rule{Name: "syria", Query: "syria"}, &rules.Rule{Name: "israel", Query: "israel"})
	rep, err := Backtest(context.Background(), st, set, feeds, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	type group struct {
		rule, story string
		titles      []string
	}
	var got []group
	for _, g := range rep.Groups {
		gr := group{rule: g.Rule, story: g.Story}
		for _, it := range g.Items {
			gr.titles = append(gr.titles, it.Title)
		}
		got = append(got, gr)
	}
	// The newest story first (by its first item), rules by name within
	// one; an item without a story is a story of its own.
	want := []group{
		{"israel", "item-3", []string{"Israel votes"}},
		{"israel", "1", []string{"Syria and Israel talk", "Syria and Israel talk, again"}},
		{"syria", "1", []string{"Syria and Israel talk", "Syria and Israel talk, again"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups\n%+v\nwant\n%+v", got, want)
	}
	if rep.Matches != 5 || rep.Items != 4 || rep.Stories() != 2 {
		t.Errorf("%d matches in %d stories among %d items, want 5 in 2 among 4", rep.Matches, rep.Stories(), rep.Items)
	}
}

// An item's stored article is matched as the poll matched it: backtest and
// the status page's search find what only the page said.
func TestMatchStoredArticle(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, nil)
	f, err := st.Feed(ctx, "Wire")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range []*model.Item{
		{Identity: "guid:with", Title: "Officials meet in Paris",
			Article: "Officials met in Paris.\nThe agenda included first steps toward normalization.", ArticleState: model.ArticleFetched},
		{Identity: "guid:without", Title: "Officials meet in Paris again", ArticleState: model.ArticleFailed},
	} {
		it.FeedID, it.SeenAt = f.ID, now.Add(-time.Duration(i+1)*time.Hour)
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"normaliz*", "article:normaliz*"} {
		t.Run(query, func(t *testing.T) {
			set := ruleSet(t, &rules.Rule{Name: "r", Query: query})
			var matched []string
			var hits []model.Hit
			err := MatchStored(ctx, st, set, feeds, time.Time{}, func(it *model.Item, ms []rules.Match) error {
				if len(ms) > 0 {
					matched = append(matched, it.Title)
					hits = ms[0].Hits
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(matched) != 1 || matched[0] != "Officials meet in Paris" {
				t.Fatalf("matched %q, want the item whose article says it", matched)
			}
			if len(hits) != 1 || hits[0].Field != "article" || hits[0].Quote != "The agenda included first steps toward normalization." {
				t.Errorf("hits %+v, want one in the article quoting its sentence", hits)
			}
		})
	}
}
