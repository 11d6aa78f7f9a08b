package benchworld

import (
	"testing"
	"time"

	cluster "github.com/newswatch/newswatch/internal/story"
	"github.com/newswatch/newswatch/monitor"
)

// firstRound returns the items of the first documents of the harness's
// `-feeds 300` world (as cmd/newswatch-bench makes it, seed 1), feed by
// feed, as the story index sees them after a first poll of every feed
// recorded them at now: IDs in that order, features extracted.
func firstRound(tb testing.TB, now time.Time) []cluster.Item {
	tb.Helper()
	m := Mix{Seed: 1, Feeds: 300, Hosts: 200, Validators: 1, Changing: 0.2, NewMin: 1, NewMax: 3,
		Arabic: 0.35, Skew: 0.8}
	c := newCorpus(m.Skew)
	var items []cluster.Item
	for _, f := range feedSpecs(m) {
		// As feedState.published dates the first document's items.
		published := func(seq int) time.Time {
			return now.Add(-time.Duration(f.Items-seq) * 48 * time.Hour / time.Duration(f.Items))
		}
		doc, err := monitor.ParseFeed(appendDocument(nil, c, m.Seed, f, f.Items, published), monitor.ParseOptions{Feed: f.Name})
		if err != nil {
			tb.Fatalf("%s: %v", f.Name, err)
		}
		for _, e := range monitor.Entries(doc, "http://127.0.0.1/feed") {
			items = append(items, cluster.Item{
				ID: int64(len(items) + 1), Feed: int64(f.Index + 1), Canonical: e.Canonical,
				Published: e.Published, Seen: now, Features: cluster.Extract(e.Title, e.Summary),
			})
		}
	}
	return items
}

// BenchmarkFirstRoundStories measures the story index's part of the
// harness's first round of 300 feeds (`newswatch once`'s poll 1): each of
// the 19,000 items assigned to its story (Index.Assign) and added, in one
// index, as the polls' transactions do, their features extracted
// beforehand. cpu-ms/op is the process's CPU time per round; the stages
// are how many items joined a story by each.
func BenchmarkFirstRoundStories(b *testing.B) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	items := firstRound(b, now)
	var stages [cluster.StageFacts + 1]int
	b.ReportAllocs()
	b.ResetTimer()
	before := selfUsage().CPU
	for b.Loop() {
		stages = [cluster.StageFacts + 1]int{}
		x := cluster.NewIndex(cluster.Options{})
		stories := int64(0)
		for i := range items {
			it := items[i]
			m := x.Assign(&it)
			if m.Stage == cluster.StageNew {
				stories++
				m.Story = stories
			}
			stages[m.Stage]++
			it.Story = m.Story
			x.Add(it)
		}
	}
	cpu := selfUsage().CPU - before
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(len(items)), "items")
	for s, n := range stages {
		b.ReportMetric(float64(n), cluster.Stage(s).String())
	}
}
