package analysis

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"
)

// feedItem is the text of one item of a fixture feed.
type feedItem struct {
	Title   string `xml:"title"`
	Summary string `xml:"description"`
}

// loadFeedItems reads the items of an RSS 2.0 fixture in testdata/feeds.
func loadFeedItems(tb testing.TB, file string) []feedItem {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "feeds", file))
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Items []feedItem `xml:"channel>item"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	if len(doc.Items) == 0 {
		tb.Fatalf("%s: no items", file)
	}
	return doc.Items
}
