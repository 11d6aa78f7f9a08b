package dryrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

func TestReadItemsJSONLines(t *testing.T) {
	in := `{"id":"a1","title":"Accords","published":"2026-10-03T09:12:00Z","feed":"Wire"}

{"link":"https://example.com/weather","title":"Weather"}
`
	items, err := readItems(context.Background(), "-", strings.NewReader(in), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Identity != "a1" || items[0].Feed != "Wire" ||
		!items[0].Published.Equal(time.Date(2026, 10, 3, 9, 12, 0, 0, time.UTC)) || items[1].Identity != "https://example.com/weather" {
		t.Errorf("items %+v, %+v", items[0], items[1])
	}

	for _, tc := range []struct{ name, in, want string }{
		{"unknown key", "{\"title\":\"a\"}\n{\"titel\":\"b\"}\n", `standard input:2: unknown key "titel" (the keys are id, title,`},
		{"two values", `{"title":"a"} {"title":"b"}`, "standard input:1: more than one JSON value on the line"},
		{"bad date", `{"published":"yesterday"}`, `standard input:1: "published" "yesterday" is not an RFC 3339 time`},
		{"syntax error", "{\"title\":\"a\"}\n{\"title\": \"b\",}\n", `standard input:2:15: invalid character '}' looking for beginning of object key string`},
		{"syntax error after Arabic", `{"title":"سوريا" x}`, `standard input:1:18: invalid character 'x' after object key:value pair`},
		{"an array", `[{"title":"a"}]`, `standard input:1:1: want one JSON object per line, not an array`},
		{"wrong type", `{"title":5}`, `standard input:1:10: "title" must be a string, not a number`},
		{"object over two lines", "{\"title\":\"a\",\n\"summary\":\"b\"}\n", `standard input:1: the JSON object does not end on this line`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readItems(context.Background(), "-", strings.NewReader(tc.in), "")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %s…", err, tc.want)
			}
		})
	}
}

func TestTry(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "syria", Query: "syria", Feeds: []string{"tag:mideast"}})
	configured := []model.Feed{{Name: "Wire", URL: "https://wire.example/rss", Tags: []string{"mideast"}}}
	const items = `{"title":"Syria"}
{"title":"Syria","feed":"Wire"}
{"title":"Syria","feed":"Other"}
`
	for _, tc := range []struct {
		name  string
		in    Input
		want  []int // matches per item
		feeds []string
	}{
		// An item that names no feed is matched without the feeds
		// selector; the others as the daemon would: the tag is the
		// configured feed's.
		{"no feed", Input{Path: "-", Feeds: configured}, []int{1, 1, 0}, []string{"", "Wire", "Other"}},
		{"a feed given", Input{Path: "-", Feed: "Wire", Feeds: configured}, []int{1, 1, 0}, []string{"Wire", "Wire", "Other"}},
		{"a feed given, no configuration", Input{Path: "-", Feed: "Wire"}, []int{0, 0, 0}, []string{"Wire", "Wire", "Other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Stdin = strings.NewReader(items)
			results, err := Try(context.Background(), set, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				if got := len(results[i].Matches); got != want || results[i].Item.Feed != tc.feeds[i] {
					t.Errorf("item %d: feed %q, %d matches; want %q, %d", i, results[i].Item.Feed, got, tc.feeds[i], want)
				}
			}
		})
	}
	if _, err := Try(context.Background(), set, Input{Path: "-", Stdin: strings.NewReader(items), Feed: "Nope", Feeds: configured}); !errors.Is(err, ErrUnknownFeed) {
		t.Errorf("an unknown feed: %v, want ErrUnknownFeed", err)
	}
	if set.Rules()[0].Feeds == nil {
		t.Error("Try changed the rules it was given")
	}
}

// TestReadItemsJSONLinesOfAnyName checks that a file of JSON Lines is read
// as such whatever its name, with its errors at their line, while a JSON
// Feed file is read as a feed.
func TestReadItemsJSONLinesOfAnyName(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	items, err := readItems(context.Background(), write("items.json", "{\"title\":\"a\"}\n{\"title\":\"b\"}\n"), nil, "")
	if err != nil || len(items) != 2 || items[1].Title != "b" {
		t.Errorf("items.json: %v, %v", items, err)
	}
	bad := write("bad.json", "{\"title\":\"a\"}\n{\"title\": \"b\",}\n")
	if _, err := readItems(context.Background(), bad, nil, ""); err == nil || err.Error() != bad+":2:15: invalid character '}' looking for beginning of object key string" {
		t.Errorf("bad.json: %v", err)
	}
	feed := write("feed.json", `{"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": [{"id": "1", "title": "c"}]}`)
	if items, err := readItems(context.Background(), feed, nil, ""); err != nil || len(items) != 1 || items[0].Title != "c" {
		t.Errorf("feed.json: %v, %v", items, err)
	}
}
