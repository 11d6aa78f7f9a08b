package dryrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/monitor"
)

// fetchTimeout bounds fetching a URL given as input.
const fetchTimeout = 30 * time.Second

// readItems reads the items of input: "-" for JSON Lines on stdin, an
// http(s) URL, a .jsonl file, or a feed file. lang is the language of the
// feed the items come from, if known: it picks the code page of a feed
// that is not UTF-8.
func readItems(ctx context.Context, input string, stdin io.Reader, lang string) ([]*model.Item, error) {
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
	if looksLikeJSONLines(body) {
		return readJSONLines(input, bytes.NewReader(body))
	}
	return feedItems(body, monitor.ParseOptions{URL: input, Lang: lang})
}

// looksLikeJSONLines reports whether a file of any name holds JSON Lines
// rather than a feed: it starts with a JSON object, and that object is not
// a JSON Feed (whose "version" names jsonfeed.org near its start).
func looksLikeJSONLines(body []byte) bool {
	text := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\uFEFF")), " \t\r\n")
	return len(text) > 0 && text[0] == '{' && !bytes.Contains(text[:min(len(text), 4096)], []byte("jsonfeed.org"))
}

// fetchItems fetches a feed from url with the daemon's fetcher (timeouts,
// size cap, gzip) and returns its items.
func fetchItems(ctx context.Context, url, lang string) ([]*model.Item, error) {
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
func feedItems(body []byte, o monitor.ParseOptions) ([]*model.Item, error) {
	feed, err := monitor.ParseFeed(body, o)
	if err != nil {
		return nil, err // names the input and says what is wrong
	}
	items := make([]*model.Item, 0, len(feed.Items))
	for _, fi := range feed.Items {
		it := &model.Item{
			Identity:   fi.GUID,
			Title:      fi.Title,
			Summary:    fi.Description,
			Content:    fi.Content,
			Link:       fi.Link,
			Categories: fi.Categories,
			Lang:       feed.Language,
		}
		if it.Identity == "" {
			it.Identity = fi.Link
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
func readJSONLines(name string, r io.Reader) ([]*model.Item, error) {
	var items []*model.Item
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			it, perr := parseJSONItem(line)
			if perr != nil {
				return nil, fmt.Errorf("%s:%s: %v", name, jsonErrorPos(n, line, perr), jsonMessage(perr))
			}
			items = append(items, it)
		}
		if err != nil {
			return items, nil
		}
	}
}

// jsonErrorPos is where on line n (whose text is line) the error err of
// decoding it is: "N:COL", the column counting characters, when the JSON
// decoder tells, else "N".
func jsonErrorPos(n int, line []byte, err error) string {
	var off int64
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		off = se.Offset
	} else if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		off = te.Offset
	}
	if off <= 0 || off > int64(len(line)) {
		return strconv.Itoa(n)
	}
	// The decoder's offset is just past the fault; point at its start.
	col := utf8.RuneCount(line[:off-1]) + 1
	return fmt.Sprintf("%d:%d", n, col)
}

// jsonMessage says what is wrong with a line of JSON Lines in the words of
// the format, not of Go's types.
func jsonMessage(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return fmt.Sprintf("want one JSON object per line, not %s", article(te.Value))
		}
		want := "a string"
		if te.Field == "categories" {
			want = "an array of strings"
		}
		return fmt.Sprintf("%q must be %s, not %s", te.Field, want, article(te.Value))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON object does not end on this line: write each item as one JSON object on one line (JSON Lines)"
	}
	return err.Error()
}

// article puts "a" or "an" before a JSON kind of value.
func article(kind string) string {
	if strings.IndexAny(kind[:min(1, len(kind))], "aeiou") == 0 {
		return "an " + kind
	}
	return "a " + kind
}

// parseJSONItem decodes one JSON Lines object.
func parseJSONItem(line []byte) (*model.Item, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var ji jsonItem
	if err := dec.Decode(&ji); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return nil, fmt.Errorf("unknown key %s (the keys are id, title, summary, content, link, author, categories, feed, lang, published)",
				strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value on the line")
	}
	it := &model.Item{
		Identity:   ji.ID,
		Title:      ji.Title,
		Summary:    ji.Summary,
		Content:    ji.Content,
		Link:       ji.Link,
		Author:     ji.Author,
		Categories: ji.Categories,
		Feed:       ji.Feed,
		Lang:       ji.Lang,
	}
	if it.Identity == "" {
		it.Identity = it.Link
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
