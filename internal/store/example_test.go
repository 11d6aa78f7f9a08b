package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// A poll records the new items of a feed, the alerts they raise and the
// feed's state in one transaction; the dispatcher then delivers the alerts.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "newswatch-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(ctx, filepath.Join(dir, "data", "newswatch.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	err = s.SyncFeeds(ctx, []model.Feed{{Name: "Times of Israel", URL: "https://www.timesofisrael.com/feed/"}})
	if err != nil {
		log.Fatal(err)
	}
	feed, err := s.Feed(ctx, "Times of Israel")
	if err != nil {
		log.Fatal(err)
	}

	// The poll: which of the fetched items are new?
	now := time.Date(2026, 11, 26, 9, 15, 0, 0, time.UTC)
	fetched := []*model.Item{
		{Identity: "https://www.timesofisrael.com/?p=1", Title: "Israel and Syria agree on a security pact"},
		{Identity: "https://www.timesofisrael.com/?p=2", Title: "Weather"},
	}
	var ids []string
	for _, it := range fetched {
		ids = append(ids, it.Identity)
	}
	unseen, err := s.Unseen(ctx, feed.ID, ids)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new items:", len(unseen))

	tx, err := s.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback() // a no-op after Commit
	for _, it := range fetched {
		it.FeedID, it.SeenAt = feed.ID, now
		if err := tx.AddItem(it); err != nil {
			log.Fatal(err)
		}
	}
	alert := &model.Alert{
		ItemID: fetched[0].ID, Rule: "syria-israel", Notifier: "console",
		Title: fetched[0].Title, Feed: feed.Name, CreatedAt: now,
		Hits: []model.Hit{{Field: "title", Text: "Syria"}},
	}
	if err := tx.Enqueue(alert); err != nil {
		log.Fatal(err)
	}
	feed.LastFetchAt, feed.LastSuccessAt, feed.LastStatus = now, now, 200
	feed.PrimedAt = now
	if err := tx.SaveFeed(feed); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	// The dispatcher.
	due, err := s.DueAlerts(ctx, now, 10)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range due {
		fmt.Printf("deliver %q (%s, matched %s)\n", a.Title, a.Rule, a.Hits[0].Text)
		if err := s.MarkDelivered(ctx, a.ID, now, "1764148500.000100", "C024BE91L"); err != nil {
			log.Fatal(err)
		}
	}
	due, err = s.DueAlerts(ctx, now.Add(time.Hour), 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("still due:", len(due))
	// Output:
	// new items: 2
	// deliver "Israel and Syria agree on a security pact" (syria-israel, matched Syria)
	// still due: 0
}
