package subscription

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/newswatch/newswatch/monitor"
)

func TestDiscoverFeeds(t *testing.T) {
	page := `<html><head>
<base href="https://cdn.example/site/">
<link rel="alternate" type="application/rss+xml" title="Posts" href="feed.xml">
<link rel="Alternate Feed" type="application/atom+xml; charset=utf-8" href="https://news.example/atom#top">
<link rel="alternate" type="application/feed+json" href="/feed.json">
<link rel="alternate" type="application/rss+xml" href="feed.xml">
<link rel="alternate" type="text/html" hreflang="ar" href="/ar/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="stylesheet" type="application/rss+xml" href="not-alternate.xml">
</head><body><link rel="alternate" type="application/rss+xml" href="ftp://files.example/feed"></body></html>`
	got := Discover([]byte(page), "https://www.example/page")
	want := []Link{
		{URL: "https://cdn.example/site/feed.xml", Title: "Posts"},
		{URL: "https://news.example/atom"},
		{URL: "https://cdn.example/feed.json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Discover =\n%+v, want\n%+v", got, want)
	}
}

func TestFind(t *testing.T) {
	const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>One</title><link>https://wire.example/1</link></item></channel></rss>`
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(rss))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" title="Comments" href="/comments.atom"></head></html>`))
	})
	mux.HandleFunc("/about", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><title>About</title></head></html>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := monitor.NewFetcher(monitor.FetcherOptions{})
	ctx := context.Background()

	tests := []struct {
		name, url, feed, page string
		others                []Link
	}{
		{"the feed itself", srv.URL + "/feed.xml", srv.URL + "/feed.xml", "", nil},
		{"a page that links to it", srv.URL + "/", srv.URL + "/feed.xml", srv.URL + "/", []Link{{URL: srv.URL + "/comments.atom", Title: "Comments"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			found, err := Find(ctx, f, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if found.URL != tc.feed || found.Page != tc.page || !reflect.DeepEqual(found.Others, tc.others) ||
				found.Feed.Title != "Wire" || len(found.Feed.Items) != 1 {
				t.Errorf("Find(%s) = %s on %q, others %v, %q with %d items", tc.url, found.URL, found.Page, found.Others, found.Feed.Title, len(found.Feed.Items))
			}
		})
	}
	if _, err := Find(ctx, f, srv.URL+"/about"); !errors.Is(err, ErrNoFeed) {
		t.Errorf("a page without a feed: %v, want ErrNoFeed", err)
	}
}

func TestShortName(t *testing.T) {
	tests := []struct {
		name, site, title, url, want string
	}{
		{"the site's name wins", "Times of Israel", "The Times of Israel | News from Israel, the Middle East and the Jewish World", "https://www.timesofisrael.com/", "Times of Israel"},
		{"the part naming the host", "", "i24NEWS - חדשות מתפרצות מהמזרח התיכון, ישראל ומסביב לעולם", "https://www.i24news.tv/he", "i24NEWS"},
		{"the host's part comes last", "", "World news | The Guardian", "https://www.theguardian.com/world", "The Guardian"},
		{"spaces in the name", "", "Al Jazeera – Breaking News, World News and Video from Al Jazeera", "https://www.aljazeera.com/", "Al Jazeera"},
		{"a short title stays whole", "", "BBC News - World", "https://feeds.bbci.co.uk/news/world/rss.xml", "BBC News - World"},
		{"a long title without the host: its first part", "", "מקור ראשון - חדשות, פרשנות, דעות וכתבות מגזין מהארץ ומהעולם", "https://www.makorrishon.co.il/", "מקור ראשון"},
		{"a long title in one part is cut at a word", "", "The Daily Chronicle of Everything That Happens Anywhere In The Region", "https://chronicle.example/", "The Daily Chronicle of Everything That…"},
		{"a long site name is not taken", "The Very Long Name of a Site That Nobody Would Type In a Rule", "Site", "https://s.example/", "Site"},
		{"no title", "", "", "https://www.example.org/feed", "example.org"},
		{"control characters", "", "Wire\x1b[2J", "https://wire.example/", "Wire[2J"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ShortName(tc.site, tc.title, tc.url)
			if got != tc.want {
				t.Errorf("ShortName = %q, want %q", got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n > maxShortName {
				t.Errorf("ShortName is %d characters long", n)
			}
		})
	}
}

func TestSiteName(t *testing.T) {
	for _, tc := range []struct{ page, want string }{
		{`<html><head><meta property="og:site_name" content="The Times of Israel"><meta name="application-name" content="ToI"></head></html>`, "The Times of Israel"},
		{`<html><head><meta name="Application-Name" content=" Haaretz "></head></html>`, "Haaretz"},
		{`<html><head><title>Only a title</title></head></html>`, ""},
	} {
		if got := SiteName([]byte(tc.page)); got != tc.want {
			t.Errorf("SiteName(%s) = %q, want %q", tc.page, got, tc.want)
		}
	}
}
