package monitor

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t testing.TB, name string, o ParseOptions) *gofeed.Feed {
	t.Helper()
	feed, err := ParseFeed(readFixture(t, name), o)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return feed
}

// itemText lists the titles and descriptions of a feed's items.
func itemText(feed *gofeed.Feed) []string {
	var out []string
	for _, it := range feed.Items {
		out = append(out, it.Title, it.Description)
	}
	return out
}

func encodeLegacy(t *testing.T, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	b, err := cm.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFeedFormats(t *testing.T) {
	tests := []struct {
		file      string
		wantType  string
		wantItems int
	}{
		{"kan11-hebrew-2026-10-03.xml", "rss", 22},
		{"arab48-arabic-2026-10-03.xml", "rss", 25},
		{"guardian-us-2018.rss", "rss", 55},
		{"heise-developer-2016.atom", "atom", 15},
		{"jsonfeed-1.1-all-fields.json", "json", 1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			feed := parseFixture(t, tc.file, ParseOptions{})
			if feed.FeedType != tc.wantType || len(feed.Items) != tc.wantItems {
				t.Errorf("type %s with %d items, want %s with %d", feed.FeedType, len(feed.Items), tc.wantType, tc.wantItems)
			}
		})
	}
}

// TestParseFeedLegacyEncodings checks that a feed in a legacy code page reads
// exactly like its UTF-8 original, whether the code page is declared in the
// prolog, given by the HTTP Content-Type, or only guessed from the feed's
// language.
func TestParseFeedLegacyEncodings(t *testing.T) {
	arab48 := itemText(parseFixture(t, "arab48-arabic-2026-10-03.xml", ParseOptions{}))
	kan11 := itemText(parseFixture(t, "kan11-hebrew-2026-10-03.xml", ParseOptions{}))
	tests := []struct {
		name string
		file string
		opts ParseOptions
		want []string
	}{
		{name: "windows-1256 in the prolog", file: "DERIVED-arab48-transcoded-windows-1256.xml", want: arab48},
		{name: "windows-1255 in the prolog", file: "DERIVED-kan11-transcoded-windows-1255.xml", want: kan11},
		{name: "windows-1256 declared as UTF-8, Arabic feed", file: "DERIVED-arab48-windows-1256-bytes-declared-utf8.xml",
			opts: ParseOptions{Lang: "ar"}, want: arab48},
		{name: "windows-1256 declared as UTF-8, HTTP charset", file: "DERIVED-arab48-windows-1256-bytes-declared-utf8.xml",
			opts: ParseOptions{ContentType: "text/xml; charset=windows-1256"}, want: arab48},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := itemText(parseFixture(t, tc.file, tc.opts))
			if !slices.Equal(got, tc.want) {
				t.Errorf("decoded text differs from the UTF-8 original\n got %q\nwant %q", got[:2], tc.want[:2])
			}
		})
	}
}

func TestParseFeedCharsets(t *testing.T) {
	const hebrew = "שלום עולם"
	hebrewRSS := func(decl string) string {
		return decl + `<rss version="2.0"><channel><title>` + hebrew + `</title><item><title>` + hebrew + `</title></item></channel></rss>`
	}
	tests := []struct {
		name      string
		body      []byte
		opts      ParseOptions
		wantTitle string // the first item's, else the feed's
	}{
		{name: "ISO-8859-8 in the prolog",
			body:      encodeLegacy(t, charmap.ISO8859_8, hebrewRSS(`<?xml version="1.0" encoding="ISO-8859-8"?>`)),
			wantTitle: hebrew},
		{name: "ISO-8859-8 in Content-Type only",
			body:      encodeLegacy(t, charmap.ISO8859_8, hebrewRSS(`<?xml version="1.0"?>`)),
			opts:      ParseOptions{ContentType: "application/rss+xml; charset=iso-8859-8"},
			wantTitle: hebrew},
		{name: "windows-1255, no declaration, Hebrew feed",
			body:      encodeLegacy(t, charmap.Windows1255, hebrewRSS("")),
			opts:      ParseOptions{Lang: "he-IL"},
			wantTitle: hebrew},
		{name: "a valid UTF-8 body beats a wrong Content-Type",
			body:      []byte(hebrewRSS(`<?xml version="1.0"?>`)),
			opts:      ParseOptions{ContentType: "text/xml; charset=iso-8859-1"},
			wantTitle: hebrew},
		{name: "windows-1252 euro sign", body: readFixture(t, "windows-1252-euro.xml"), wantTitle: "Euro €"},
		{name: "unknown encoding name over UTF-8", body: readFixture(t, "invalid-encoding-name-prolog.xml"), wantTitle: "Café"},
		{name: "ISO-8859-1 prolog over UTF-8", body: readFixture(t, "iso8859-1-prolog-but-utf8-korean.xml"), wantTitle: "Café"},
		{name: "control character dropped", body: readFixture(t, "control-char-0x08-in-title.xml"), wantTitle: "abcd"},
		{name: "Latin-1 without declaration",
			body:      []byte("<rss version=\"2.0\"><channel><item><title>Caf\xe9 cr\xe8me</title></item></channel></rss>"),
			wantTitle: "Café crème"},
		{name: "UTF-8 with a stray byte",
			body:      []byte("<rss version=\"2.0\"><channel><item><title>שלום \xff עולם</title></item></channel></rss>"),
			wantTitle: "שלום \uFFFD עולם"},
		{name: "JSON Feed with invalid UTF-8",
			body:      []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","title":"a` + "\xff" + `b"}]}`),
			wantTitle: "a\uFFFDb"},
		{name: "UTF-16LE with BOM", body: readFixture(t, "utf-16le-with-bom.xml")},
		{name: "UTF-32BE with BOM", body: readFixture(t, "utf-32be-with-bom.xml")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			feed, err := ParseFeed(tc.body, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := feed.Title
			if len(feed.Items) > 0 {
				got = feed.Items[0].Title
			}
			if got != tc.wantTitle {
				t.Errorf("title = %q, want %q", got, tc.wantTitle)
			}
		})
	}

	t.Run("hebrew windows-1255 capture without declaration", func(t *testing.T) {
		feed := parseFixture(t, "hebrew-windows-1255-no-declaration.xml", ParseOptions{Lang: "he"})
		if len(feed.Items) != 1 || !strings.Contains(feed.Items[0].Description, "האם תדפיס נייר") {
			t.Errorf("items = %q", itemText(feed))
		}
	})
	t.Run("latin-1 capture without declaration", func(t *testing.T) {
		feed := parseFixture(t, "cercle-psy-no-decl-iso8859-1.xml", ParseOptions{})
		if len(feed.Items) != 10 || !strings.Contains(strings.Join(itemText(feed), " "), "é") {
			t.Errorf("items = %q", itemText(feed))
		}
	})
}

func TestParseFeedErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{name: "HTML page", body: readFixture(t, "html-document-moved-not-a-feed.rss"), want: "HTML page"},
		{name: "truncated", body: readFixture(t, "truncated-rss-close-tag.xml"), want: "XML syntax error"},
		{name: "empty", body: []byte(" \n"), want: "empty document"},
		{name: "plain text", body: []byte("404 page not found"), want: "does not start with XML"},
		{name: "other XML", body: []byte(`<?xml version="1.0"?><opml version="2.0"/>`), want: "root element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFeed(tc.body, ParseOptions{Feed: "Broken", URL: "https://example.org/feed"})
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Kind != KindParse {
				t.Fatalf("error = %v, want a parse FetchError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, `"Broken"`) || !strings.Contains(msg, "https://example.org/feed") {
				t.Errorf("error %q should say %q and name the feed and URL", msg, tc.want)
			}
		})
	}
}

func TestParseFeedEntityExpansion(t *testing.T) {
	body := []byte(`<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel><item><title>&d;</title></item></channel></rss>`)
	feed, err := ParseFeed(body, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 1 || len(feed.Items[0].Title) > 100 {
		t.Fatalf("items = %d, first title %d bytes: the entity was expanded", len(feed.Items), len(feed.Items[0].Title))
	}
}

// FuzzParseFeed feeds arbitrary bytes through parsing and conversion: it must
// never panic, and what it returns must be usable.
func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{
		"kan11-hebrew-2026-10-03.xml", "heise-developer-2016.atom", "jsonfeed-1.1-all-fields.json",
		"DERIVED-kan11-transcoded-windows-1255.xml", "utf-16le-with-bom.xml", "truncated-rss-close-tag.xml",
	} {
		f.Add(readFixture(f, name), "", "")
	}
	f.Add([]byte(tinyRSS), "text/xml; charset=windows-1256", "ar")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "", "he")
	f.Fuzz(func(t *testing.T, body []byte, contentType, lang string) {
		feed, err := ParseFeed(body, ParseOptions{Feed: "fuzz", URL: "https://example.org/feed", ContentType: contentType, Lang: lang})
		if err != nil {
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Kind != KindParse {
				t.Fatalf("error %v is not a parse FetchError", err)
			}
			return
		}
		for _, e := range Entries(feed, "https://example.org/feed") {
			if e.Identity == "" {
				t.Fatalf("entry without identity: %+v", e)
			}
		}
	})
}
