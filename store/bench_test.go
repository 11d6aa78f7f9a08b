package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/rules"
)

// BenchmarkPollTx measures the write transaction of one feed poll that finds
// 50 new items and raises 3 alerts: Seen and AddItem per item, Enqueue per
// alert, SaveFeed, Commit. ns/item divides the whole by the 50 items.
func BenchmarkPollTx(b *testing.B) {
	const itemsPerPoll, alertsPerPoll = 50, 3
	s := openTest(b)
	syncFeeds(b, s, "a")
	f := feedNamed(b, s, "a")
	summary := strings.Repeat("Syria and Israel resume talks on a security arrangement. ", 8)
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		tx, err := s.Begin(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for i := range itemsPerPoll {
			n++
			id := fmt.Sprintf("https://a.example/2026/11/26/story-%d", n)
			if seen, err := tx.Seen(f.ID, id); err != nil || seen {
				b.Fatalf("Seen(%s) = %v, %v", id, seen, err)
			}
			it := &Item{
				FeedID: f.ID, Identity: id, GUID: id, Link: id,
				Title: "Story " + id, Summary: summary, Content: summary,
				Categories: []string{"Middle East", "Diplomacy"},
				Published:  testTime, SeenAt: testTime,
			}
			if err := tx.AddItem(it); err != nil {
				b.Fatal(err)
			}
			if i < alertsPerPoll {
				a := &Alert{
					ItemID: it.ID, Rule: "syria-israel", Notifier: "slack",
					Title: it.Title, Link: it.Link, Feed: f.Name, Summary: summary,
					Hits: []rules.Hit{{Field: "title", Text: "Syria"}}, CreatedAt: testTime,
				}
				if err := tx.Enqueue(a); err != nil {
					b.Fatal(err)
				}
			}
		}
		f.LastFetchAt, f.LastSuccessAt = time.Now(), time.Now()
		if err := tx.SaveFeed(f); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/item")
}

// BenchmarkNothingNew compares two ways for a poll to learn that none of a
// feed's 50 items is new: Unseen on the read pool, or Seen per item in a
// write transaction.
func BenchmarkNothingNew(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	syncFeeds(b, s, "a")
	f := feedNamed(b, s, "a")
	var ids []string
	tx := begin(b, s)
	for i := range 50 {
		id := fmt.Sprintf("https://a.example/2026/11/26/story-%d", i)
		ids = append(ids, id)
		if err := tx.AddItem(&Item{FeedID: f.ID, Identity: id}); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Run("Unseen", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if unseen, err := s.Unseen(ctx, f.ID, ids); err != nil || len(unseen) != 0 {
				b.Fatal(unseen, err)
			}
		}
	})
	b.Run("TxSeen", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tx, err := s.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, id := range ids {
				if seen, err := tx.Seen(f.ID, id); err != nil || !seen {
					b.Fatal(seen, err)
				}
			}
			if err := tx.Rollback(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
