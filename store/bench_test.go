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
