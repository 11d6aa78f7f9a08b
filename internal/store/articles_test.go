package store

import (
	"context"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// An item whose page is to be fetched is pending until it is completed,
// once; its page's record names the item that holds the text until that
// item is pruned.
func TestArticleLifecycle(t *testing.T) {
	eachStore(t, testArticleLifecycle)
}

func testArticleLifecycle(t *testing.T, s *Store) {
	ctx := context.Background()
	syncFeeds(t, s, "a", "b")
	a, b := feedNamed(t, s, "a"), feedNamed(t, s, "b")
	const link = "https://news.example/2026/11/26/talks"
	first := &model.Item{FeedID: a.ID, Identity: "1", Canonical: link, Title: "Talks", SeenAt: testTime, ArticleState: model.ArticlePending}
	plain := &model.Item{FeedID: a.ID, Identity: "2", Title: "No page", SeenAt: testTime}
	second := &model.Item{FeedID: b.ID, Identity: "x", Canonical: link, Title: "Talks too", SeenAt: testTime.Add(time.Minute), ArticleState: model.ArticlePending}
	tx := begin(t, s)
	for _, it := range []*model.Item{first, plain, second} {
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Enqueue(&model.Alert{ItemID: first.ID, Rule: "talks", Notifier: "console"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	pending, err := s.PendingArticles(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].ID != first.ID || pending[1].ID != second.ID || pending[0].Feed != "a" {
		t.Fatalf("pending = %v, want the two pending items, oldest first", pending)
	}
	if later, _ := s.PendingArticles(ctx, first.ID, 10); len(later) != 1 || later[0].ID != second.ID {
		t.Errorf("pending after %d = %v", first.ID, later)
	}
	if got, err := s.ArticleFetchOf(ctx, link); err != nil || got != nil {
		t.Fatalf("ArticleFetchOf before any fetch = %v, %v", got, err)
	}

	const text = "Senior officials met in Paris.\nNormalization was on the agenda."
	tx = begin(t, s)
	rules, err := tx.ItemRules(first.ID)
	if err != nil || !rules["talks"] || len(rules) != 1 {
		t.Errorf("ItemRules = %v, %v", rules, err)
	}
	if ok, err := tx.CompleteArticle(first.ID, model.ArticleFetched, text); err != nil || !ok {
		t.Fatalf("CompleteArticle = %v, %v", ok, err)
	}
	if ok, err := tx.CompleteArticle(first.ID, model.ArticleFailed, ""); err != nil || ok {
		t.Errorf("a second CompleteArticle = %v, %v; want false", ok, err)
	}
	if ok, err := tx.CompleteArticle(plain.ID, model.ArticleFetched, text); err != nil || ok {
		t.Errorf("CompleteArticle of an item not pending = %v, %v; want false", ok, err)
	}
	if _, err := tx.CompleteArticle(second.ID, model.ArticlePending, ""); err == nil {
		t.Error("CompleteArticle took pending as an outcome")
	}
	if err := tx.RecordArticleFetch(ArticleFetch{Canonical: link, ItemID: first.ID, State: model.ArticleFetched, FetchedAt: testTime}); err != nil {
		t.Fatal(err)
	}
	// Another record of the link (another process's fetch) does not replace it.
	if err := tx.RecordArticleFetch(ArticleFetch{Canonical: link, ItemID: second.ID, State: model.ArticleFailed, Reason: "timeout", FetchedAt: testTime}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	got, err := s.ArticleFetchOf(ctx, link)
	if err != nil || got == nil {
		t.Fatalf("ArticleFetchOf = %v, %v", got, err)
	}
	if got.ItemID != first.ID || got.State != model.ArticleFetched || got.Text != text || !got.FetchedAt.Equal(testTime.Truncate(time.Millisecond)) {
		t.Errorf("ArticleFetchOf = %+v", got)
	}
	items, err := s.Items(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		switch it.ID {
		case first.ID:
			if it.Article != text || it.ArticleState != model.ArticleFetched {
				t.Errorf("first item read back with %q, %q", it.ArticleState, it.Article)
			}
		case plain.ID:
			if it.Article != "" || it.ArticleState != model.ArticleNone {
				t.Errorf("plain item read back with %q, %q", it.ArticleState, it.Article)
			}
		}
	}
	if err := s.WindowItems(ctx, time.Time{}, 0, func(it *model.Item) error {
		if it.Article != "" {
			t.Errorf("WindowItems read item %d's article", it.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	act, err := s.FeedActivity(ctx, testTime.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := act[a.ID]; got.ItemsSince != 2 || got.ArticlesSince != 1 || got.ArticleFailuresSince != 0 {
		t.Errorf("activity of a = %+v", got)
	}

	// The item holding the text is pruned: the link is to be fetched again.
	res, err := s.Prune(ctx, testTime.Add(30*time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ArticleFetchOf(ctx, link); err != nil || got != nil {
		t.Errorf("ArticleFetchOf after its item was pruned = %+v, %v", got, err)
	}
	if res.ArticleFetches != 1 {
		t.Errorf("pruned %d article fetches, want 1", res.ArticleFetches)
	}
	if n := countRows(t, s, "article_fetches"); n != 0 {
		t.Errorf("%d article fetches left", n)
	}
}
