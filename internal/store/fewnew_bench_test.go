package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// BenchmarkPollFewNew measures the store's part of the poll of monitor's
// BenchmarkPollChanged/items-new: one transaction recording 5 new items
// of 2.1 KB (each seen under its GUID and its link) that raise two alerts
// each, the feed's state and its item memo, on a feed that already holds
// the items of 200 such polls. Without stories (as that benchmark), or
// with them (as the daemon: each item starts a story, and each alert is
// the first of its story for its rule). cpu-ms/op is the process's CPU
// time per transaction, the background checkpoints included.
func BenchmarkPollFewNew(b *testing.B) {
	for _, stories := range []bool{false, true} {
		name := "no-stories"
		if stories {
			name = "stories"
		}
		b.Run(name, func(b *testing.B) { benchmarkPollFewNew(b, stories) })
	}
}

func benchmarkPollFewNew(b *testing.B, stories bool) {
	const itemsPerPoll = 5
	ctx := context.Background()
	s := openTest(b)
	syncFeeds(b, s, "bench")
	f := feedNamed(b, s, "bench")
	content := strings.Repeat("<p>Officials of both delegations said the talks would resume after the holiday, "+
		"and that the water agreement was close to being signed.</p>", 14)
	memo := make([]byte, 1938)
	n := 0
	poll := func() {
		tx, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		ids := make([]string, itemsPerPoll)
		for i := range ids {
			ids[i] = fmt.Sprintf("report-%d", n+i)
		}
		now := time.UnixMilli(testTime.UnixMilli() + int64(n)*1000).UTC()
		for _, id := range ids {
			n++
			link := fmt.Sprintf("https://news.example/2026/11/%s.html", id)
			it := &model.Item{
				FeedID: f.ID, Identity: id, Aliases: []string{"link:" + link}, GUID: id, Link: link,
				Title:      "Delegations meet in Baku on the water accord, " + id,
				Summary:    "<p>Delegations of Jordan and Israel met in Baku for talks on water, officials said.</p>",
				Content:    content,
				Author:     "Desk",
				Categories: []string{"Region"},
				Published:  now, SeenAt: now, TextHash: fmt.Sprintf("%032x", n),
			}
			if stories {
				st := &Story{Title: it.Title, Link: link, CreatedAt: now}
				if err := tx.NewStory(st); err != nil {
					b.Fatal(err)
				}
				it.StoryID, it.Canonical = st.ID, link
			}
			if err := tx.AddItem(it); err != nil {
				b.Fatal(err)
			}
			for _, rule := range []string{"rule-07", "rule-09"} {
				if stories {
					if head, err := tx.StoryAlert(it.StoryID, rule, "console"); err != nil || head != nil {
						b.Fatalf("StoryAlert = %v, %v", head, err)
					}
				}
				a := &model.Alert{
					ItemID: it.ID, StoryID: it.StoryID, Rule: rule, Notifier: "console", Severity: "info",
					Title: it.Title, Link: it.Link, Feed: f.Name,
					Summary:   "Delegations of Jordan and Israel met in Baku for talks on water, officials said.",
					Published: now, Hits: []model.Hit{{Field: "summary", Text: "Jordan"}, {Field: "summary", Text: "water"}},
					CreatedAt: now,
				}
				if err := tx.Enqueue(a); err != nil {
					b.Fatal(err)
				}
			}
		}
		f.LastFetchAt, f.LastSuccessAt, f.LastStatus = now, now, 200
		if err := tx.SaveFeed(f); err != nil {
			b.Fatal(err)
		}
		memo[0]++
		if err := tx.SaveItemMemo(f.ID, memo); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	for range 200 { // the items of earlier polls
		poll()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		poll()
	}
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	}
}
