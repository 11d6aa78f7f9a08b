package monitor

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/mmcdole/gofeed"
)

// ParseOptions tells ParseFeed what is known about a body besides its bytes.
type ParseOptions struct {
	// Feed is the feed's configured name, for errors.
	Feed string
	// URL is where the body came from, for errors.
	URL string
	// ContentType is the HTTP Content-Type, "" when unknown. Its charset is
	// used when the document declares none.
	ContentType string
	// Lang is the feed's configured language; it picks the code page of a
	// body that is not UTF-8 and names no usable charset.
	Lang string
}

// ParseFeed parses an RSS, Atom or JSON Feed document with gofeed's
// Parser.Parse, after making its text UTF-8 (see toUTF8); gofeed reads the
// long texts it would copy as they are as short markers (see hideText). A
// failure is a *FetchError of KindParse naming the feed and URL.
//
// encoding/xml does not expand entities declared in a DTD, so an
// entity-expansion ("billion laughs") document costs nothing here.
func ParseFeed(body []byte, o ParseOptions) (*gofeed.Feed, error) {
	return parseText(toUTF8(body, o.ContentType, o.Lang), o)
}

// parseText is ParseFeed of a document toUTF8 made UTF-8.
func parseText(text []byte, o ParseOptions) (*gofeed.Feed, error) {
	fail := func(err error) (*gofeed.Feed, error) {
		return nil, &FetchError{Kind: KindParse, Feed: o.Feed, URL: o.URL, Err: err}
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return fail(errors.New("empty document"))
	}
	text = capText(text) // no text run longer than the fields may keep
	// gofeed reads the long texts it would copy verbatim as short
	// markers (see hideText); anything unexpected, an error included,
	// parses the document as it is.
	if lean, hidden := hideText(text); len(hidden) > 0 {
		if feed, err := parseGofeed(lean); err == nil && restoreText(feed, hidden) {
			return feed, nil
		}
	}
	feed, err := parseGofeed(text)
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return fail(fmt.Errorf("not an RSS, Atom or JSON feed (%s)", describeDocument(text)))
		}
		return fail(fmt.Errorf("not a valid feed: %w", err))
	}
	return feed, nil
}

// parseGofeed parses text with gofeed's Parser.Parse.
func parseGofeed(text []byte) (*gofeed.Feed, error) {
	parser := gofeed.NewParser()
	parser.RSSTranslator = rssTranslator
	return parser.Parse(bytes.NewReader(text))
}

// rssTranslator is gofeed's RSS translator without its scan of each item's
// HTML for a first image (an HTML parse of content and description, a
// fifth of the cost of parsing an RSS document with HTML articles).
// newswatch shows no images; the translator is otherwise the default one.
var rssTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}

// htmlMarkers are tags that give away an HTML page.
var htmlMarkers = []string{"<!doctype html", "<html>", "<html ", "<head>", "<head ", "<body>", "<body "}

// describeDocument says briefly what a document that is not a feed looks
// like, so that a feed error points at the likely cause.
func describeDocument(b []byte) string {
	head := bytes.ToLower(b[:min(len(b), 1024)])
	for _, tag := range htmlMarkers {
		if bytes.Contains(head, []byte(tag)) {
			return "it looks like an HTML page"
		}
	}
	switch {
	case bytes.HasPrefix(bytes.TrimSpace(head), []byte("<")):
		return "the XML root element is not rss, rdf:RDF or feed"
	}
	return "it does not start with XML or a JSON object"
}
