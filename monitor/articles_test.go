package monitor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// pageServer serves article pages (readPageFile) at /FILE, and counts
// the requests for each path.
type pageServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newPageServer(t *testing.T) *pageServer {
	t.Helper()
	ps := &pageServer{hits: map[string]int{}}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		ps.hits[r.URL.Path]++
		ps.mu.Unlock()
		switch r.URL.Path {
		case "/error":
			http.Error(w, "backend down", http.StatusInternalServerError)
		case "/slow":
			<-r.Context().Done() // never answers: the fetch times out
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write(readPageFile(t, strings.TrimPrefix(r.URL.Path, "/")))
		}
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *pageServer) requests() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	n := 0
	for _, c := range ps.hits {
		n += c
	}
	return n
}

// normalizationRules needs normaliz*, which the teasers of these tests
// never say: only an article can make it match.
func normalizationRules(t testing.TB) *rules.Set {
	return ruleSet(t, &rules.Rule{
		Name:  "syria-israel-normalization",
		Query: "(syria* OR damascus OR سوريا OR סוריה) AND (israel* OR إسرائيل) AND (normaliz* OR تطبيع OR נורמליזציה)",
	})
}

// teaser is a teaser-only item linking to page.
func teaser(n int, page string) testItem {
	return testItem{
		GUID:        "teaser-" + page,
		Title:       "Syrian and Israeli officials meet in Paris",
		Link:        page,
		Description: "Officials met in Paris on Wednesday.",
		Published:   t0.Add(-time.Duration(n) * time.Minute),
	}
}

// withArticles gives env's poller an Articles for feeds, and returns it
// with the results it reports.
func withArticles(env *testEnv, feeds ...model.Feed) (*Articles, *[]ArticleResult) {
	var (
		mu      sync.Mutex
		results []ArticleResult
	)
	a := &Articles{Poller: env.poller, Feeds: feeds, OnArticle: func(r ArticleResult) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}}
	env.poller.Articles = a
	return a, &results
}

func drain(t *testing.T, a *Articles) {
	t.Helper()
	if err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A teaser-only feed, and a rule that matches only through the article:
// one alert, after the article is fetched, which says where the term
// matched and quotes the sentence.
func TestArticleMatchesTeaserOnlyFeed(t *testing.T) {
	env := newTestEnv(t, normalizationRules(t))
	pages := newPageServer(t)
	srv := newFeedServer(t, rssDoc(teaser(1, pages.URL+"/news-en.html")))
	feed := model.Feed{Name: "Ledger", URL: srv.URL, Enabled: true, Article: model.ArticleCandidates}
	env.addFeeds(feed)
	a, results := withArticles(env, feed)

	res := env.poll(feed)
	if res.New != 1 || res.Alerts != 0 || res.ArticlesPending != 1 {
		t.Fatalf("poll = %+v; want one new item, pending, no alert yet", res)
	}
	if pages.requests() != 0 {
		t.Fatal("the poll fetched the page itself")
	}
	drain(t, a)
	as := env.alerts()
	if len(as) != 1 {
		t.Fatalf("%d alerts, want 1", len(as))
	}
	var hit *model.Hit
	for i, h := range as[0].Hits {
		if h.Field == "article" && strings.HasPrefix(strings.ToLower(h.Text), "normaliz") {
			hit = &as[0].Hits[i]
		}
	}
	if hit == nil {
		t.Fatalf("hits %+v lack normalization (article)", as[0].Hits)
	}
	if want := "the agenda included the first steps toward normalization between the two countries."; !strings.Contains(hit.Quote, want) {
		t.Errorf("quote %q lacks %q", hit.Quote, want)
	}
	if as[0].Summary != "Officials met in Paris on Wednesday." {
		t.Errorf("alert summary %q, want the teaser", as[0].Summary)
	}
	items := env.items()
	if items[0].ArticleState != model.ArticleFetched || !strings.Contains(items[0].Article, "Damascus has publicly rejected any normalization") {
		t.Errorf("stored item: %s, %q", items[0].ArticleState, items[0].Article)
	}
	if strings.Contains(items[0].Article, "Ten cafes in Beirut") {
		t.Error("the stored article has the page's menus")
	}
	if r := *results; len(r) != 1 || r[0].Outcome != ArticleOutcomeFetched || r[0].Alerts != 1 || r[0].Feed != "Ledger" {
		t.Errorf("results %+v", r)
	}

	// Nothing new: no page fetched again, no second alert.
	env.clock.Advance(5 * time.Minute)
	srv.set(rssDoc(teaser(1, pages.URL+"/news-en.html")), 0)
	env.poll(feed)
	drain(t, a)
	if n := len(env.alerts()); n != 1 || pages.requests() != 1 {
		t.Errorf("after a second poll: %d alerts, %d page requests; want 1 and 1", n, pages.requests())
	}
}

// A page that cannot be had: no alert when the teaser does not match, the
// item is kept with what it has, and the failure is counted for the feed.
func TestArticleFailures(t *testing.T) {
	tests := []struct {
		name, page, reason string
	}{
		{"server error", "/error", "http_status"},
		{"timeout", "/slow", "timeout"},
		{"paywall stub", "/paywall.html", "paywall"},
		{"page that is all script", "/script-only.html", "no_text"},
		{"no such host", "http://127.0.0.1:1/none", "connect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, normalizationRules(t))
			env.poller.Fetcher = NewFetcher(FetcherOptions{Timeout: 500 * time.Millisecond})
			pages := newPageServer(t)
			link := tc.page
			if strings.HasPrefix(link, "/") {
				link = pages.URL + link
			}
			srv := newFeedServer(t, rssDoc(teaser(1, link)))
			feed := model.Feed{Name: "Ledger", URL: srv.URL, Enabled: true, Article: model.ArticleAlways}
			env.addFeeds(feed)
			a, results := withArticles(env, feed)
			env.poll(feed)
			drain(t, a)
			if as := env.alerts(); len(as) != 0 {
				t.Errorf("alerts %q, want none", alertTitles(as))
			}
			items := env.items()
			if len(items) != 1 || items[0].ArticleState != model.ArticleFailed || items[0].Article != "" ||
				items[0].Title != "Syrian and Israeli officials meet in Paris" {
				t.Errorf("stored item %+v", items[0])
			}
			if r := *results; len(r) != 1 || r[0].Outcome != ArticleOutcomeFailed || r[0].Reason != tc.reason {
				t.Errorf("results %+v, want one failure of reason %s", r, tc.reason)
			}
		})
	}
}

// "candidates" fetches only the pages of items that share a term with a
// rule that watches the feed; "always" every page; "never" none.
func TestArticleModes(t *testing.T) {
	tests := []struct {
		mode  model.ArticleMode
		pages int
	}{
		{model.ArticleCandidates, 1},
		{model.ArticleAlways, 2},
		{model.ArticleNever, 0},
		{"", 0},
	}
	for _, tc := range tests {
		t.Run(string(tc.mode), func(t *testing.T) {
			env := newTestEnv(t, normalizationRules(t))
			pages := newPageServer(t)
			unrelated := testItem{GUID: "oil", Title: "Oil prices slide on demand fears", Link: pages.URL + "/news-he.html",
				Description: "Markets fell in Asia.", Published: t0.Add(-time.Minute)}
			srv := newFeedServer(t, rssDoc(teaser(2, pages.URL+"/news-en.html"), unrelated))
			feed := model.Feed{Name: "Ledger", URL: srv.URL, Enabled: true, Article: tc.mode}
			env.addFeeds(feed)
			a, _ := withArticles(env, feed)
			res := env.poll(feed)
			drain(t, a)
			if res.ArticlesPending != tc.pages || pages.requests() != tc.pages {
				t.Errorf("%d pending, %d page requests; want %d", res.ArticlesPending, pages.requests(), tc.pages)
			}
			if tc.pages > 0 && len(env.alerts()) != 1 {
				t.Errorf("%d alerts, want 1", len(env.alerts()))
			}
		})
	}
}

// A page is fetched once per canonical link, whichever feed brought it;
// every item gets its text.
func TestArticleOncePerLink(t *testing.T) {
	env := newTestEnv(t, normalizationRules(t))
	pages := newPageServer(t)
	a1 := newFeedServer(t, rssDoc(teaser(1, pages.URL+"/news-en.html?utm_source=rss")))
	a2 := newFeedServer(t, rssDoc(teaser(1, pages.URL+"/news-en.html#comments")))
	f1 := model.Feed{Name: "One", URL: a1.URL, Enabled: true, Article: model.ArticleAlways}
	f2 := model.Feed{Name: "Two", URL: a2.URL, Enabled: true, Article: model.ArticleCandidates}
	env.addFeeds(f1, f2)
	a, results := withArticles(env, f1, f2)
	env.poll(f1)
	env.poll(f2)
	drain(t, a)
	if n := pages.requests(); n != 1 {
		t.Errorf("%d page requests, want 1", n)
	}
	for _, it := range env.items() {
		if it.ArticleState != model.ArticleFetched || !strings.Contains(it.Article, "normalization") {
			t.Errorf("item of %s: %s %q", it.Feed, it.ArticleState, it.Article)
		}
	}
	outcomes := map[string]int{}
	for _, r := range *results {
		outcomes[r.Outcome]++
	}
	if outcomes[ArticleOutcomeFetched] != 1 || outcomes[ArticleOutcomeReused] != 1 {
		t.Errorf("outcomes %v", outcomes)
	}
}

// The poll and the article are two transactions: a daemon stopped between
// them leaves the item pending, and the next start completes it. A rule
// that alerted on the teaser does not alert again for the article.
func TestArticleAfterRestart(t *testing.T) {
	set := ruleSet(t,
		&rules.Rule{Name: "teaser", Query: "syria* AND paris"},
		&rules.Rule{Name: "article", Query: "article:normaliz*"},
	)
	env := newTestEnv(t, set)
	pages := newPageServer(t)
	srv := newFeedServer(t, rssDoc(teaser(1, pages.URL+"/news-en.html")))
	feed := model.Feed{Name: "Ledger", URL: srv.URL, Enabled: true, Article: model.ArticleAlways}
	env.addFeeds(feed)
	withArticles(env, feed)
	if res := env.poll(feed); res.Alerts != 1 || res.ArticlesPending != 1 {
		t.Fatalf("poll = %+v", res)
	}
	// "Restart": a new Articles on the same store, woken by nothing.
	restarted := &Articles{Poller: env.poller, Feeds: []model.Feed{feed}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- restarted.Run(ctx) }()
	waitFor(t, "the article's alert", func() bool { return len(env.alerts()) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range env.alerts() {
		got[a.Rule]++
	}
	if got["teaser"] != 1 || got["article"] != 1 {
		t.Errorf("alerts by rule %v, want one each", got)
	}
	if pending, err := env.store.PendingArticles(context.Background(), 0, 10); err != nil || len(pending) != 0 {
		t.Errorf("pending after the restart: %v, %v", pending, err)
	}
}

// A reloaded configuration's feeds (SetFeeds) are the ones an item's page
// is matched as: a rule that selects a feed by a tag it gained matches.
func TestArticleSetFeeds(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "tagged", Query: "article:normaliz*", Feeds: []string{"tag:mideast"}})
	env := newTestEnv(t, set)
	pages := newPageServer(t)
	srv := newFeedServer(t, rssDoc(teaser(1, pages.URL+"/news-en.html")))
	feed := model.Feed{Name: "Ledger", URL: srv.URL, Enabled: true, Article: model.ArticleAlways}
	env.addFeeds(feed)
	a, _ := withArticles(env, feed)
	env.poll(feed)

	tagged := feed
	tagged.Tags = []string{"mideast"}
	a.SetFeeds([]model.Feed{tagged})
	drain(t, a)
	if as := env.alerts(); len(as) != 1 || as[0].Rule != "tagged" {
		t.Errorf("alerts %q, want one of the rule selecting the feed's new tag", alertTitles(as))
	}
}
