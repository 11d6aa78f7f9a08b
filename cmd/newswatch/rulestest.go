package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	registerGroup("rules", "work with rule files: 'rules test' tries rules on items", rulesDescription,
		subcommand{"test", cmdRulesTest})
}

// fetchTimeout bounds fetching an -input URL.
const fetchTimeout = 30 * time.Second

const rulesDescription = `
Works with rule files.

  rules test -rules PATH -input PATH|URL|- [-json] [-feed NAME]
      Evaluates rules against items from a feed file, a URL or JSON Lines
      and shows which rules match and why. Nothing is stored or sent.

Run 'newswatch rules test -h' for its flags.
`

const rulesTestDescription = `
Evaluates the rules in a rule file or a directory of rule files against
items and prints, for each item, the rules that match it and the words that
made them match. Nothing is stored and nothing is sent: this is how to try a
rule before saving it into the rules directory.

-input is one of:
  a feed file      RSS, Atom or JSON Feed                  -input toi.xml
  a URL            fetched once (http or https)            -input https://www.timesofisrael.com/feed/
  JSON Lines       a .jsonl file, or - for standard input   -input items.jsonl
                   one object per line with any of: id, title, summary,
                   content, link, author, categories, feed, lang,
                   published (RFC 3339)

A rule's feeds selectors apply to items that name a feed: "feed" in JSON
Lines, or -feed for the items that name none. With -config, an item of a
configured feed also has the feed's URL and tags (for "tag:NAME"), and the
items of a URL that a configured feed has come from that feed. Items that
name no feed are evaluated against every rule, as there is no feed to
select.

Exit status: 0 when the items were evaluated (whether or not anything
matched), 1 when the rules or the input are invalid; the errors go to
standard error (rule errors as FILE:LINE:COL: message) and nothing is
printed on standard output.

Examples:
  newswatch rules test -rules rules.d -input feed.xml
  newswatch rules test -rules rules.d/abraham-accords.toml -input https://example.com/rss -json
  echo '{"title":"Syria and Israel near a security agreement"}' | newswatch rules test -rules rules.d -input -
`

// cmdRulesTest is `newswatch rules test`.
func cmdRulesTest(ctx context.Context, args []string, sio *IO) error {
	fs := newFlagSet("rules test", "rules test -rules PATH -input PATH|URL|- [-json] [-feed NAME]", rulesTestDescription, sio.Stderr)
	rulesPath := fs.String("rules", "", "a rule file or a directory of rule files (required)")
	input := fs.String("input", "", "a feed file, an http(s) URL, a .jsonl file, or - for JSON Lines on standard input (required)")
	asJSON := fs.Bool("json", false, "print one JSON object per item, in input order")
	feed := fs.String("feed", "", "the feed that items naming none come from, so that rules' feeds selectors apply")
	configPath := fs.String("config", "", "a configuration file: items of its feeds get their URL, tags and language (only when given)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *rulesPath == "":
		return usageError("-rules is required")
	case *input == "":
		return usageError("-input is required")
	}

	var feeds []config.Feed
	if *configPath != "" {
		cfg, err := config.LoadEnv(*configPath, sio.LookupEnv)
		if err != nil {
			return verbatim{err}
		}
		feeds = cfg.Feeds
	}

	set, diags := rules.LoadPath(*rulesPath)
	set, err := rulesOrError(set, diags, sio.Stderr)
	if err != nil {
		return err
	}
	feedName, feedConfig, err := inputFeed(*feed, *input, feeds)
	if err != nil {
		return err
	}
	var lang string // picks the code page of a feed that is not UTF-8
	if feedConfig != nil {
		lang = feedConfig.Lang
	}
	items, err := readItems(ctx, *input, sio.Stdin, lang)
	if err != nil {
		return err
	}
	assignFeeds(items, feedName, feeds)
	results, err := evaluate(set, items)
	if err != nil {
		return err
	}

	var out bytes.Buffer
	if *asJSON {
		if err := writeJSON(&out, results); err != nil {
			return err
		}
	} else {
		writeReport(&out, results)
	}
	_, err = sio.Stdout.Write(out.Bytes())
	return err
}

// inputFeed returns the name of the feed that items naming none come from,
// as the daemon would see it: the -feed flag's, else the configured feed
// whose URL is the input. It also returns that feed's configuration when
// there is one. configured is nil without -config.
func inputFeed(flagFeed, input string, configured []config.Feed) (string, *config.Feed, error) {
	for i, f := range configured {
		if flagFeed == f.Name || flagFeed == "" && f.URL == input {
			return f.Name, &configured[i], nil
		}
	}
	if flagFeed != "" && configured != nil {
		return "", nil, fmt.Errorf("-feed %q: the configuration has no feed of that name", flagFeed)
	}
	return flagFeed, nil, nil
}

// assignFeeds gives items that name no feed the feed name, and every item
// of a configured feed that feed's URL, tags and language.
func assignFeeds(items []*rules.Item, name string, configured []config.Feed) {
	byName := make(map[string]*config.Feed, len(configured))
	for i := range configured {
		byName[configured[i].Name] = &configured[i]
	}
	for _, it := range items {
		if it.Feed == "" {
			it.Feed = name
		}
		if f := byName[it.Feed]; f != nil {
			it.FeedURL, it.FeedTags, it.FeedLang = f.URL, f.Tags, f.Lang
		}
	}
}

// result is one item and the rules it matched.
type result struct {
	item    *rules.Item
	matches []rules.Match
}

// evaluate matches every item. Items that name no feed are matched against
// the rules without their feeds selectors: with no feed, a selector could
// only ever exclude the item, which is not what trying a rule is about.
func evaluate(set *rules.Set, items []*rules.Item) ([]result, error) {
	var anyFeed *rules.Set
	results := make([]result, len(items))
	for i, it := range items {
		s := set
		if it.Feed == "" {
			if anyFeed == nil {
				var err error
				if anyFeed, err = withoutSelectors(set); err != nil {
					return nil, err
				}
			}
			s = anyFeed
		}
		results[i] = result{item: it, matches: s.Match(it)}
	}
	return results, nil
}

// withoutSelectors returns set with every rule's feeds selectors removed.
func withoutSelectors(set *rules.Set) (*rules.Set, error) {
	var compiled []rules.Compiled
	for _, r := range set.Rules() {
		q, err := rules.ParseQuery(r.Query)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		rc := *r
		rc.Feeds = nil
		compiled = append(compiled, rules.Compiled{Rule: &rc, Query: q})
	}
	return rules.NewSet(compiled), nil
}

// readItems reads the items of input: "-" for JSON Lines on stdin, an
// http(s) URL, a .jsonl file, or a feed file.
func readItems(ctx context.Context, input string, stdin io.Reader, lang string) ([]*rules.Item, error) {
	lower := strings.ToLower(input)
	switch {
	case input == "-":
		return readJSONLines("standard input", stdin)
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		return fetchItems(ctx, input, lang)
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		f, err := os.Open(input)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readJSONLines(input, f)
	}
	body, err := os.ReadFile(input)
	if err != nil {
		return nil, err
	}
	return feedItems(body, monitor.ParseOptions{URL: input, Lang: lang})
}

// fetchItems fetches a feed from url with the daemon's fetcher (timeouts,
// size cap, gzip) and returns its items.
func fetchItems(ctx context.Context, url, lang string) ([]*rules.Item, error) {
	f := monitor.NewFetcher(monitor.FetcherOptions{Timeout: fetchTimeout})
	res, err := f.Fetch(ctx, monitor.FetchRequest{URL: url})
	if err != nil {
		return nil, err
	}
	return feedItems(res.Body, monitor.ParseOptions{URL: url, ContentType: res.ContentType, Lang: lang})
}

// feedItems parses an RSS, Atom or JSON Feed document as the daemon does
// (the same charset detection: with the feed's configured language, a
// mislabelled Arabic feed reads the same) and returns its items in document
// order. An item's ID is its GUID,
// else its link.
func feedItems(body []byte, o monitor.ParseOptions) ([]*rules.Item, error) {
	feed, err := monitor.ParseFeed(body, o)
	if err != nil {
		return nil, err // names the input and says what is wrong
	}
	items := make([]*rules.Item, 0, len(feed.Items))
	for _, fi := range feed.Items {
		it := &rules.Item{
			ID:         fi.GUID,
			Title:      fi.Title,
			Summary:    fi.Description,
			Content:    fi.Content,
			Link:       fi.Link,
			Categories: fi.Categories,
			Lang:       feed.Language,
		}
		if it.ID == "" {
			it.ID = fi.Link
		}
		if len(fi.Authors) > 0 && fi.Authors[0] != nil {
			it.Author = fi.Authors[0].Name
		}
		switch {
		case fi.PublishedParsed != nil:
			it.Published = *fi.PublishedParsed
		case fi.UpdatedParsed != nil:
			it.Published = *fi.UpdatedParsed
		}
		items = append(items, it)
	}
	return items, nil
}

// jsonItem is one line of JSON Lines input.
type jsonItem struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Content    string   `json:"content"`
	Link       string   `json:"link"`
	Author     string   `json:"author"`
	Categories []string `json:"categories"`
	Feed       string   `json:"feed"`
	Lang       string   `json:"lang"`
	Published  string   `json:"published"`
}

// readJSONLines reads one item per line from r, skipping blank lines. An
// item's ID is its "id", else its "link". Unknown keys are errors, so a
// misspelt "titel" is not silently ignored.
func readJSONLines(name string, r io.Reader) ([]*rules.Item, error) {
	var items []*rules.Item
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			it, perr := parseJSONItem(line)
			if perr != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, n, perr)
			}
			items = append(items, it)
		}
		if err != nil {
			return items, nil
		}
	}
}

// parseJSONItem decodes one JSON Lines object.
func parseJSONItem(line []byte) (*rules.Item, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var ji jsonItem
	if err := dec.Decode(&ji); err != nil {
		return nil, fmt.Errorf("not a JSON object of an item: %w", err)
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value on the line")
	}
	it := &rules.Item{
		ID:         ji.ID,
		Title:      ji.Title,
		Summary:    ji.Summary,
		Content:    ji.Content,
		Link:       ji.Link,
		Author:     ji.Author,
		Categories: ji.Categories,
		Feed:       ji.Feed,
		Lang:       ji.Lang,
	}
	if it.ID == "" {
		it.ID = it.Link
	}
	if ji.Published != "" {
		t, err := time.Parse(time.RFC3339, ji.Published)
		if err != nil {
			return nil, fmt.Errorf(`"published" %q is not an RFC 3339 time such as 2026-10-03T09:12:00Z`, ji.Published)
		}
		it.Published = t
	}
	return it, nil
}

// jsonResult is the -json form of a result.
type jsonResult struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Matches []jsonMatch `json:"matches"`
}

type jsonMatch struct {
	Rule string      `json:"rule"`
	Hits []rules.Hit `json:"hits"`
}

// writeJSON writes one JSON object per result.
func writeJSON(w io.Writer, results []result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		jr := jsonResult{ID: r.item.ID, Title: r.item.Title, Matches: make([]jsonMatch, 0, len(r.matches))}
		for _, m := range r.matches {
			hits := m.Hits
			if hits == nil {
				hits = []rules.Hit{}
			}
			jr.Matches = append(jr.Matches, jsonMatch{Rule: m.Rule.Name, Hits: hits})
		}
		if err := enc.Encode(jr); err != nil {
			return err
		}
	}
	return nil
}

// writeReport writes a readable report: each item's title, and under it
// each matching rule with what matched.
func writeReport(w io.Writer, results []result) {
	matched := 0
	for i, r := range results {
		title := oneLine(r.item.Title)
		if title == "" {
			title = "(no title)"
		}
		fmt.Fprintf(w, "[%d] %s\n", i+1, title)
		if r.item.ID != "" {
			fmt.Fprintf(w, "    id: %s\n", r.item.ID)
		}
		if len(r.matches) == 0 {
			fmt.Fprintln(w, "    no rule matched")
			continue
		}
		matched++
		for _, m := range r.matches {
			fmt.Fprintf(w, "    MATCH %s: %s\n", m.Rule.Name, describeHits(m.Hits))
		}
	}
	fmt.Fprintf(w, "\n%d %s, %d matched\n", len(results), plural(len(results), "item", "items"), matched)
}

// describeHits formats hits the way alerts show them:
// "Abraham Accords" (title), normalization (summary).
func describeHits(hits []rules.Hit) string {
	if len(hits) == 0 {
		return "(no positive term)"
	}
	parts := make([]string, len(hits))
	for i, h := range hits {
		text := oneLine(h.Text)
		if text == "" || strings.ContainsAny(text, " \t") {
			text = `"` + text + `"`
		}
		parts[i] = fmt.Sprintf("%s (%s)", text, h.Field)
	}
	return strings.Join(parts, ", ")
}

// oneLine collapses runs of white space, newlines included, to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
