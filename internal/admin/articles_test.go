package admin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// TestStatusPageShowsArticles shows, for a feed that fetches its items'
// pages, how many of the last day's were fetched and how many failed; a
// feed that fetches none shows no such line.
func TestStatusPageShowsArticles(t *testing.T) {
	fx := newFixture(t)
	fx.feeds[0].Article = model.ArticleCandidates // Times of Israel
	toi := fx.feed(t, "Times of Israel")
	tx, err := fx.store.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, state := range []model.ArticleState{model.ArticleFetched, model.ArticleFetched, model.ArticleFailed, model.ArticlePending} {
		it := &model.Item{FeedID: toi.ID, Identity: "article:" + string(rune('a'+i)), Title: "Teaser",
			SeenAt: now.Add(-time.Duration(i+1) * time.Minute), ArticleState: state}
		if state == model.ArticleFetched {
			it.Article = "Officials met in Paris."
		}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	_, _, body := get(t, fx.server().Handler(), "/")
	if want := `<small>articles 2, <span class="bad">1 failed</span></small>`; !strings.Contains(body, want) {
		t.Errorf("status page lacks %s", want)
	}
	if n := strings.Count(body, "<small>articles "); n != 1 {
		t.Errorf("%d feeds show articles, want the one that fetches them", n)
	}
	checkInert(t, body)
}
