package monitor

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// heavyPage pads page, a small article page, to the size of a real news
// page (about 300 KB): inline CSS and scripts, a long navigation menu, a
// column of related links, and a comment thread, around the same article.
func heavyPage(page []byte) []byte {
	var head, nav, tail strings.Builder
	head.WriteString("<style>")
	for i := range 800 {
		fmt.Fprintf(&head, ".c%d{margin:0 %dpx;padding:%dpx;font:14px/1.4 sans-serif}\n", i, i%17, i%9)
	}
	head.WriteString("</style><script>")
	for i := range 1500 {
		fmt.Fprintf(&head, "window.__cfg%d={slot:%q,sizes:[[300,250],[728,90]],targeting:{section:'middle-east',pos:%d}};\n", i, fmt.Sprint("ad-", i), i)
	}
	head.WriteString("</script>")
	nav.WriteString(`<nav class="mega-menu"><ul>`)
	for i := range 400 {
		fmt.Fprintf(&nav, `<li><a href="/section/%d">Section %d</a></li>`, i, i)
	}
	nav.WriteString(`</ul></nav>`)
	tail.WriteString(`<aside class="more"><h2>More from the Ledger</h2><ul>`)
	for i := range 80 {
		fmt.Fprintf(&tail, `<li><a href="/2026/11/%d/story-%d"><img src="/img/%d.jpg" alt="">Another headline about the region, number %d</a></li>`, i%28+1, i, i, i)
	}
	tail.WriteString(`</ul></aside><section class="comments-more">`)
	for i := range 120 {
		fmt.Fprintf(&tail, `<div class="comment"><p class="author">reader_%d</p><p>I have followed this for years and I doubt anything changes soon, comment %d.</p></div>`, i, i)
	}
	tail.WriteString(`</section>`)
	page = bytes.Replace(page, []byte("</head>"), []byte(head.String()+"</head>"), 1)
	page = bytes.Replace(page, []byte(`<main id="main">`), []byte(nav.String()+`<main id="main">`), 1)
	return bytes.Replace(page, []byte("</main>"), []byte("</main>"+tail.String()), 1)
}

// BenchmarkArticle measures what fetching articles costs. Each operation
// is one poll of a teaser-only feed that brings one new item, whose
// article (served on loopback) makes a rule match; with "always" the
// benchmark waits until the article worker, running as in the daemon, has
// completed the item and queued its alert. The difference of cpu-µs/op
// between "always" and "never" is the CPU of one fetched article (fetch,
// decoding, extraction, matching, its transaction), the test server's
// share included; delay-p50-ms and delay-p99-ms are how long after the
// poll recorded the item its article's alert was queued: the latency an
// article adds on loopback, before the site's own response time.
func BenchmarkArticle(b *testing.B) {
	small := readPageFile(b, "news-en.html")
	for _, page := range []struct {
		name string
		html []byte
	}{{"small", small}, {"heavy", heavyPage(small)}} {
		for _, mode := range []model.ArticleMode{model.ArticleNever, model.ArticleAlways} {
			b.Run(fmt.Sprintf("%s-%dKB/%s", page.name, len(page.html)>>10, mode), func(b *testing.B) {
				benchArticle(b, page.html, mode)
			})
		}
	}
}

func benchArticle(b *testing.B, page []byte, mode model.ArticleMode) {
	var round atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			n := round.Load()
			fmt.Fprint(w, rssDoc(testItem{
				GUID:        fmt.Sprint("teaser-", n),
				Title:       "Syrian and Israeli officials meet in Paris",
				Link:        fmt.Sprintf("http://%s/story/%d", r.Host, n),
				Description: "Officials met in Paris on Wednesday.",
				Published:   time.Now(),
			}))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	env := newTestEnv(b, normalizationRules(b))
	env.poller.Now = time.Now
	feed := model.Feed{Name: "Ledger", URL: srv.URL + "/feed", Enabled: true, Article: mode}
	env.addFeeds(feed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := env.poller.Poll(ctx, feed); err != nil { // prime the feed, without articles
		b.Fatal(err)
	}
	completed := make(chan ArticleResult, 1)
	stopped := make(chan error, 1)
	if mode == model.ArticleAlways {
		a := &Articles{Poller: env.poller, Feeds: []model.Feed{feed}, OnArticle: func(r ArticleResult) { completed <- r }}
		env.poller.Articles = a
		go func() { stopped <- a.Run(ctx) }()
		defer func() {
			cancel()
			<-stopped
		}()
	}

	delays := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		round.Add(1)
		res, err := env.poller.Poll(ctx, feed)
		if err != nil {
			b.Fatal(err)
		}
		if res.New != 1 || res.Alerts != 0 {
			b.Fatalf("poll = %+v, want one new item and no alert from its teaser", res)
		}
		if mode == model.ArticleAlways {
			r := <-completed
			if r.Outcome != ArticleOutcomeFetched || r.Alerts != 1 {
				b.Fatalf("article %+v, want it fetched with one alert", r)
			}
			delays = append(delays, r.Delay)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	if len(delays) > 0 {
		slices.Sort(delays)
		at := func(q float64) float64 {
			return float64(delays[min(len(delays)-1, int(q*float64(len(delays))))].Microseconds()) / 1e3
		}
		b.ReportMetric(at(0.50), "delay-p50-ms")
		b.ReportMetric(at(0.99), "delay-p99-ms")
	}
}
