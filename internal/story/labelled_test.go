package story

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/newswatch/newswatch/internal/story/labelled"
)

// labelledSet is a labelled set as the index sees it: its items, and what
// the report of an evaluation prints about each.
type labelledSet struct {
	items []Labelled
	// about describes each item by ID: outlet, language and title.
	about map[int64]itemInfo
	// corpus is the set as read, corpus.Items[i] the item of ID i+1.
	corpus *labelled.Set
}

type itemInfo struct {
	file, outlet, lang, title string
}

// The directories of the labelled corpus (see package labelled): the first
// labelled set, on which the constants were tuned, the new stories of the
// tuning half, and the test half. Nothing may be tuned on the test half,
// and its texts are never printed.
var (
	firstSetDir   = "testdata"
	tuningDir     = filepath.Join("testdata", "tuning")
	testDir       = filepath.Join("testdata", "heldout")
	backgroundDir = filepath.Join("testdata", "background")
)

// loadLabelled reads the first labelled set (testdata/feeds and
// testdata/labels.tsv) and its background.
func loadLabelled(t testing.TB) *labelledSet {
	t.Helper()
	return loadSet(t, firstSetDir)
}

// loadSet reads the corpus directories dirs and the background, and
// gives every item an ID (in the order read) and every outlet a feed.
// Background items are other news of another day, put in the window as
// seen when the set begins: the other news a window holds around the
// stories, which rarity is measured against. They are stories of their
// own.
func loadSet(t testing.TB, dirs ...string) *labelledSet {
	t.Helper()
	corpus, err := labelled.Load(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	bg, err := labelled.Background(backgroundDir, labelled.Start(corpus.Items))
	if err != nil {
		t.Fatal(err)
	}
	corpus.Items = append(corpus.Items, bg...)
	set := &labelledSet{about: map[int64]itemInfo{}, corpus: corpus}
	feeds := map[string]int64{}
	for i, x := range corpus.Items {
		id := int64(i + 1)
		feed, ok := feeds[x.Outlet]
		if !ok {
			feed = int64(len(feeds) + 1)
			feeds[x.Outlet] = feed
		}
		if x.Outlet == "background" {
			feed = 1001 // as when the background was one file after the feeds
		}
		it := Item{ID: id, Feed: feed, Canonical: x.Canonical, Published: x.Published, Seen: x.Seen,
			Features: Extract(x.Title, x.Summary)}
		set.items = append(set.items, Labelled{Item: it, Label: x.Label})
		set.about[id] = itemInfo{file: x.File, outlet: x.Outlet, lang: x.Lang, title: x.Title}
	}
	return set
}

// stories returns the story Cluster gave each item of the corpus, in the
// corpus's order.
func (s *labelledSet) stories(as []Assignment) []int64 {
	out := make([]int64, len(s.corpus.Items))
	for _, a := range as {
		out[a.Item.ID-1] = a.Story
	}
	return out
}

// parseFeedFile parses the feed document at path.
func parseFeedFile(t testing.TB, path string) *gofeed.Feed {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := gofeed.NewParser().Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// sameLanguage counts pairs of items in one language.
func (s *labelledSet) sameLanguage(a, b *Assignment) bool {
	return s.about[a.Item.ID].lang == s.about[b.Item.ID].lang
}

// written reports whether an item is of the feeds written for the set.
func (s *labelledSet) written(a *Assignment) bool {
	return strings.Contains(s.about[a.Item.ID].file, "-written-")
}

// report describes the wrong pairs of an evaluation.
func (s *labelledSet) report(as []Assignment) string {
	var b strings.Builder
	byStory := map[int64][]*Assignment{}
	for i := range as {
		byStory[as[i].Story] = append(byStory[as[i].Story], &as[i])
	}
	var lines []string
	for i := range as {
		for j := i + 1; j < len(as); j++ {
			a, c := &as[i], &as[j]
			if a.Label == "" || c.Label == "" {
				continue
			}
			switch {
			case a.Label != c.Label && a.Story == c.Story:
				lines = append(lines, fmt.Sprintf("FP %s | %s  (%s %.2f)", s.describe(a), s.describe(c), c.Match.Stage, c.Match.Score))
			case a.Label == c.Label && a.Story != c.Story:
				lines = append(lines, fmt.Sprintf("FN %s | %s  [%s]", s.describe(a), s.describe(c), a.Label))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func (s *labelledSet) describe(a *Assignment) string {
	info := s.about[a.Item.ID]
	return info.outlet + ": " + info.title
}
