// Package article owns finding the main text of a news page: the article a
// feed item links to, without the site's menus, related links, comments
// and footer. It uses Readability (codeberg.org/readeck/go-readability/v2,
// a maintained Go port of Mozilla's Readability.js, the extractor behind
// Firefox's Reader View) and turns what it keeps into plain text, one
// paragraph a line, cut to a size cap. It recognises the pages that carry
// no article to read: a page that is all script (an application shell),
// and a paywall stub that shows a teaser and a subscription offer.
//
// The package does not fetch: package monitor fetches a page through the
// same fetcher as the feeds, decodes it to UTF-8, and hands it here. It
// keeps no state and is safe for concurrent use.
package article

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Defaults of Options.
const (
	// DefaultMaxTextBytes caps the text kept of one article: 64 KiB of
	// UTF-8, some ten thousand words, more than any news report; a longer
	// text is cut at a paragraph or word boundary.
	DefaultMaxTextBytes = 64 << 10
	// DefaultMinTextRunes is the least text an article must have; a page
	// with less is no article (ErrNoText).
	DefaultMinTextRunes = 200
	// DefaultMinPaidRunes is the least text a page that declares itself
	// not free to read (schema.org isAccessibleForFree false) must have
	// to count as the article rather than its paywall stub (ErrPaywall).
	DefaultMinPaidRunes = 1000
	// DefaultMaxElements bounds the elements of a page Readability walks:
	// a pathological page fails (ErrNoText) instead of taking seconds.
	DefaultMaxElements = 20000
)

// Errors of Extract, for callers that count why pages gave no text.
var (
	// ErrNoText is a page without readable text, or with too little to
	// be an article: a page that is all script, an empty page, a gallery.
	ErrNoText = errors.New("article: no readable text on the page")
	// ErrPaywall is a page that declares its article not free to read
	// and shows too little of it: a paywall stub.
	ErrPaywall = errors.New("article: paywall stub (the page declares its article not free, and shows too little of it)")
)

// Options tunes Extract. The zero value takes the defaults.
type Options struct {
	// MaxTextBytes caps the text returned (DefaultMaxTextBytes).
	MaxTextBytes int
	// MinTextRunes is the least text an article has (DefaultMinTextRunes).
	MinTextRunes int
	// MinPaidRunes is the least text a page declared not free must show
	// (DefaultMinPaidRunes).
	MinPaidRunes int
	// MaxElements bounds the elements of a page (DefaultMaxElements).
	MaxElements int
}

// Article is the main text of a page.
type Article struct {
	// Title is the article's title as the page gives it, "" when none.
	Title string
	// Text is the article as plain text: one paragraph a line, spaces
	// collapsed, at most MaxTextBytes long.
	Text string
	// Truncated reports that Text was cut to MaxTextBytes.
	Truncated bool
}

// Extract returns the main text of page, an HTML document in UTF-8 found
// at pageURL (which resolves its relative links; it may be nil). A page
// with no article to read is ErrNoText or ErrPaywall.
func Extract(page []byte, pageURL *url.URL, o Options) (Article, error) {
	o = o.withDefaults()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return Article{}, fmt.Errorf("article: parse HTML: %w", err)
	}
	paid := declaredNotFree(doc)
	p := readability.NewParser()
	p.MaxElemsToParse = o.MaxElements
	p.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := p.ParseAndMutate(doc, pageURL)
	if err != nil {
		return Article{}, fmt.Errorf("%w: %v", ErrNoText, err)
	}
	if a.Node == nil {
		return Article{}, ErrNoText
	}
	text := plainText(render.InnerText(a.Node))
	n := utf8.RuneCountInString(text)
	switch {
	case paid && n < o.MinPaidRunes:
		return Article{}, ErrPaywall
	case n < o.MinTextRunes:
		return Article{}, ErrNoText
	}
	out := Article{Title: strings.TrimSpace(a.Title()), Text: text}
	if len(out.Text) > o.MaxTextBytes {
		out.Text, out.Truncated = cut(out.Text, o.MaxTextBytes), true
	}
	return out, nil
}

func (o Options) withDefaults() Options {
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	if o.MinTextRunes <= 0 {
		o.MinTextRunes = DefaultMinTextRunes
	}
	if o.MinPaidRunes <= 0 {
		o.MinPaidRunes = DefaultMinPaidRunes
	}
	if o.MaxElements <= 0 {
		o.MaxElements = DefaultMaxElements
	}
	return o
}

// notFree finds schema.org's isAccessibleForFree set to false, the way
// publishers tell search engines that an article is behind a paywall
// (schema.org/isAccessibleForFree; Google's "subscription and paywalled
// content" markup), as JSON (false or "False").
var notFree = regexp.MustCompile(`(?i)"isAccessibleForFree"\s*:\s*(?:false|"false")`)

// declaredNotFree reports whether a JSON-LD script of doc declares the page
// not free to read. It must run before Readability, which drops scripts.
func declaredNotFree(doc *html.Node) bool {
	found := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if found {
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Script && isJSONLD(n) {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode && notFree.MatchString(c.Data) {
					found = true
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func isJSONLD(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "type" && strings.EqualFold(strings.TrimSpace(a.Val), "application/ld+json") {
			return true
		}
	}
	return false
}

// plainText tidies the text Readability renders: each line trimmed and its
// runs of spaces collapsed, control and format characters other than line
// breaks dropped, empty lines removed, so that paragraphs are single lines.
func plainText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for line := range strings.SplitSeq(s, "\n") {
		fields := strings.FieldsFunc(line, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r)
		})
		if len(fields) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f)
		}
	}
	return b.String()
}

// cut returns s cut to at most max bytes: at the last line break in the
// second half of that, else at the last space, else at a rune boundary.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 { // drop a rune cut in two
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	if i := strings.LastIndexByte(s, '\n'); i > len(s)/2 {
		return s[:i]
	}
	if i := strings.LastIndexByte(s, ' '); i > len(s)/2 {
		return s[:i]
	}
	return s
}
