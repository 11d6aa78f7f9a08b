package rules

import (
	"fmt"
	"testing"

	"github.com/newswatch/newswatch/internal/analysis"
)

// benchItems returns real-looking news items: generated English, Arabic and
// Hebrew items of 50 to 150 words, and the real Arabic items of the arab48
// fixture.
func benchItems(b *testing.B) []feedItem {
	g := newGenerator(7, 1.1, 3000)
	var items []feedItem
	for range 200 {
		items = append(items, g.item())
	}
	return append(items, loadFeedItems(b, "arab48-arabic-2026-10-03.xml")...)
}

// BenchmarkMatch measures Set.Match per item for 10, 1,000 and 10,000
// generated rules. Run it on one core: go test -run XXX -bench Match -cpu 1.
// Besides wall time it reports the process's CPU time per item (cpu-ns/op),
// which includes the garbage collector's work and which other load on the
// machine disturbs less.
func BenchmarkMatch(b *testing.B) {
	items := benchItems(b)
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			set := NewSet(generatedRules(b, newGenerator(uint64(n), 1.1, 3000), n))
			matches := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; b.Loop(); i++ {
				it := items[i%len(items)]
				matches += len(set.Match(it.Item, it.feed))
			}
			if cpu := processCPU() - cpu; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(matches)/float64(b.N), "matches/item")
		})
	}
}

// BenchmarkAnalyze measures analysis of an item's title and summary, as
// matching analyses them (package analysis does it; the benchmark is here
// for rules' generated items).
func BenchmarkAnalyze(b *testing.B) {
	items := benchItems(b)
	var a analysis.Analyzer
	var toks []analysis.Token
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		it := items[i%len(items)]
		toks = a.Append(toks[:0], it.Title)
		toks = a.Append(toks, analysis.StripHTML(it.Summary))
	}
}
