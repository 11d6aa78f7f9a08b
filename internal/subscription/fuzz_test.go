package subscription

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
)

// FuzzReadOPML reads arbitrary documents as OPML: it must not panic, and
// what it reads must be subscriptions with a URL and usable tags.
func FuzzReadOPML(f *testing.F) {
	f.Add([]byte(`<opml version="2.0"><body><outline text="Middle East"><outline text="Kan" xmlUrl="https://www.kan.org.il/rss" category="/News/World" language="he-IL"/></outline></body></opml>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><opml><body><outline title="Caf` + "\xe9" + `" xmlUrl=" x "/></body></opml>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		subs, err := ReadOPML(bytes.NewReader(doc))
		if err != nil {
			return
		}
		for _, s := range subs {
			if s.URL == "" || s.URL != strings.TrimSpace(s.URL) {
				t.Errorf("subscription with URL %q", s.URL)
			}
			for _, tag := range s.Tags {
				if tag == "" || strings.ContainsAny(tag, " \t\n,/") {
					t.Errorf("tag %q of %q", tag, s.Name)
				}
			}
		}
	})
}

// FuzzDiscover reads arbitrary pages for feed links: it must not panic,
// and every link must be an absolute http(s) URL, given once.
func FuzzDiscover(f *testing.F) {
	f.Add([]byte(`<html><head><base href="https://cdn.example/x/"><link rel="alternate" type="application/rss+xml" href="feed.xml"></head></html>`), "https://www.example/page")
	f.Add([]byte(`<link rel=alternate type="application/feed+json" href="//other.example/f.json#x">`), "http://a.example/")
	f.Fuzz(func(t *testing.T, page []byte, pageURL string) {
		seen := map[string]bool{}
		for _, l := range Discover(page, pageURL) {
			u, err := url.Parse(l.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || seen[l.URL] {
				t.Errorf("link %q (page %q)", l.URL, pageURL)
			}
			seen[l.URL] = true
		}
	})
}
