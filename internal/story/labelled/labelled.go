// Package labelled reads the labelled story corpus, feed documents whose
// items a person labelled by the news event each reports, and scores a
// grouping of its items against those labels: pairwise precision and
// recall as docs/stories.md defines them, by kind of pair, and the
// hard-negative pairs (two different events of one topic, actors and day)
// that the grouping merged.
//
// A directory of the corpus holds
//
//	feeds/        feed documents (RSS, Atom, JSON Feed) as an outlet published
//	              them; a file is named OUTLET-…, with "-written-" in its name
//	              when it was written for the set rather than captured
//	labels.tsv    FILE<TAB>GUID<TAB>LABEL: the event an item reports
//	hardneg.tsv   LABEL<TAB>LABEL<TAB>KIND: pairs of different events that
//	              share topic, actors and day (optional)
//
// The corpus is split by story into a tuning half and a test half (see
// HalfOf). Two further sets, fresh/ and unseen/, are read the same way but
// belong to neither half: they were written after the grouping's rules
// were fixed, to measure it on news nobody tuned it for. The package does
// not import package story, so that its tests
// and the daemon's end-to-end tests can both use it.
package labelled

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/newswatch/newswatch/internal/canonical"
)

// Unclear is the label of an item whose event is unclear (a round-up of
// several events, a later development): it takes part in grouping, but no
// pair with it is counted.
const Unclear = "?"

// LateSeen is how much older than its document an item's date may be and
// still count as when the item was seen; an older date (a feed
// republishing or misdating an item) counts as seen when the document was
// captured.
const LateSeen = 24 * time.Hour

// Item is one item of the corpus.
type Item struct {
	// Key identifies the item in labels.tsv: its file and GUID, joined by
	// a tab.
	Key string
	// File is the feed document's file name; Outlet its name up to the
	// first "-", which identifies the feed.
	File, Outlet string
	// Lang is the language the document declares ("en", "ar", "he").
	Lang string
	// Written is true for items written for the set, false for real
	// captures (and the background).
	Written bool
	// GUID, Link, Title and Summary are the item's as published (Summary
	// is the description).
	GUID, Link, Title, Summary string
	// Canonical is the canonical form of Link.
	Canonical string
	// Published is the item's date, else the document's; Seen is when the
	// item counts as seen (Published, unless that is more than LateSeen
	// before the document's date).
	Published, Seen time.Time
	// Label is the event the item reports: items of one label are one
	// story. "" marks an unclear item; an item labels.tsv does not list
	// is a story of its own ("solo:" and its key).
	Label string
}

// HardNegative is a pair of different events that share topic, actors and
// day: a grouping that merges them hides one of them.
type HardNegative struct {
	A, B string // the two stories' labels
	// Kind says how they differ: "places", "bodies", "rebuttal",
	// "cancellation", "rounds", "figures", "statements", "dates".
	Kind string
}

// Set is a labelled set: the items of one or more corpus directories, in
// the order of their files (then of the items in each file), and their
// hard-negative pairs.
type Set struct {
	Items         []Item
	HardNegatives []HardNegative
}

// Load reads the corpus directories dirs (feeds/, labels.tsv and, when
// present, hardneg.tsv of each) into one set. Every label of labels.tsv
// must name an item, every hard-negative pair two labels of the set, and
// no item may be read twice.
func Load(dirs ...string) (*Set, error) {
	set := &Set{}
	seen := map[string]string{}
	for _, dir := range dirs {
		labels, err := readLabels(filepath.Join(dir, "labels.tsv"))
		if err != nil {
			return nil, err
		}
		files, err := filepath.Glob(filepath.Join(dir, "feeds", "*"))
		if err != nil {
			return nil, err
		}
		used := map[string]bool{}
		for _, path := range files {
			items, err := ReadFeed(path)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if prev, dup := seen[it.Key]; dup {
					return nil, fmt.Errorf("labelled: %s: item %q also in %s", path, it.GUID, prev)
				}
				seen[it.Key] = path
				label, ok := labels[it.Key]
				switch {
				case !ok:
					label = "solo:" + it.Key
				case label == Unclear:
					label = ""
				}
				used[it.Key] = true
				it.Label = label
				set.Items = append(set.Items, it)
			}
		}
		var missing []string
		for key := range labels {
			if !used[key] {
				missing = append(missing, strings.ReplaceAll(key, "\t", " "))
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			return nil, fmt.Errorf("labelled: %s: no item %s", filepath.Join(dir, "labels.tsv"), strings.Join(missing, ", "))
		}
		pairs, err := readHardNegatives(filepath.Join(dir, "hardneg.tsv"))
		if err != nil {
			return nil, err
		}
		set.HardNegatives = append(set.HardNegatives, pairs...)
	}
	labels := map[string]bool{}
	for _, it := range set.Items {
		labels[it.Label] = true
	}
	for _, p := range set.HardNegatives {
		for _, l := range []string{p.A, p.B} {
			if !labels[l] {
				return nil, fmt.Errorf("labelled: hard-negative pair %s, %s: no item labelled %s", p.A, p.B, l)
			}
		}
	}
	return set, nil
}

// ReadFeed reads the items of the feed document at path, unlabelled.
func ReadFeed(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labelled: %w", err)
	}
	defer f.Close()
	doc, err := gofeed.NewParser().Parse(f)
	if err != nil {
		return nil, fmt.Errorf("labelled: %s: %w", path, err)
	}
	file := filepath.Base(path)
	outlet, _, _ := strings.Cut(file, "-")
	var captured time.Time
	switch {
	case doc.PublishedParsed != nil:
		captured = doc.PublishedParsed.UTC()
	case doc.UpdatedParsed != nil:
		captured = doc.UpdatedParsed.UTC()
	}
	items := make([]Item, 0, len(doc.Items))
	for _, gi := range doc.Items {
		published := captured
		switch {
		case gi.PublishedParsed != nil:
			published = gi.PublishedParsed.UTC()
		case gi.UpdatedParsed != nil && doc.FeedType != "rss":
			published = gi.UpdatedParsed.UTC()
		}
		seen := published
		if !captured.IsZero() && captured.Sub(seen) > LateSeen {
			seen = captured
		}
		items = append(items, Item{
			Key:  file + "\t" + gi.GUID,
			File: file, Outlet: outlet, Lang: doc.Language,
			Written: strings.Contains(file, "-written-"),
			GUID:    gi.GUID, Link: gi.Link, Title: gi.Title, Summary: gi.Description,
			Canonical: canonical.Link(gi.Link),
			Published: published, Seen: seen,
		})
	}
	return items, nil
}

// Background reads the feed documents in dir as other news of the window,
// around the labelled stories, against which rarity is measured: each item
// published and seen at, in English, a story of its own (labelled
// "background:" and its GUID and link), of outlet "background".
func Background(dir string, at time.Time) ([]Item, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, path := range files {
		items, err := ReadFeed(path)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			it.Outlet, it.Lang, it.Written = "background", "en", false
			it.Published, it.Seen = at, at
			it.Label = "background:" + it.GUID + it.Link
			out = append(out, it)
		}
	}
	return out, nil
}

// Start is when the first item of items was seen (zero for none).
func Start(items []Item) time.Time {
	var start time.Time
	for _, it := range items {
		if start.IsZero() || it.Seen.Before(start) {
			start = it.Seen
		}
	}
	return start
}

// readLabels reads FILE<TAB>GUID<TAB>LABEL lines; # starts a comment.
func readLabels(path string) (map[string]string, error) {
	labels := map[string]string{}
	err := eachLine(path, 3, func(n int, f []string) error {
		key := f[0] + "\t" + f[1]
		if _, dup := labels[key]; dup {
			return fmt.Errorf("%s:%d: %s %s labelled twice", path, n, f[0], f[1])
		}
		labels[key] = f[2]
		return nil
	})
	return labels, err
}

// readHardNegatives reads LABEL<TAB>LABEL<TAB>KIND lines, when path exists.
func readHardNegatives(path string) ([]HardNegative, error) {
	var out []HardNegative
	err := eachLine(path, 3, func(n int, f []string) error {
		if f[0] == f[1] {
			return fmt.Errorf("%s:%d: a story paired with itself", path, n)
		}
		out = append(out, HardNegative{A: f[0], B: f[1], Kind: f[2]})
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return out, err
}

// eachLine calls fn with each line of path that is neither blank nor a
// comment, split at tabs into exactly fields fields.
func eachLine(path string, fields int, fn func(n int, f []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("labelled: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != fields {
			return fmt.Errorf("labelled: %s:%d: want %d tab-separated fields, have %d", path, n, fields, len(parts))
		}
		if err := fn(n, parts); err != nil {
			return fmt.Errorf("labelled: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("labelled: %s: %w", path, err)
	}
	return nil
}
