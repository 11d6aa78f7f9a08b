package story

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// synthetic makes items of made-up words with a Zipf distribution, like
// the words of news text: a few very common, most rare.
type synthetic struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

func newSynthetic(seed uint64) *synthetic {
	rng := rand.New(rand.NewPCG(seed, seed))
	s := &synthetic{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, 49_999)}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	for range 50_000 {
		var b strings.Builder
		for range 4 + rng.IntN(6) {
			b.WriteByte(letters[rng.IntN(len(letters))])
		}
		s.vocab = append(s.vocab, b.String())
	}
	return s
}

func (s *synthetic) text(words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.vocab[s.zipf.Uint64()])
	}
	return b.String()
}

func (s *synthetic) item(id int64, seen time.Time) Item {
	return Item{
		ID: id, Story: id, Feed: int64(s.rng.IntN(200)),
		Canonical: fmt.Sprintf("https://outlet%d.example/news/%d", s.rng.IntN(200), id),
		Published: seen, Seen: seen,
		Features: Extract(s.text(10), s.text(40)),
	}
}

// BenchmarkAssign measures finding the story of a new item in a window of
// 10,000 and of 100,000 items (docs/stories.md has the figures). Besides
// wall time it reports the process's CPU time per item (cpu-ns/op), which
// other load on a shared machine disturbs less.
func BenchmarkAssign(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("window=%d", n), func(b *testing.B) {
			s := newSynthetic(1)
			heap := heapInUse()
			x := NewIndex(Options{})
			step := DefaultWindow / time.Duration(n)
			for i := range n {
				x.Add(s.item(int64(i+1), t0.Add(time.Duration(i)*step)))
			}
			perItem := float64(heapInUse()-heap) / float64(n)
			probes := make([]Item, 256)
			for i := range probes {
				probes[i] = s.item(int64(n+i+1), t0.Add(DefaultWindow))
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			defer runtime.KeepAlive(x)
			i := 0
			for b.Loop() {
				x.Assign(&probes[i%len(probes)])
				i++
			}
			reportCPU(b, cpu)
			b.ReportMetric(perItem, "index-B/item")
		})
	}
}

// heapInUse returns the bytes of live heap objects, after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkExtract measures Extract over the titles and descriptions of
// the labelled set (testdata), one item per op.
func BenchmarkExtract(b *testing.B) {
	set := loadLabelledTexts(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		x := &set[i%len(set)]
		Extract(x.title, x.summary)
		i++
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time per op since cpu (cpu-ns/op),
// which other load on a shared machine disturbs less than wall time.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu := processCPU() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// loadLabelledTexts returns the title and description of every item of
// the labelled set and its background.
func loadLabelledTexts(tb testing.TB) []extractInput {
	var out []extractInput
	for _, x := range extractInputs(tb) {
		if !strings.Contains(x.name, "/") && !strings.HasPrefix(x.name, "synthetic#") && !strings.HasPrefix(x.name, "edge#") {
			out = append(out, x)
		}
	}
	return out
}

// BenchmarkAddAssign measures what a poll does with each new item: Assign
// it and then Add it, in a window of 10,000 items. (One allocation per op
// is the benchmark's own: the item's link.)
func BenchmarkAddAssign(b *testing.B) {
	const n = 10_000
	s := newSynthetic(1)
	x := NewIndex(Options{MaxItems: n})
	step := DefaultWindow / time.Duration(n)
	for i := range n {
		x.Add(s.item(int64(i+1), t0.Add(time.Duration(i)*step)))
	}
	probes := make([]Item, 4096)
	for i := range probes {
		probes[i] = s.item(int64(n+i+1), t0.Add(DefaultWindow+time.Duration(i)*step))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		// A probe used again is another item: other link, far fingerprint.
		it := probes[i%len(probes)]
		cycle := uint64(i / len(probes))
		it.ID = int64(n + i + 1)
		it.Canonical += "#" + strconv.FormatUint(cycle, 10)
		it.SimHash ^= fmix64(cycle)
		m := x.Assign(&it)
		if m.Stage != StageNew {
			it.Story = m.Story
		}
		x.Add(it)
		i++
	}
	reportCPU(b, cpu)
}

// BenchmarkExtractAnalysed measures Extract's own work, after the text is
// analysed (analysis.StripHTML and rules.Analyze), over the labelled set.
func BenchmarkExtractAnalysed(b *testing.B) {
	type analysed struct {
		title, body         string
		titleToks, bodyToks []analysis.Token
	}
	var set []analysed
	for _, x := range loadLabelledTexts(b) {
		body := analysis.StripHTML(x.summary)
		set = append(set, analysed{x.title, body, analysis.Analyze(x.title), analysis.Analyze(body)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		x := &set[i%len(set)]
		ExtractAnalysed(x.title, x.titleToks, x.body, x.bodyToks)
		i++
	}
	reportCPU(b, cpu)
}

// BenchmarkMatchExtract measures what a poll does with a new item that is
// matched and clustered, over the labelled set: rules.Set.Match and
// Extract, each analysing the title and summary (separate), or
// rules.Set.MatchVisit handing its analysis to ExtractAnalysed (shared).
func BenchmarkMatchExtract(b *testing.B) {
	var compiled []rules.Compiled
	for i, src := range []string{
		`israel OR syria OR gaza OR iran`, `title:(attack OR strike*) AND NOT weather`,
		`إسرائيل OR غزة OR سوريا OR لبنان`, `ישראל OR עזה OR סוריה OR איראן`,
		`"prime minister" OR minister NEAR/3 said`, `summary:(police OR army) -sport`,
	} {
		q, err := rules.ParseQuery(src)
		if err != nil {
			b.Fatal(err)
		}
		compiled = append(compiled, rules.Compiled{Rule: &rules.Rule{Name: string(rune('a' + i)), Enabled: true}, Query: q})
	}
	set := rules.NewSet(compiled)
	var items []*model.Item
	feed := &model.Feed{Name: "feed"}
	for _, x := range loadLabelledTexts(b) {
		items = append(items, &model.Item{Title: x.title, Summary: x.summary, Feed: "feed"})
	}
	for _, shared := range []bool{false, true} {
		name := "separate"
		if shared {
			name = "shared"
		}
		b.Run(name, func(b *testing.B) {
			var f Features
			visit := func(title string, titleToks []analysis.Token, body string, bodyToks []analysis.Token) {
				f = ExtractAnalysed(title, titleToks, body, bodyToks)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			i := 0
			for b.Loop() {
				it := items[i%len(items)]
				if shared {
					set.MatchVisit(it, feed, visit)
				} else {
					set.Match(it, feed)
					f = Extract(it.Title, it.Summary)
				}
				i++
			}
			reportCPU(b, cpu)
			runtime.KeepAlive(f)
		})
	}
}

// BenchmarkIndexFromFeatures measures building an index of 100,000 items
// from their encoded features (what a start does once it has read them
// from the store): each decoded (FeaturesDecoder) and added. The items
// are those of the labelled set and its background, in turn, each with a
// word of its own so that the window's vocabulary grows as a real one
// does. cpu-ns/item is the process's CPU time per item.
func BenchmarkIndexFromFeatures(b *testing.B) {
	const n = 100_000
	texts := loadLabelledTexts(b)
	encs := make([][]byte, n)
	for i := range encs {
		x := texts[i%len(texts)]
		f := Extract(fmt.Sprintf("%s w%d", x.title, i), x.summary)
		encs[i] = AppendFeatures(nil, &f)
	}
	step := DefaultWindow / time.Duration(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		x := NewIndex(Options{})
		var d FeaturesDecoder
		for i, enc := range encs {
			f, err := d.Decode(enc)
			if err != nil {
				b.Fatal(err)
			}
			seen := t0.Add(time.Duration(i) * step)
			x.Add(Item{ID: int64(i + 1), Story: int64(i + 1), Feed: int64(i % 300), Seen: seen, Published: seen, Features: *f})
		}
	}
	if cpu := processCPU() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/item")
	}
}

// BenchmarkReadSnapshot measures reading back the snapshot of an index of
// 20,000 and of 100,000 items of the labelled set's texts (ReadSnapshot
// from memory: what a start pays besides reading the bytes from the
// store), in the process's CPU time per item.
func BenchmarkReadSnapshot(b *testing.B) {
	texts := loadLabelledTexts(b)
	for _, n := range []int{20_000, 100_000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			x := NewIndex(Options{})
			step := DefaultWindow / time.Duration(n)
			for i := range n {
				t := texts[i%len(texts)]
				seen := t0.Add(time.Duration(i) * step)
				// Stories of three items each.
				x.Add(Item{ID: int64(i + 1), Story: int64(i/3 + 1), Feed: int64(i % 300), Seen: seen, Published: seen,
					Canonical: fmt.Sprintf("https://outlet%d.example/news/%d", i%300, i),
					Features:  Extract(fmt.Sprintf("%s w%d", t.title, i), t.summary)})
			}
			var snap bytes.Buffer
			if err := x.WriteSnapshot(&snap); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for b.Loop() {
				y, err := ReadSnapshot(bytes.NewReader(snap.Bytes()), Options{})
				if err != nil {
					b.Fatal(err)
				}
				if y.Len() != n {
					b.Fatalf("%d items read back, want %d", y.Len(), n)
				}
			}
			if cpu := processCPU() - cpu; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/item")
			}
			b.ReportMetric(float64(snap.Len())/(1<<20), "snapshot-MB")
		})
	}
}

// BenchmarkAppendFeatures measures encoding the features of an item of
// the labelled set as a poll does for its row (AppendFeatures to nil).
func BenchmarkAppendFeatures(b *testing.B) {
	var set []Features
	for _, x := range loadLabelledTexts(b) {
		set = append(set, Extract(x.title, x.summary))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		AppendFeatures(nil, &set[i%len(set)])
		i++
	}
	reportCPU(b, cpu)
}
