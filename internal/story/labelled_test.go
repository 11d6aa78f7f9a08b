package story

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/newswatch/newswatch/internal/canonical"
)

// labelledSet is the labelled set: its items, and what the report of an
// evaluation prints about each.
type labelledSet struct {
	items []Labelled
	// about describes each item by ID: outlet, language and title.
	about map[int64]itemInfo
}

type itemInfo struct {
	file, outlet, lang, title string
}

// lateSeen is how much older than its document an item's date may be and
// still count as when the item was seen; an older date (a feed republishing
// or misdating an item) counts as seen when the document was captured.
const lateSeen = 24 * time.Hour

// loadLabelled reads testdata/feeds and testdata/labels.tsv.
func loadLabelled(t testing.TB) *labelledSet {
	t.Helper()
	labels := readLabels(t, filepath.Join("testdata", "labels.tsv"))
	files, err := filepath.Glob(filepath.Join("testdata", "feeds", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	set := &labelledSet{about: map[int64]itemInfo{}}
	outlets := map[string]int64{}
	used := map[string]bool{}
	var id int64
	for _, path := range files {
		file := filepath.Base(path)
		outlet, _, _ := strings.Cut(file, "-")
		feedID, ok := outlets[outlet]
		if !ok {
			feedID = int64(len(outlets) + 1)
			outlets[outlet] = feedID
		}
		doc := parseFeedFile(t, path)
		var captured time.Time
		if doc.PublishedParsed != nil {
			captured = *doc.PublishedParsed
		} else if doc.UpdatedParsed != nil {
			captured = *doc.UpdatedParsed
		}
		for _, gi := range doc.Items {
			id++
			published := captured
			if gi.PublishedParsed != nil {
				published = gi.PublishedParsed.UTC()
			}
			seen := published
			if !captured.IsZero() && captured.Sub(seen) > lateSeen {
				seen = captured
			}
			key := file + "\t" + gi.GUID
			label, ok := labels[key]
			switch {
			case !ok:
				label = "solo:" + key
			case label == "?":
				label = ""
			}
			used[key] = true
			it := Item{
				ID:        id,
				Feed:      feedID,
				Canonical: canonical.Link(gi.Link),
				Published: published,
				Seen:      seen,
				Features:  Extract(gi.Title, gi.Description),
			}
			set.items = append(set.items, Labelled{Item: it, Label: label})
			set.about[id] = itemInfo{file: file, outlet: outlet, lang: doc.Language, title: gi.Title}
		}
	}
	for key := range labels {
		if !used[key] {
			t.Errorf("labels.tsv: no item %q", key)
		}
	}
	set.addBackground(t, &id)
	return set
}

// addBackground adds the items of testdata/background, other news of
// another day, as if seen when the labelled set begins: the other news a
// window holds around the stories, which rarity is measured against. They
// are stories of their own.
func (set *labelledSet) addBackground(t testing.TB, id *int64) {
	t.Helper()
	var start time.Time
	for _, l := range set.items {
		if start.IsZero() || l.Item.Seen.Before(start) {
			start = l.Item.Seen
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "background", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		doc := parseFeedFile(t, path)
		file := filepath.Base(path)
		for _, gi := range doc.Items {
			*id++
			it := Item{ID: *id, Feed: 1000 + int64(len(files)), Canonical: canonical.Link(gi.Link),
				Published: start, Seen: start, Features: Extract(gi.Title, gi.Description)}
			set.items = append(set.items, Labelled{Item: it, Label: "background:" + gi.GUID + gi.Link})
			set.about[*id] = itemInfo{file: file, outlet: "background", lang: "en", title: gi.Title}
		}
	}
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

// readLabels reads FILE<TAB>GUID<TAB>LABEL lines; # starts a comment.
func readLabels(t testing.TB, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("%s:%d: want FILE<TAB>GUID<TAB>LABEL", path, n)
		}
		key := parts[0] + "\t" + parts[1]
		if _, dup := labels[key]; dup {
			t.Fatalf("%s:%d: %s labelled twice", path, n, key)
		}
		labels[key] = parts[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return labels
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
