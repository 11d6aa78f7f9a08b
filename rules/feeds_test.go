package rules

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
)

// loadFeedItems reads the items of an RSS 2.0 fixture in testdata/feeds.
// The feed name is the file name up to the first '-'.
func loadFeedItems(tb testing.TB, file string) []feedItem {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "feeds", file))
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Channel struct {
			Language string `xml:"language"`
			Items    []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				Description string `xml:"description"`
				GUID        string `xml:"guid"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	name, _, _ := strings.Cut(file, "-")
	feed := &model.Feed{Name: name, Lang: doc.Channel.Language}
	var items []feedItem
	for _, x := range doc.Channel.Items {
		items = append(items, feedItem{&model.Item{
			Identity: x.GUID, Title: x.Title, Summary: x.Description, Link: x.Link, Feed: name,
		}, feed})
	}
	if len(items) == 0 {
		tb.Fatalf("%s: no items", file)
	}
	return items
}

// feedItem is an item of a test and its feed (nil for none), what Set.Match
// takes.
type feedItem struct {
	*model.Item
	feed *model.Feed
}
