package format

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/subscription"
	"github.com/newswatch/newswatch/notify"
)

// FeedTestJSON writes what 'feeds test -json' found at a URL: the feed
// found, its document, and the items shown (newest first) of all its
// entries.
func FeedTestJSON(w io.Writer, found *subscription.Found, entries, shown []model.Item) error {
	kind := docKind(found)
	out := FeedTestRecord{
		URL: redact.URL(found.URL), FoundOn: redact.URL(found.Page), FinalURL: redact.URL(found.Result.FinalURL), Status: found.Result.StatusCode,
		ContentType: found.Result.ContentType, Bytes: len(found.Result.Body),
		ETag: found.Result.ETag, Modified: found.Result.LastModified,
		Format: kind, Title: found.Feed.Title, Language: found.Feed.Language, Items: len(entries),
		Shown: []FeedTestItem{},
	}
	for _, e := range shown {
		out.Shown = append(out.Shown, FeedTestItem{Identity: e.Identity, Title: e.Title, Link: e.Link,
			Published: cli.JSONTime(e.Published), Author: e.Author, Categories: e.Categories})
	}
	return cli.WriteJSON(w, out, "  ")
}

// FeedTestText prints what 'feeds test' found at a URL for people: where
// the feed was found, its document and caching, and a table of the items
// shown. took is how long the fetch took.
func FeedTestText(w io.Writer, found *subscription.Found, entries, shown []model.Item, took time.Duration) error {
	kind := docKind(found)
	if found.Page != "" {
		fmt.Fprintf(w, "found on:  %s\n", redact.URL(found.Page))
	}
	fmt.Fprintf(w, "feed:      %s\n", redact.URL(found.URL))
	if found.Result.FinalURL != found.URL {
		fmt.Fprintf(w, "fetched:   %s\n", redact.URL(found.Result.FinalURL))
	}
	fmt.Fprintf(w, "title:     %s\n", cli.Cell(found.Feed.Title, 120))
	fmt.Fprintf(w, "format:    %s, %d bytes, HTTP %d in %s\n", kind, len(found.Result.Body), found.Result.StatusCode, took.Round(time.Millisecond))
	if found.Result.ETag != "" || found.Result.LastModified != "" {
		fmt.Fprintf(w, "caching:   ETag %s, Last-Modified %s\n", cli.OrDash(found.Result.ETag), cli.OrDash(found.Result.LastModified))
	} else {
		fmt.Fprintln(w, "caching:   no ETag nor Last-Modified: every poll downloads the whole feed")
	}
	fmt.Fprintf(w, "items:     %d", len(entries))
	if len(shown) < len(entries) {
		fmt.Fprintf(w, " (the newest %d shown; -n 0 shows all)", len(shown))
	}
	fmt.Fprintln(w)
	for _, o := range found.Others {
		fmt.Fprintf(w, "the page also links to %s%s\n", redact.URL(o.URL), Titled(o.Title))
	}
	if len(shown) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PUBLISHED\tTITLE\tLINK")
	for _, e := range shown {
		title := cli.Cell(e.Title, 70)
		if title == "" {
			title = "(untitled)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cli.TableTime(e.Published, time.Local), title, cli.OrDash(cli.Cell(e.Link, 100)))
	}
	return tw.Flush()
}

// Titled renders a link's title after it: ` ("Comments")`, or "".
func Titled(t string) string {
	if t = notify.CleanText(t); t != "" {
		return " (\"" + t + "\")"
	}
	return ""
}

// FeedTestRecord is the output of 'feeds test -json'.
type FeedTestRecord struct {
	URL         string         `json:"url"`
	FoundOn     string         `json:"found_on,omitempty"`
	FinalURL    string         `json:"final_url"`
	Status      int            `json:"status"`
	ContentType string         `json:"content_type,omitempty"`
	Bytes       int            `json:"bytes"`
	ETag        string         `json:"etag,omitempty"`
	Modified    string         `json:"last_modified,omitempty"`
	Format      string         `json:"format"`
	Title       string         `json:"title"`
	Language    string         `json:"language,omitempty"`
	Items       int            `json:"items"`
	Shown       []FeedTestItem `json:"shown"`
}

// FeedTestItem is one item FeedTestRecord shows.
type FeedTestItem struct {
	Identity   string   `json:"identity"`
	Title      string   `json:"title"`
	Link       string   `json:"link,omitempty"`
	Published  string   `json:"published,omitempty"`
	Author     string   `json:"author,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// docKind names the format of the feed found: "rss 2.0", "atom 1.0", "json 1.1".
func docKind(found *subscription.Found) string {
	if found.Feed.FeedVersion != "" {
		return found.Feed.FeedType + " " + found.Feed.FeedVersion
	}
	return found.Feed.FeedType
}
