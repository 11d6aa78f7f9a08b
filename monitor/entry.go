package monitor

import (
	"net/url"
	"slices"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/newswatch/newswatch/internal/canonical"
	"github.com/newswatch/newswatch/internal/model"
)

// Entries converts a parsed feed's items, the document's entries, to
// items in newswatch's terms (an identity, the link made absolute and
// canonicalised, one date), oldest first: dated items by date, then
// undated ones, each group otherwise in the reverse of document order
// (feeds list their newest item first). Of items sharing an identity only
// the first in the document is kept. baseURL is the URL the document came
// from; relative links resolve against it. This is where gofeed's items
// become model.Items.
func Entries(feed *gofeed.Feed, baseURL string) []model.Item {
	out, _ := entries(feed, baseURL)
	return out
}

// entries is Entries with, for each entry, the index of its item in
// feed.Items.
func entries(feed *gofeed.Feed, baseURL string) ([]model.Item, []int) {
	type indexed struct {
		e  model.Item
		at int
	}
	base := parseBase(baseURL)
	lang := strings.TrimSpace(feed.Language)
	all := make([]indexed, 0, len(feed.Items))
	seen := make(map[string]bool, len(feed.Items))
	for i, it := range feed.Items {
		if it == nil {
			continue
		}
		e := model.Item{
			GUID:       strings.TrimSpace(it.GUID),
			Link:       resolveLink(itemLink(it), base),
			Title:      strings.TrimSpace(it.Title),
			Summary:    strings.TrimSpace(it.Description),
			Content:    strings.TrimSpace(it.Content),
			Author:     itemAuthor(it),
			Categories: itemCategories(it.Categories),
			Lang:       lang,
			Published:  itemDate(it),
		}
		e.Canonical = canonical.Link(e.Link)
		e.Identity = identity(e.GUID, e.Canonical, e.Title, e.Summary, e.Published)
		// The identity is of the item as it came; its fields are kept
		// capped (fieldcap.go), so that what follows costs what an item
		// may keep.
		capFields(&e)
		if seen[e.Identity] {
			continue
		}
		seen[e.Identity] = true
		all = append(all, indexed{e, i})
	}
	slices.Reverse(all)
	slices.SortStableFunc(all, func(a, b indexed) int {
		switch {
		case a.e.Published.IsZero() && b.e.Published.IsZero():
			return 0
		case a.e.Published.IsZero():
			return 1
		case b.e.Published.IsZero():
			return -1
		}
		return a.e.Published.Compare(b.e.Published)
	})
	out := make([]model.Item, len(all))
	at := make([]int, len(all))
	for i, x := range all {
		out[i], at[i] = x.e, x.at
	}
	return out, at
}

// itemLink is an item's link; when it has none, a GUID that is an http(s)
// URL (an RSS permalink GUID) stands in.
func itemLink(it *gofeed.Item) string {
	if link := strings.TrimSpace(it.Link); link != "" {
		return link
	}
	for _, l := range it.Links {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	if guid := strings.TrimSpace(it.GUID); strings.HasPrefix(guid, "http://") || strings.HasPrefix(guid, "https://") {
		return guid
	}
	return ""
}

func parseBase(baseURL string) *url.URL {
	u, err := url.Parse(baseURL)
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}

// resolveLink makes a relative link absolute against base (RFC 3986,
// section 5). A link that does not parse is kept as it is.
func resolveLink(link string, base *url.URL) string {
	if link == "" || base == nil {
		return link
	}
	ref, err := url.Parse(link)
	if err != nil || ref.IsAbs() {
		return link
	}
	return base.ResolveReference(ref).String()
}

func itemAuthor(it *gofeed.Item) string {
	people := it.Authors
	if len(people) == 0 && it.Author != nil {
		people = []*gofeed.Person{it.Author}
	}
	for _, p := range people {
		if p == nil {
			continue
		}
		if name := strings.TrimSpace(p.Name); name != "" {
			return name
		}
		if email := strings.TrimSpace(p.Email); email != "" {
			return email
		}
	}
	return ""
}

// itemCategories returns the first MaxCategories non-empty categories,
// trimmed and each capped at MaxCategoryBytes.
func itemCategories(cats []string) []string {
	var out []string
	for _, c := range cats {
		if len(out) == MaxCategories {
			break
		}
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, capField(c, MaxCategoryBytes))
		}
	}
	return out
}
