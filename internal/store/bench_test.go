package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
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
			it := &model.Item{
				FeedID: f.ID, Identity: id, GUID: id, Link: id,
				Title: "Story " + id, Summary: summary, Content: summary,
				Categories: []string{"Middle East", "Diplomacy"},
				Published:  testTime, SeenAt: testTime,
			}
			if err := tx.AddItem(it); err != nil {
				b.Fatal(err)
			}
			if i < alertsPerPoll {
				a := &model.Alert{
					ItemID: it.ID, Rule: "syria-israel", Notifier: "slack",
					Title: it.Title, Link: it.Link, Feed: f.Name, Summary: summary,
					Hits: []model.Hit{{Field: "title", Text: "Syria"}}, CreatedAt: testTime,
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
		if err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: id}); err != nil {
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

// firstPollWords is the vocabulary of benchmarkText.
var firstPollWords = strings.Fields(`the a of in on and to said talks minister
	ceasefire border Syria Israel Lebanon Gaza Hamas Jordan Egypt Yemen Iran
	Qatar Doha Cairo Beirut Damascus Riyadh envoy delegation agreement aid
	security council resolution draft normalization gas exports currency
	markets officials spokesman parliament week Sunday Monday announced
	reported according people affected situation deteriorate negotiations
	mediators prisoners exchange humanitarian corridor crossing reopened
	sanctions embassy statement government president army chief accord`)

// benchmarkText returns about n bytes of words drawn from firstPollWords by
// a small linear congruential generator seeded with seed: text that
// compresses about as well as prose does, not like one repeated sentence.
func benchmarkText(seed uint64, n int) string {
	var sb strings.Builder
	x := seed*6364136223846793005 + 1442695040888963407
	for sb.Len() < n {
		x = x*6364136223846793005 + 1442695040888963407
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(firstPollWords[(x>>33)%uint64(len(firstPollWords))])
	}
	return sb.String()
}

// benchmarkHTML returns about n bytes of paragraphs of benchmarkText.
func benchmarkHTML(seed uint64, n int) string {
	var sb strings.Builder
	for i := uint64(0); sb.Len() < n; i++ {
		sb.WriteString("<p>")
		sb.WriteString(benchmarkText(seed*31+i, 300))
		sb.WriteString(".</p>\n")
	}
	return sb.String()
}

// BenchmarkFirstPoll measures the write transaction of a poll in the
// harness's first round (BENCHMARKS.md), where every item is new: 65 items,
// each seen under its GUID and its link,
// each starting a story, one in six with a 6 KB HTML content besides its
// 600-byte summary, one alert per 13 items, polls spread over 100 feeds of
// a database that grows as the benchmark runs. The poll's context can be
// cancelled, as the daemon's is. ns/item divides the whole by the items.
func BenchmarkFirstPoll(b *testing.B) {
	const (
		feeds        = 100
		itemsPerPoll = 65
		alertEvery   = 13
		contentEvery = 6
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openTest(b)
	names := make([]string, feeds)
	for i := range names {
		names[i] = fmt.Sprintf("outlet%d", i)
	}
	syncFeeds(b, s, names...)
	fs := make([]*FeedState, feeds)
	for i, name := range names {
		fs[i] = feedNamed(b, s, name)
	}
	// Texts are made before the clock runs, and reused across polls.
	const variants = 64
	var summaries, contents [variants]string
	for i := range variants {
		summaries[i] = benchmarkText(uint64(i), 600)
		contents[i] = benchmarkHTML(uint64(i), 6000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	var n int
	for poll := 0; b.Loop(); poll++ {
		f := fs[poll%feeds]
		tx, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		identities := make([]string, itemsPerPoll)
		for i := range identities {
			identities[i] = fmt.Sprintf("guid:%s-%d", f.Name, n+1+i)
		}
		for range itemsPerPoll {
			n++
			guid := fmt.Sprintf("%s-%d", f.Name, n)
			link := fmt.Sprintf("https://%s.example/news/%d", f.Name, n)
			identity := "guid:" + guid
			title := "Envoy says talks on the border resume in Doha, story " + guid
			st := &Story{Title: title, Link: link, CreatedAt: testTime}
			if err := tx.NewStory(st); err != nil {
				b.Fatal(err)
			}
			it := &model.Item{
				FeedID: f.ID, Identity: identity, Aliases: []string{"link:" + link},
				GUID: guid, Link: link, Canonical: link, Title: title,
				Summary: summaries[n%variants], Categories: []string{"World"}, Lang: "en",
				Published: testTime.Add(-time.Duration(n) * time.Minute), SeenAt: testTime,
				StoryID: st.ID, SimHash: uint64(n) * 0x9e3779b97f4a7c15, HasSimHash: true,
				TextHash: fmt.Sprintf("%032x", n),
			}
			if n%contentEvery == 0 {
				it.Content = contents[n%variants]
			}
			if err := tx.AddItem(it); err != nil {
				b.Fatal(err)
			}
			if n%alertEvery == 0 {
				a := &model.Alert{
					ItemID: it.ID, StoryID: st.ID, Rule: "syria-israel", Notifier: "slack",
					Title: it.Title, Link: it.Link, Feed: f.Name, Summary: it.Summary,
					Hits: []model.Hit{{Field: "title", Text: "Syria"}}, CreatedAt: testTime,
				}
				if err := tx.Enqueue(a); err != nil {
					b.Fatal(err)
				}
			}
		}
		f.LastFetchAt, f.LastSuccessAt = testTime, testTime
		if err := tx.SaveFeed(f); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/item")
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(n), "cpu-ns/item")
	}
}

// processCPU returns the CPU time (user and system) the process has used,
// from /proc/self/stat, and false where there is no such file. On a shared
// machine it varies less than the time a benchmark takes. Its resolution is
// Linux's USER_HZ, 100 ticks a second.
func processCPU() (time.Duration, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th of them.
	_, rest, ok := bytes.Cut(stat, []byte(") "))
	fields := strings.Fields(string(rest))
	if !ok || len(fields) < 13 {
		return 0, false
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100), true
}
