package monitor

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

func TestCapXML(t *testing.T) {
	const limit = 8
	tests := []struct{ name, in, want string }{
		{"short text kept", "<t>12345678</t>", "<t>12345678</t>"},
		{"long text cut", "<t>123456789abc</t>", "<t>12345678</t>"},
		{"runs between tags", "<a>123456789<b>123456789</b></a>", "<a>12345678<b>12345678</b></a>"},
		{"entity not split", "<t>1234567&amp;89</t>", "<t>1234567</t>"},
		{"whole entity kept", "<t>123&amp;456789</t>", "<t>123&amp;</t>"},
		{"character not split", "<t>1234567éé</t>", "<t>1234567</t>"},
		{"CDATA cut", "<t><![CDATA[<p>1234567890</p>]]></t>", "<t><![CDATA[<p>12345]]></t>"},
		{"CDATA counts with the text", "<t>1234<![CDATA[5678ab]]>cd</t>", "<t>1234<![CDATA[5678]]></t>"},
		{"long comment left out", "<t>1<!-- a long comment -->2</t>", "<t>12</t>"},
		{"short comment kept", "<t>1<!--a-->2</t>", "<t>1<!--a-->2</t>"},
		{"attribute cut", `<link href="https://x.example/a">1</link>`, `<link href="https://">1</link>`},
		{"single quotes", `<a b='123456789'/>`, `<a b='12345678'/>`},
		{"> in an attribute", `<a b="1>2" c="3"/>x`, `<a b="1>2" c="3"/>x`},
		{"prolog and declaration kept", `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE rss [<!ENTITY a "]>"><!-- it's -->]><t>123456789</t>`,
			`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE rss [<!ENTITY a "]>"><!-- it's -->]><t>12345678</t>`},
		{"unterminated tag: the rest kept", "<t>123456789</t><a b=\"123456789", "<t>12345678</t><a b=\"123456789"},
		{"unterminated CDATA: the rest kept", "<t><![CDATA[123456789", "<t><![CDATA[123456789"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(capXML([]byte(tc.in), limit)); got != tc.want {
				t.Errorf("capXML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCapJSON(t *testing.T) {
	const limit = 8
	tests := []struct{ name, in, want string }{
		{"short kept", `{"title":"12345678"}`, `{"title":"12345678"}`},
		{"long cut", `{"title":"123456789abc","id":"1"}`, `{"title":"12345678","id":"1"}`},
		{"escape not split", `{"t":"1234567\"89"}`, `{"t":"1234567"}`},
		{"unicode escape not split", `{"t":"123\u202e456"}`, `{"t":"123"}`},
		{"character not split", `{"t":"1234567éé"}`, `{"t":"1234567"}`},
		{"escaped quote is not the end", `{"t":"\"\"\"\"\"\"","u":"x"}`, `{"t":"\"\"\"\"","u":"x"}`},
		{"unterminated: the rest kept", `{"t":"123456789`, `{"t":"123456789`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(capJSON([]byte(tc.in), limit)); got != tc.want {
				t.Errorf("capJSON(%s)\n got %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestCapTextLeavesFeedsAlone checks that documents with no text run over
// the cap come back as they are, the very slice, however long: the fixtures,
// and a generated document of 8,000 ordinary items.
func TestCapTextLeavesFeedsAlone(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>`)
	for i := range 8000 {
		fmt.Fprintf(&b, `<item><guid>%d</guid><title>Item %d &amp; more</title><description><![CDATA[<p>Text of item %d.</p>]]></description></item>`, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	docs := map[string][]byte{"generated": b.Bytes()}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.IsDir() || strings.HasSuffix(f, ".md") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = data
	}
	if len(docs["generated"]) <= maxTextRun {
		t.Fatalf("the generated document (%d bytes) is too short to be scanned", len(docs["generated"]))
	}
	for name, doc := range docs {
		for _, limit := range []int{maxTextRun, len(doc)} {
			var got []byte
			if isJSON(doc) {
				got = capJSON(doc, limit)
			} else {
				got = capXML(doc, limit)
			}
			if len(got) != len(doc) || (len(doc) > 0 && &got[0] != &doc[0]) {
				t.Errorf("%s: cut or copied with limit %d: %d bytes of %d", name, limit, len(got), len(doc))
			}
		}
	}
}

// TestParseFeedCapsHugeText parses documents whose one item has a field
// far longer than any field may keep, in RSS, Atom and JSON Feed.
func TestParseFeedCapsHugeText(t *testing.T) {
	huge := strings.Repeat("Syria and Israel talk. ", (3*maxTextRun)/23)
	docs := map[string]string{
		"rss title":       `<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>` + huge + `</title></item><item><guid>2</guid><title>Small</title></item></channel></rss>`,
		"rss cdata":       `<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>x</title><description><![CDATA[` + huge + `]]></description></item><item><guid>2</guid><title>Small</title></item></channel></rss>`,
		"atom content":    `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id><title>x</title><content>` + huge + `</content></entry><entry><id>2</id><title>Small</title></entry></feed>`,
		"json title":      `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","title":"` + huge + `"},{"id":"2","title":"Small"}]}`,
		"rss author, cat": `<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>x</title><author>` + huge + `</author><category>` + huge + `</category></item><item><guid>2</guid><title>Small</title></item></channel></rss>`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			feed, err := ParseFeed([]byte(doc), ParseOptions{Feed: "Huge"})
			if err != nil {
				t.Fatal(err)
			}
			items := Entries(feed, "https://huge.example/")
			if len(items) != 2 {
				t.Fatalf("%d items, want 2", len(items))
			}
			for _, it := range items {
				for field, v := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.Content, "author": it.Author} {
					if max := map[string]int{"title": MaxTitleBytes, "summary": MaxSummaryBytes, "content": MaxContentBytes, "author": MaxAuthorBytes}[field]; len(v) > max {
						t.Errorf("%s of %s: %d bytes, over %d", field, it.GUID, len(v), max)
					}
					if !utf8.ValidString(v) {
						t.Errorf("%s of %s: not UTF-8 after the cut", field, it.GUID)
					}
				}
				for _, c := range it.Categories {
					if len(c) > MaxCategoryBytes {
						t.Errorf("category of %s: %d bytes", it.GUID, len(c))
					}
				}
			}
			for _, it := range items {
				if it.GUID == "2" && it.Title != "Small" {
					t.Errorf("the item after the huge one has the title %.40q", it.Title)
				}
			}
		})
	}
}

func TestCapFields(t *testing.T) {
	long := strings.Repeat("سوريا ", MaxTitleBytes) // two-byte letters
	cats := make([]string, 100)
	for i := range cats {
		cats[i] = fmt.Sprintf(" c%d %s", i, strings.Repeat("x", MaxCategoryBytes))
	}
	feed := &gofeed.Feed{Items: []*gofeed.Item{{
		GUID: strings.Repeat("g", 3*MaxGUIDBytes), Link: "https://x.example/" + strings.Repeat("a", MaxLinkBytes),
		Title: long, Description: long, Content: long, Authors: []*gofeed.Person{{Name: long}}, Categories: cats,
	}}}
	it := Entries(feed, "")[0]
	if want := Identity(feed.Items[0], ""); it.Identity != want {
		t.Errorf("identity %q, want %q (made from the whole item)", it.Identity, want)
	}
	if len(it.Title) > MaxTitleBytes || !strings.HasSuffix(it.Title, "…") || !strings.HasPrefix(long, strings.TrimSuffix(it.Title, "…")) {
		t.Errorf("title: %d bytes, %q…", len(it.Title), it.Title[:20])
	}
	if len(it.Author) > MaxAuthorBytes || len(it.GUID) > MaxGUIDBytes || it.Link != "" || it.Canonical != "" {
		t.Errorf("author %d bytes, GUID %d bytes, link %q", len(it.Author), len(it.GUID), it.Link)
	}
	if len(it.Categories) != MaxCategories || it.Categories[0][:3] != "c0 " || len(it.Categories[0]) > MaxCategoryBytes {
		t.Errorf("categories: %d, first %q", len(it.Categories), it.Categories[0])
	}
	if short := Entries(&gofeed.Feed{Items: []*gofeed.Item{{Title: "Short"}}}, "")[0]; short.Title != "Short" {
		t.Errorf("a short title became %q", short.Title)
	}
}

// FuzzCapText checks that cutting a document's long text runs keeps it
// what it was: never longer; well-formed XML (as encoding/xml reads it)
// or valid JSON stays so; nothing is cut when nothing is long.
func FuzzCapText(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x>">]><rss a="12345678901"><t>1234&amp;56789<![CDATA[abcdefghijkl]]></t><!-- a comment here --></rss>`), uint8(8))
	f.Add([]byte(`{"title":"12345\u202e6789\"0","items":[{"id":"1"}]}`), uint8(6))
	f.Add([]byte(`<a b='x>y'>é&#x41;€</a>`), uint8(3))
	f.Fuzz(func(t *testing.T, doc []byte, limit uint8) {
		n := int(limit)
		if isJSON(doc) {
			got := capJSON(doc, n)
			if len(got) > len(doc) {
				t.Fatalf("longer: %q", got)
			}
			if json.Valid(doc) && !json.Valid(got) {
				t.Fatalf("valid JSON %q became %q", doc, got)
			}
			return
		}
		got := capXML(doc, n)
		if len(got) > len(doc) {
			t.Fatalf("longer: %q", got)
		}
		if !bytes.Equal(capXML(doc, len(doc)), doc) {
			t.Fatalf("cut with a limit as long as the document: %q", capXML(doc, len(doc)))
		}
		if wellFormed(doc) && !wellFormed(got) {
			t.Fatalf("well-formed %q became %q", doc, got)
		}
	})
}

// wellFormed reports whether encoding/xml reads every token of doc.
func wellFormed(doc []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}
