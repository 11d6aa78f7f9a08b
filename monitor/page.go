package monitor

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// pageAccept asks for HTML: an item's link is a web page.
const pageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

// PageRequest is one fetch of an item's page.
type PageRequest struct {
	// Feed is the name of the feed that brought the item, for errors.
	Feed string
	// URL is the page's http or https URL: the item's link.
	URL string
	// Lang is the item's or the feed's language, a hint for a page in an
	// undeclared legacy code page (see toUTF8).
	Lang string
}

// Page is a fetched HTML page, decoded to UTF-8.
type Page struct {
	// URL is where the page came from after redirects; its relative links
	// resolve against it.
	URL *url.URL
	// HTML is the page as UTF-8.
	HTML []byte
}

// FetchPage fetches the HTML page req.URL with the same client as feeds:
// the same User-Agent, timeouts and transport, the host limit shared with
// feeds (pages wait behind them), redirects only to http and https, no
// cookies, a size cap of MaxPageBytes, and the charset handling of feeds
// (htmlToUTF8). A failure is a *FetchError; a response that is not HTML is
// KindNotHTML.
func (f *Fetcher) FetchPage(ctx context.Context, req PageRequest) (*Page, error) {
	fr := FetchRequest{Feed: req.Feed, URL: req.URL}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, &FetchError{Kind: KindInvalidURL, Feed: req.Feed, URL: req.URL, Err: withoutURL(err)}
	}
	if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
		return nil, &FetchError{Kind: KindInvalidURL, Feed: req.Feed, URL: req.URL,
			Err: errors.New("an article is fetched from an http or https URL only")}
	}
	res, err := f.get(ctx, fr, getOptions{accept: pageAccept, maxBody: f.opts.MaxPageBytes, page: true})
	if err != nil {
		return nil, err
	}
	if !isHTML(res.ContentType, res.Body) {
		return nil, &FetchError{Kind: KindNotHTML, Feed: req.Feed, URL: req.URL, StatusCode: res.StatusCode,
			Err: fmt.Errorf("the page is %s, not HTML", mediaType(res.ContentType, res.Body))}
	}
	final, err := url.Parse(res.FinalURL)
	if err != nil {
		final = u
	}
	return &Page{URL: final, HTML: htmlToUTF8(res.Body, res.ContentType, req.Lang)}, nil
}

// isHTML reports whether a response is an HTML page: by its Content-Type,
// or by sniffing (WHATWG MIME Sniffing, as net/http does) when it has none
// or a generic one.
func isHTML(contentType string, body []byte) bool {
	switch mediaType(contentType, body) {
	case "text/html", "application/xhtml+xml":
		return true
	}
	return false
}

func mediaType(contentType string, body []byte) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" || mt == "application/octet-stream" || mt == "text/plain" {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	return mt
}
