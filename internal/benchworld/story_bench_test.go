package benchworld

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	// Under another name: the harness has a type called story.
	cluster "github.com/newswatch/newswatch/internal/story"
)

// storyItems returns n items of the harness's world as the story index
// knows them: the title and summary of items of feeds spread over
// n/10 feeds of the default mix, seen over the window before end (a feed
// of the harness keeps about ten items in the window of a later round).
func storyItems(n int, id0 int64, end time.Time) []cluster.Item {
	m := Mix{Seed: 1, Feeds: max(n/10, 1), Hosts: 1, Arabic: 0.35, Skew: 0.8}
	specs := feedSpecs(m)
	c := newCorpus(m.Skew)
	step := cluster.DefaultWindow / time.Duration(n+1)
	items := make([]cluster.Item, n)
	var title, summary []byte
	for i := range items {
		f := specs[i%len(specs)]
		seq := 1000 + int(id0) + i/len(specs)
		r := rand.New(rand.NewPCG(m.Seed^0x5bd1e995, uint64(f.Index)<<32|uint64(seq)))
		w := c.story(r)
		title = c.appendTitle(title[:0], r, f.Lang, w)
		summary = c.appendSummary(summary[:0], r, f.Lang, w, summaryBudget(f.Size/f.Items))
		seen := end.Add(-cluster.DefaultWindow + time.Duration(i+1)*step)
		items[i] = cluster.Item{
			ID: id0 + int64(i), Story: id0 + int64(i), Feed: int64(f.Index),
			Canonical: itemLink(f.Index, seq), Published: seen, Seen: seen,
			Features: cluster.Extract(string(title), string(summary)),
		}
	}
	return items
}

// BenchmarkStoryAssign measures the story index finding the story of a new
// item of the harness's world in a window of 10,000 items (a later round at
// 1,000 feeds) and of 100,000 (at 10,000 feeds, the index's MaxItems):
// what grows with the window in a later round. It reports the process's
// CPU time per item (cpu-ns/op) besides the wall time.
func BenchmarkStoryAssign(b *testing.B) {
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("window=%d", n), func(b *testing.B) {
			x := cluster.NewIndex(cluster.Options{})
			for _, it := range storyItems(n, 1, end) {
				if m := x.Assign(&it); m.Stage != cluster.StageNew {
					it.Story = m.Story
				}
				x.Add(it)
			}
			probes := storyItems(512, int64(n)+1, end.Add(time.Minute))
			for i := range probes {
				probes[i].Seen = end
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := selfUsage().CPU
			i := 0
			for b.Loop() {
				x.Assign(&probes[i%len(probes)])
				i++
			}
			if d := selfUsage().CPU - cpu; d > 0 {
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
