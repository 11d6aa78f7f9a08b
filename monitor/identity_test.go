package monitor

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/canonical"
)

func TestLinkIdentities(t *testing.T) {
	tests := []struct {
		link, identity, legacy string
	}{
		{"HTTPS://Example.ORG:443/News/Item?id=1#comments", "link:https://example.org/News/Item?id=1", ""},
		{"https://example.org/a?utm_source=rss&b=2&a=1", "link:https://example.org/a?a=1&b=2",
			"link:https://example.org/a?utm_source=rss&b=2&a=1"},
		{"https://example.org/story/amp/", "link:https://example.org/story", "link:https://example.org/story/amp/"},
		{"  https://example.org/a  ", "link:https://example.org/a", ""},
		{"/relative/path#frag", "link:/relative/path#frag", ""}, // not absolute: kept as it is
		{"", "", ""},
	}
	for _, tc := range tests {
		canon := canonical.Link(tc.link)
		if got := linkIdentity(canon); got != tc.identity {
			t.Errorf("linkIdentity(canonical.Link(%q)) = %q, want %q", tc.link, got, tc.identity)
		}
		if got := legacyLinkIdentity(tc.link, canon); got != tc.legacy {
			t.Errorf("legacyLinkIdentity(%q) = %q, want %q", tc.link, got, tc.legacy)
		}
	}
}

func TestTextHash(t *testing.T) {
	a := textHash("Talks  Resume", "<p>Israel and Syria</p>")
	if b := textHash("talks resume", "Israel   and Syria"); a != b {
		t.Errorf("case, spaces and markup changed the text hash: %s, %s", a, b)
	}
	if b := textHash("Talks resume in Baku", "Israel and Syria"); a == b {
		t.Error("an edited title kept its text hash")
	}
}

// TestTextHashIsStable pins the text hash of a known text: hashes are
// stored with items, and a hash computed differently would make every
// known item look edited.
func TestTextHashIsStable(t *testing.T) {
	// SHA-256 of "talks resume\nisrael and syria", its first 16 bytes.
	const want = "fbc91589e1e0a01bb50d3e3112432cea"
	if got := textHash("  Talks \t RESUME ", "<p>Israel and <b>Syria</b></p>"); got != want {
		t.Errorf("textHash = %s, want %s", got, want)
	}
}

// TestTextHashMatchesItsDefinition checks the one-pass text hash against
// its definition (normaliseTitle of the title and of the summary without
// HTML) on text that tests lower-casing and white space at their edges:
// letters whose lower case is ASCII, or longer or shorter in UTF-8,
// white space outside ASCII, bytes that are not UTF-8.
func TestTextHashMatchesItsDefinition(t *testing.T) {
	definition := func(title, summary string) string {
		return hashHex(normaliseTitle(title) + "\n" + normaliseTitle(analysis.StripHTML(summary)))[:32]
	}
	pieces := []string{
		"a", "Z", "Syria", "ISRAEL", " ", "  ", "\t", "\n", "\r\n", "\v", "\f",
		"\u00a0", "\u0085", "\u2003", "\u3000", "\u200b", "\ufeff",
		"\u0130", "\u212a", "\u2126", "\u1e9e", "\u023a", "\u0391\u03a3", "\u0418\u0417",
		"\u0633\u0648\u0631\u064a\u0627", "\u05d9\u05e9\u05e8\u05d0\u05dc", "\U0001F600",
		"\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\ufffd",
		"<p>", "</p>", "<br/>", "&amp;", "&nbsp;",
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func() string {
		var b strings.Builder
		for range rnd.IntN(12) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	cases := [][2]string{{"", ""}, {" ", " "}, {"\u00a0x\u00a0", "\u0085"}}
	for _, p := range pieces {
		cases = append(cases, [2]string{p, p}, [2]string{"x" + p + "y", p + "x" + p})
	}
	for range 3000 {
		cases = append(cases, [2]string{random(), random()})
	}
	// Every ASCII byte, and every pair of bytes that starts like a two-byte
	// rune, valid or not, at the end of a title and before more text.
	for c := range 0x80 {
		one := string(rune(c))
		cases = append(cases, [2]string{"A" + one, one + "B c"})
	}
	for c := 0xc0; c < 0xe0; c++ {
		for d := range 0x100 {
			pair := string([]byte{byte(c), byte(d)})
			cases = append(cases, [2]string{"A" + pair, pair + "B c"})
		}
	}
	for _, c := range cases {
		if got, want := textHash(c[0], c[1]), definition(c[0], c[1]); got != want {
			t.Errorf("textHash(%q, %q) = %s, want %s", c[0], c[1], got, want)
		}
		if got, want := string(appendNormalised(nil, c[0])), normaliseTitle(c[0]); got != want {
			t.Errorf("appendNormalised(%q) = %q, want %q", c[0], got, want)
		}
		// An item recorded under a hash identity must keep it.
		for _, date := range []time.Time{{}, time.Date(2026, 10, 3, 9, 0, 0, 0, time.FixedZone("IDT", 3*3600))} {
			text := normaliseTitle(c[0])
			if text == "" {
				text = normaliseTitle(c[1])
			}
			day := ""
			if !date.IsZero() {
				day = date.UTC().Format(time.RFC3339)
			}
			if got, want := hashIdentity(c[0], c[1], date), "hash:"+hashHex(text+"\n"+day); got != want {
				t.Errorf("hashIdentity(%q, %q, %v) = %s, want %s", c[0], c[1], date, got, want)
			}
		}
	}
}

// normaliseTitle is what appendNormalised is held to: a title lower-cased,
// its white space collapsed.
func normaliseTitle(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

func TestIdentity(t *testing.T) {
	date := time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)
	otherZone := date.In(time.FixedZone("IDT", 3*3600))
	hashOf := func(it *gofeed.Item) string { return Identity(it, "https://example.org/feed") }

	tests := []struct {
		name     string
		a, b     *gofeed.Item
		wantSame bool
		prefix   string
	}{
		{name: "GUID wins over link",
			a:        &gofeed.Item{GUID: "tag:example.org,2026:1", Link: "https://example.org/a"},
			b:        &gofeed.Item{GUID: "tag:example.org,2026:1", Link: "https://example.org/b", Title: "edited"},
			wantSame: true, prefix: "guid:"},
		{name: "different GUIDs",
			a: &gofeed.Item{GUID: "1", Link: "https://example.org/a"},
			b: &gofeed.Item{GUID: "2", Link: "https://example.org/a"}, prefix: "guid:"},
		{name: "link spellings",
			a:        &gofeed.Item{Link: "HTTPS://Example.org:443/a/?utm_source=rss#top"},
			b:        &gofeed.Item{Link: "https://example.org/a"},
			wantSame: true, prefix: "link:"},
		{name: "relative link resolved",
			a:        &gofeed.Item{Link: "/a"},
			b:        &gofeed.Item{Link: "https://example.org/a"},
			wantSame: true, prefix: "link:"},
		{name: "title and date, case and spaces",
			a:        &gofeed.Item{Title: "Talks  Resume", PublishedParsed: &date},
			b:        &gofeed.Item{Title: " talks resume ", PublishedParsed: &otherZone},
			wantSame: true, prefix: "hash:"},
		{name: "same title, other date",
			a: &gofeed.Item{Title: "Daily briefing", PublishedParsed: &date},
			b: &gofeed.Item{Title: "Daily briefing"}, prefix: "hash:"},
		{name: "no title: the summary counts",
			a: &gofeed.Item{Description: "one"},
			b: &gofeed.Item{Description: "two"}, prefix: "hash:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := hashOf(tc.a), hashOf(tc.b)
			if (a == b) != tc.wantSame {
				t.Errorf("identities %q and %q: same = %v, want %v", a, b, a == b, tc.wantSame)
			}
			if !strings.HasPrefix(a, tc.prefix) {
				t.Errorf("identity %q does not start with %q", a, tc.prefix)
			}
			if again := hashOf(tc.a); again != a {
				t.Errorf("identity not stable: %q then %q", a, again)
			}
		})
	}

	long := strings.Repeat("x", maxGUIDLength+1)
	if got := hashOf(&gofeed.Item{GUID: long}); !strings.HasPrefix(got, "guid-sha256:") || len(got) > 100 {
		t.Errorf("long GUID identity = %q", got)
	}
}

func TestEntries(t *testing.T) {
	d := func(day int) *time.Time {
		t := time.Date(2026, 10, day, 9, 0, 0, 0, time.UTC)
		return &t
	}
	feed := &gofeed.Feed{
		Language: "he",
		Items: []*gofeed.Item{
			{Title: "undated newest", Link: "/u1"},
			{Title: "third", GUID: "3", PublishedParsed: d(3), Link: "item/3",
				Authors: []*gofeed.Person{{Email: "desk@example.org"}}, Categories: []string{" Politics ", ""}},
			{Title: "first", GUID: "1", UpdatedParsed: d(1), Description: " <p>summary</p> ", Content: "<p>body</p>"},
			nil,
			{Title: "second", GUID: "2", PublishedParsed: d(2), UpdatedParsed: d(9)},
			{Title: "duplicate of second", GUID: "2", PublishedParsed: d(2)},
			{Title: "undated oldest", GUID: "https://example.org/permalink"},
		},
	}
	got := Entries(feed, "https://example.org/news/feed.xml")
	var titles []string
	for _, e := range got {
		titles = append(titles, e.Title)
	}
	want := []string{"first", "second", "third", "undated oldest", "undated newest"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("order = %q, want %q", titles, want)
	}

	first, third, permalink, undated := got[0], got[2], got[3], got[4]
	if !first.Published.Equal(*d(1)) || first.Summary != "<p>summary</p>" || first.Content != "<p>body</p>" || first.Lang != "he" {
		t.Errorf("first = %+v", first)
	}
	if got[1].Published != *d(2) {
		t.Errorf("published date should win over updated: %v", got[1].Published)
	}
	if third.Link != "https://example.org/news/item/3" || third.Author != "desk@example.org" ||
		len(third.Categories) != 1 || third.Categories[0] != "Politics" || third.Identity != "guid:3" {
		t.Errorf("third = %+v", third)
	}
	if permalink.Link != "https://example.org/permalink" || !permalink.Published.IsZero() {
		t.Errorf("permalink GUID should stand in for the link: %+v", permalink)
	}
	if undated.Link != "https://example.org/u1" || undated.Identity != "link:https://example.org/u1" {
		t.Errorf("undated = %+v", undated)
	}
}

func TestEntriesOfFixture(t *testing.T) {
	feed := parseFixture(t, "kan11-hebrew-2026-10-03.xml", ParseOptions{})
	entries := Entries(feed, "https://www.kan.org.il/rss")
	if len(entries) == 0 {
		t.Fatal("no entries")
	}
	for i, e := range entries {
		if e.Identity == "" || e.Title == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if i > 0 && e.Published.Before(entries[i-1].Published) && !e.Published.IsZero() {
			t.Errorf("entry %d published %v before entry %d (%v)", i, e.Published, i-1, entries[i-1].Published)
		}
	}
}
