// Package subscription finds and lists the feeds people subscribe to: it
// discovers the feed a web page announces (<link rel="alternate">), and
// reads and writes OPML subscription lists, the format feed readers import
// and export. `newswatch feeds add`, `import`, `export` and `test` are
// built on it; appending the feeds to the configuration file is package
// config's (config.Edit).
package subscription

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/monitor"
)

// feedTypes are the media types a page's <link rel="alternate"> announces
// feeds with: RSS, Atom, RSS 1.0 (RDF), and JSON Feed (application/json
// for feeds that predate its own type).
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/rdf+xml":   true,
	"application/feed+json": true,
	"application/json":      true,
}

// Link is a feed a web page links to.
type Link struct {
	URL   string
	Title string
}

// Discover returns the feeds an HTML page announces with <link
// rel="alternate" type="…"> (the RSS autodiscovery convention, also used
// for Atom and JSON Feed), in document order and without repeats, with
// their URLs resolved against the page's <base href> or pageURL. Only
// http(s) URLs are kept.
func Discover(page []byte, pageURL string) []Link {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var (
		links   []Link
		seen    = map[string]bool{}
		baseSet bool
	)
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		attrs := map[string]string{}
		for _, a := range n.Attr {
			attrs[strings.ToLower(a.Key)] = a.Val
		}
		switch n.Data {
		case "base":
			// The first <base href> sets the document's base URL (HTML,
			// "The base element").
			if href, ok := attrs["href"]; ok && !baseSet {
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil {
					base, baseSet = u, true
				}
			}
		case "link":
			if !hasToken(attrs["rel"], "alternate") {
				continue
			}
			media, _, err := mime.ParseMediaType(attrs["type"])
			if err != nil || !feedTypes[media] {
				continue
			}
			u, err := base.Parse(strings.TrimSpace(attrs["href"]))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				continue
			}
			u.Fragment = ""
			if seen[u.String()] {
				continue
			}
			seen[u.String()] = true
			links = append(links, Link{URL: u.String(), Title: strings.TrimSpace(attrs["title"])})
		}
	}
	return links
}

// hasToken reports whether the space-separated list s holds token, ignoring
// ASCII case, as rel values are compared.
func hasToken(s, token string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, token) {
			return true
		}
	}
	return false
}

// looksLikeHTML reports whether a response is a web page rather than a
// feed: by its Content-Type, else by how its body starts.
func looksLikeHTML(contentType string, body []byte) bool {
	if media, _, err := mime.ParseMediaType(contentType); err == nil {
		return media == "text/html" || media == "application/xhtml+xml"
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html"))
}

// Found is a feed fetched and parsed from what the user gave: the URL
// itself, or the feed the page at it links to.
type Found struct {
	// URL is the feed's URL: the one given, or the one discovered.
	URL string
	// Page is the web page the feed was discovered on; "" when the URL
	// given was the feed.
	Page string
	// SiteName is the name the page gives its site (see SiteName); "" when
	// there was no page, or it gives none.
	SiteName string
	// Others are the other feeds the page announces.
	Others []Link
	// Result and Feed are the fetch and the parsed document.
	Result *monitor.FetchResult
	Feed   *gofeed.Feed
}

// ErrNoFeed is the error of a page that announces no feed.
var ErrNoFeed = errors.New("no feed found")

// Find fetches rawURL and parses it as a feed; when it is a web page
// instead, it fetches and parses the first feed the page announces.
func Find(ctx context.Context, f *monitor.Fetcher, rawURL string) (*Found, error) {
	res, err := f.Fetch(ctx, monitor.FetchRequest{URL: rawURL})
	if err != nil {
		return nil, err
	}
	doc, perr := monitor.ParseFeed(res.Body, monitor.ParseOptions{URL: res.FinalURL, ContentType: res.ContentType})
	if perr == nil {
		return &Found{URL: rawURL, Result: res, Feed: doc}, nil
	}
	if !looksLikeHTML(res.ContentType, res.Body) {
		return nil, perr
	}
	links := Discover(res.Body, res.FinalURL)
	if len(links) == 0 {
		return nil, fmt.Errorf(`%w: %s is a web page that links to no feed (no <link rel="alternate" type="application/rss+xml"> or the like); give the feed's own URL`, ErrNoFeed, redact.URL(rawURL))
	}
	first := links[0]
	fres, err := f.Fetch(ctx, monitor.FetchRequest{URL: first.URL})
	if err != nil {
		return nil, fmt.Errorf("%s links to the feed %s, which could not be fetched: %w", redact.URL(rawURL), redact.URL(first.URL), err)
	}
	fdoc, err := monitor.ParseFeed(fres.Body, monitor.ParseOptions{URL: fres.FinalURL, ContentType: fres.ContentType})
	if err != nil {
		return nil, fmt.Errorf("%s links to %s, which is not a feed newswatch can read: %w", redact.URL(rawURL), redact.URL(first.URL), err)
	}
	return &Found{URL: first.URL, Page: rawURL, SiteName: SiteName(res.Body), Others: links[1:], Result: fres, Feed: fdoc}, nil
}

// Name proposes a short name for the feed found (see ShortName): the
// name of the page's site, or the part of the feed's title that names it.
func (f *Found) Name() string {
	site := f.Feed.Link
	if site == "" {
		site = f.Page
	}
	if site == "" {
		site = f.URL
	}
	return ShortName(f.SiteName, f.Feed.Title, site)
}
