package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/subscription"
	"github.com/newswatch/newswatch/monitor"
)

// feedTestJSON is the output of 'feeds test -json'.
type feedTestJSON struct {
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
	Shown       []itemTestJSON `json:"shown"`
}

type itemTestJSON struct {
	Identity   string   `json:"identity"`
	Title      string   `json:"title"`
	Link       string   `json:"link,omitempty"`
	Published  string   `json:"published,omitempty"`
	Author     string   `json:"author,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

func cmdFeedsTest(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds test", "feeds test URL [-n N] [-json] [-config FILE]", help("feeds test"), sio.Stderr)
	configPath := fs.String("config", "", "configuration whose [fetch] settings to use (default: built-in settings)")
	limit := fs.Int("n", 20, "show at most this many items, newest first (0 for all)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return cli.UsageError("want one URL: a feed, or a web page that links to its feed")
	}
	if *limit < 0 {
		return cli.UsageError("-n must not be negative")
	}
	target, err := url.Parse(rest[0])
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return cli.UsageError(fmt.Sprintf("%q is not an http or https URL", redact.URL(rest[0])))
	}
	var cfg *config.Config
	if *configPath != "" {
		if cfg, err = loadConfig(*configPath, sio, sio.Stderr); err != nil {
			return err
		}
	}

	ver, _ := buildVersion()
	start := time.Now()
	found, err := subscription.Find(ctx, pipeline.Fetcher(cfg, ver), target.String())
	if err != nil {
		return err
	}
	took := time.Since(start)
	entries := monitor.Entries(found.Feed, found.Result.FinalURL)
	slices.Reverse(entries) // newest first
	shown := entries
	if *limit > 0 && len(shown) > *limit {
		shown = shown[:*limit]
	}
	format := found.Feed.FeedType
	if found.Feed.FeedVersion != "" {
		format += " " + found.Feed.FeedVersion
	}

	if *asJSON {
		out := feedTestJSON{
			URL: redact.URL(found.URL), FoundOn: redact.URL(found.Page), FinalURL: redact.URL(found.Result.FinalURL), Status: found.Result.StatusCode,
			ContentType: found.Result.ContentType, Bytes: len(found.Result.Body),
			ETag: found.Result.ETag, Modified: found.Result.LastModified,
			Format: format, Title: found.Feed.Title, Language: found.Feed.Language, Items: len(entries),
			Shown: []itemTestJSON{},
		}
		for _, e := range shown {
			out.Shown = append(out.Shown, itemTestJSON{Identity: e.Identity, Title: e.Title, Link: e.Link,
				Published: cli.JSONTime(e.Published), Author: e.Author, Categories: e.Categories})
		}
		return cli.WriteJSON(sio.Stdout, out, "  ")
	}

	w := sio.Stdout
	if found.Page != "" {
		fmt.Fprintf(w, "found on:  %s\n", redact.URL(found.Page))
	}
	fmt.Fprintf(w, "feed:      %s\n", redact.URL(found.URL))
	if found.Result.FinalURL != found.URL {
		fmt.Fprintf(w, "fetched:   %s\n", redact.URL(found.Result.FinalURL))
	}
	fmt.Fprintf(w, "title:     %s\n", cli.Cell(found.Feed.Title, 120))
	fmt.Fprintf(w, "format:    %s, %d bytes, HTTP %d in %s\n", format, len(found.Result.Body), found.Result.StatusCode, took.Round(time.Millisecond))
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
		fmt.Fprintf(w, "the page also links to %s%s\n", redact.URL(o.URL), titled(o.Title))
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
