package monitor

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	cluster "github.com/newswatch/newswatch/internal/story"
	"github.com/newswatch/newswatch/rules"
)

// benchRules is ten rules of the shape users write, two of which match the
// benchmark's items.
func benchRules(b *testing.B) *rules.Set {
	queries := []string{
		`(syria OR syrian OR damascus) AND (israel OR israeli) AND (normaliz* OR "peace talks")`,
		`"abraham accords" OR (abraham NEAR/3 accords)`,
		`(lebanon OR hezbollah) AND ceasefire`,
		`iran AND (nuclear OR enrichment) -sanctions`,
		`title:(gaza AND aid)`,
		`(سوريا OR السورية) AND (إسرائيل OR الإسرائيلية)`,
		`(סוריה OR הסורי) AND (ישראל OR הישראלי)`,
		`delegations NEAR/5 met`,
		`egypt AND (canal OR suez)`,
		`jordan AND water`,
	}
	var rs []*rules.Rule
	for i, q := range queries {
		rs = append(rs, &rules.Rule{Name: fmt.Sprintf("rule-%02d", i), Query: q})
	}
	return ruleSet(b, rs...)
}

// BenchmarkPoll measures one poll of a 50-item feed from a loopback server:
// fetch, parse, identity, the store transaction and matching. "new" serves
// 50 unseen items every time, "one-new" one unseen item and 49 seen ones,
// "unchanged" the same document of 50 seen items (a 200 without
// validators, not parsed again), "not-modified" a 304.
func BenchmarkPoll(b *testing.B) {
	const items = 50
	var body strings.Builder
	body.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench</title>`)
	for i := range items {
		fmt.Fprintf(&body, `<item><guid isPermaLink="false">ROUND-%d</guid><title>Syria and Israel peace talks resume, report %d</title>`+
			`<link>https://news.example/ROUND/%d</link><description>&lt;p&gt;Delegations of Syria and Israel met in Baku for normalization `+
			`talks, officials said on %d.&lt;/p&gt; %s</description><pubDate>%s</pubDate></item>`,
			i, i, i, i, strings.Repeat("More background on the regional context of the talks. ", 8),
			t0.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	body.WriteString(`</channel></rss>`)
	template := body.String()

	for _, mode := range []string{"new", "one-new", "unchanged", "not-modified"} {
		b.Run(mode, func(b *testing.B) {
			var round atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if mode == "not-modified" && r.Header.Get("If-None-Match") != "" {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				if mode != "not-modified" {
					w.Header().Set("ETag", "") // unconditional every time
				} else {
					w.Header().Set("ETag", `"v1"`)
				}
				doc := strings.ReplaceAll(template, "ROUND", fmt.Sprint(round.Load()))
				if mode == "one-new" {
					// The first item (the newest) is new; the others stay.
					doc = strings.Replace(strings.ReplaceAll(template, "ROUND", "0"), "-0<", fmt.Sprintf("-0-%d<", round.Load()), 1)
				}
				fmt.Fprint(w, doc)
			}))
			defer srv.Close()
			env, feed := primedBenchFeed(b, srv.URL, nil)
			ctx := context.Background()

			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if mode == "new" || mode == "one-new" {
					round.Add(1)
				}
				res, err := env.poller.Poll(ctx, feed)
				if err != nil {
					b.Fatal(err)
				}
				switch {
				case mode == "new" && res.New != items,
					mode == "one-new" && (res.New != 1 || res.Items != items),
					mode == "unchanged" && !res.Unchanged:
					b.Fatalf("%s poll = %+v", mode, res)
				}
			}
			if mode == "new" {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*items)/1e3, "µs/item")
			}
		})
	}
}

// BenchmarkTextHash measures the text hash of a title and an HTML summary,
// in one pass and as its definition spells it.
func BenchmarkTextHash(b *testing.B) {
	title := "Syria and Israel Peace Talks  Resume in Baku, Officials Say"
	summary := "<p>Delegations of <b>Syria</b> and Israel met in Baku for normalization talks.</p> " +
		strings.Repeat("More background on the regional context of the talks. ", 8)
	arTitle := "سوريا وإسرائيل تستأنفان المحادثات في باكو"
	arSummary := strings.Repeat("التقى وفدا سوريا وإسرائيل في باكو لإجراء محادثات التطبيع، بحسب مسؤولين. ", 4)
	for _, c := range []struct{ name, title, summary string }{{"en", title, summary}, {"ar", arTitle, arSummary}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				textHash(c.title, c.summary)
			}
		})
		b.Run(c.name+"-definition", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = hashHex(normaliseTitle(c.title) + "\n" + normaliseTitle(analysis.StripHTML(c.summary)))[:32]
			}
		})
	}
}

// BenchmarkParseFeed measures ParseFeed, gofeed's parse with the charset
// check before it, on the real feeds of testdata. µs/item divides the time
// by the document's items; cpu-ms/op is the process's CPU time per parse.
func BenchmarkParseFeed(b *testing.B) {
	for _, name := range []string{
		"guardian-us-2018.rss",             // RSS 2.0 with HTML articles, English
		"heise-developer-2016.atom",        // Atom with HTML content, German
		"arab48-arabic-2026-10-03.xml",     // RSS 2.0, Arabic
		"kan11-hebrew-2026-10-03.xml",      // RSS 2.0, Hebrew
		"medium-content-encoded-cdata.rss", // RSS 2.0 with HTML articles in CDATA sections
	} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		doc, err := ParseFeed(body, ParseOptions{Feed: name})
		if err != nil {
			b.Fatal(err)
		}
		items := len(doc.Items)
		if items == 0 {
			b.Fatalf("%s: no items", name)
		}
		b.Run(strings.TrimSuffix(name, filepath.Ext(name)), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := ParseFeed(body, ParseOptions{Feed: name}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*items)/1e3, "µs/item")
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// changingDocs returns the gzip-compressed RSS documents of rounds 0 to
// n of a feed of 60 items of about 2.5 KB each (150 KB, as the harness's
// average document), compressed at level 1 as nginx does by default; each
// round's document brings 5 new items and drops the 5 oldest.
func changingDocs(n int) [][]byte {
	const items, fresh = 60, 5
	article := strings.Repeat("<p>Officials of both delegations said the talks would resume after the holiday, "+
		"and that the water agreement was close to being signed.</p>", 14)
	item := func(n int) string {
		return fmt.Sprintf(`<item><title>Delegations meet in Baku on the water accord, report %d</title>`+
			`<link>https://news.example/2026/11/report-%d.html</link><guid isPermaLink="false">report-%d</guid>`+
			`<description>&lt;p&gt;Delegations of Jordan and Israel met in Baku for talks on water, officials said (%d).&lt;/p&gt;</description>`+
			`<content:encoded><![CDATA[%s]]></content:encoded><dc:creator>Desk %d</dc:creator><category>Region</category>`+
			"<pubDate>%s</pubDate></item>\n",
			n, n, n, n, article, n%7, t0.Add(time.Duration(n)*time.Minute).Format(time.RFC1123Z))
	}
	var (
		cache = map[int]string{}
		docs  [][]byte
		b, z  bytes.Buffer
	)
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	for round := range n + 1 {
		b.Reset()
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
			"<channel><title>Bench desk</title><link>https://news.example/</link><description>News of the region</description>\n")
		fmt.Fprintf(&b, "<lastBuildDate>%s</lastBuildDate>\n", t0.Add(time.Duration(round)*time.Minute).Format(time.RFC1123Z))
		for i := range items {
			k := round*fresh + items - 1 - i // newest first
			if _, ok := cache[k]; !ok {
				cache[k] = item(k)
			}
			b.WriteString(cache[k])
		}
		b.WriteString("</channel></rss>\n")
		z.Reset()
		zw.Reset(&z)
		zw.Write(b.Bytes())
		zw.Close()
		docs = append(docs, bytes.Clone(z.Bytes()))
	}
	return docs
}

// BenchmarkPollChanged measures a poll of a changed 60-item document of
// 150 KB that brings 5 new items (the harness's "200 with 5 new items"),
// parsing only the new items (items-new) or, as before the item memo, the
// whole document (whole). The server sends no validators. cpu-ms/op is
// the process's CPU time per poll, the test server's share (writing the
// compressed document) included.
func BenchmarkPollChanged(b *testing.B) {
	for _, mode := range []string{"items-new", "whole"} {
		b.Run(mode, func(b *testing.B) {
			docs := changingDocs(b.N)
			var round atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(docs[round.Load()])
			}))
			defer srv.Close()
			env, feed := primedBenchFeed(b, srv.URL, func(e *testEnv) { e.poller.wholeDocuments = mode == "whole" })
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				round.Add(1)
				res, err := env.poller.Poll(ctx, feed)
				if err != nil {
					b.Fatal(err)
				}
				if res.New != 5 || res.Items != 60 {
					b.Fatalf("poll = %+v, want 5 new of 60 items", res)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkStoryIndexBuild measures what a start costs the first poll: the
// story index built from the window's items in the store (from=items: read
// with the features recorded with them, added) or read from the snapshot a
// process that stopped wrote (from=snapshot), for windows of 18,333 items
// (the 300 feeds) and 100,000 (the index's default maximum,
// reached at about 1,500 busy feeds). The items' texts are those of the
// real feeds of testdata, numbered so that no two are the same. Filling
// the store takes a while (about two minutes for 100,000 items) before the
// clock starts. cpu-ms/op and cpu-µs/item are the process's CPU time per
// start and per item of the window; heap-MB the heap in use after a start
// (the index and what the process held before), the highest of the runs.
func BenchmarkStoryIndexBuild(b *testing.B) {
	var texts []model.Item
	for _, name := range []string{"guardian-us-2018.rss", "arab48-arabic-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml",
		"heise-developer-2016.atom", "glz-army-radio-hebrew-2026-10-03.xml", "medium-content-encoded-cdata.rss"} {
		doc, err := ParseFeed(readFixture(b, name), ParseOptions{Feed: name})
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, Entries(doc, "https://example.org/")...)
	}
	for _, n := range []int{18333, 100000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			env := newTestEnv(b, nil)
			env.addFeeds(model.Feed{Name: "f", URL: "https://example.org/feed"})
			feed := env.feedState("f")
			now := t0
			ctx := context.Background()
			for i := 0; i < n; {
				tx, err := env.store.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for end := min(n, i+1000); i < end; i++ {
					e := texts[i%len(texts)]
					s := &store.Story{Title: e.Title, CreatedAt: now}
					if err := tx.NewStory(s); err != nil {
						b.Fatal(err)
					}
					it := storeItem(e, feed.ID, now.Add(-time.Duration(i%(47*60))*time.Minute))
					it.Identity, it.Title, it.StoryID = fmt.Sprint("id-", i), fmt.Sprintf("%s (%d)", e.Title, i), s.ID
					// Recorded with the features a poll records (prepare).
					f := cluster.Extract(it.Title, it.Summary)
					it.Features, it.FeaturesVersion = cluster.AppendFeatures(nil, &f), cluster.FeaturesVersion()
					if err := tx.AddItem(it); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			for _, from := range []string{"items", "snapshot"} {
				b.Run("from="+from, func(b *testing.B) {
					var size int64 // of the snapshot
					if from == "snapshot" {
						// The snapshot a process that stopped wrote.
						s := &Stories{Store: env.store}
						ss, err := s.begin(ctx, now)
						if err != nil {
							b.Fatal(err)
						}
						ss.end(true)
						if err := s.SaveSnapshot(ctx); err != nil {
							b.Fatal(err)
						}
						err = env.store.ReadStorySnapshot(ctx, func(h store.StorySnapshot, _ io.Reader) error {
							size = h.Bytes
							return nil
						})
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportAllocs()
					var (
						heap uint64
						cpu  time.Duration
					)
					for b.Loop() {
						s := &Stories{Store: env.store}
						c := processCPU()
						ss, err := s.begin(ctx, now)
						if err != nil {
							b.Fatal(err)
						}
						ss.end(false)
						cpu += processCPU() - c
						if s.index.Len() != n {
							b.Fatalf("index of %d items, want %d", s.index.Len(), n)
						}
						if s.builtFrom != from {
							b.Fatalf("index not built from the %s", from)
						}
						b.StopTimer()
						runtime.GC()
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						heap = max(heap, ms.HeapInuse)
						runtime.KeepAlive(s)
						b.StartTimer()
					}
					b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*n), "cpu-µs/item")
					b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
					b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
					if size > 0 {
						b.ReportMetric(float64(size)/(1<<20), "snapshot-MB")
					}
				})
			}
		})
	}
}

// BenchmarkPollUnchanged measures the polls of a later round that find
// nothing new: a 200 that brings the last document again, gzip-compressed
// (150 KB, 60 items; a server that sends no validators, or ignores them),
// and a 304. cpu-ms/op is the process's CPU time per poll, the test
// server's share included.
func BenchmarkPollUnchanged(b *testing.B) {
	for _, mode := range []string{"200-same", "304"} {
		b.Run(mode, func(b *testing.B) {
			doc := changingDocs(0)[0]
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if mode == "304" {
					w.Header().Set("ETag", `"v1"`)
					if r.Header.Get("If-None-Match") == `"v1"` {
						w.WriteHeader(http.StatusNotModified)
						return
					}
				}
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(doc)
			}))
			defer srv.Close()
			env, feed := primedBenchFeed(b, srv.URL, nil)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				res, err := env.poller.Poll(ctx, feed)
				if err != nil {
					b.Fatal(err)
				}
				if res.Unchanged == (mode == "304") || res.NotModified != (mode == "304") {
					b.Fatalf("poll = %+v, want it %s", res, mode)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// primedBenchFeed returns a test environment with the benchmark's rules
// and one feed at url, set up by configure (when not nil) and polled
// once, so that the benchmark's polls are later polls.
func primedBenchFeed(b *testing.B, url string, configure func(*testEnv)) (*testEnv, model.Feed) {
	b.Helper()
	env := newTestEnv(b, benchRules(b))
	if configure != nil {
		configure(env)
	}
	feed := model.Feed{Name: "bench", URL: url, Enabled: true}
	env.addFeeds(feed)
	if _, err := env.poller.Poll(context.Background(), feed); err != nil {
		b.Fatal(err)
	}
	return env, feed
}

// BenchmarkGunzip measures decompressing a gzip body of 150 KB whose size
// no earlier poll told (as in a first poll): changingDocs' first document.
func BenchmarkGunzip(b *testing.B) {
	doc := changingDocs(0)[0]
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := gunzip(doc, 0, DefaultMaxBodyBytes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
}
