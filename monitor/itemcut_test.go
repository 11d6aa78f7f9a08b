package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

// cutFixtures are the fixtures of testdata the item cut is tried on, with
// whether the cut must find their items (false: it must be unsure, or
// find what gofeed finds all the same).
var cutFixtures = []struct {
	name string
	cut  bool
}{
	{"guardian-us-2018.rss", true},
	{"heise-developer-2016.atom", true},
	{"arab48-arabic-2026-10-03.xml", true},
	{"kan11-hebrew-2026-10-03.xml", true},
	{"glz-army-radio-hebrew-2026-10-03.xml", true},
	{"DERIVED-arab48-transcoded-windows-1256.xml", true},
	{"DERIVED-arab48-windows-1256-bytes-declared-utf8.xml", true},
	{"DERIVED-kan11-transcoded-windows-1255.xml", true},
	{"craigslist-rss1.0-rdf.rss", true},
	{"heise-rss0.90-netscape-rdf.xml", true},
	{"atom10-xml-base-relative-uri.xml", true},
	{"rss2-item-xml-base-relative.xml", true},
	{"medium-content-encoded-cdata.rss", true},
	{"github-commits-atom-media-thumbnail.xml", true},
	{"ibash-windows-1251.xml", true},
	{"jsonfeed-1.0-example.json", true},
	{"jsonfeed-1.1-all-fields.json", true},
	{"rss2-mixed-text-and-cdata.xml", true},
	{"rss0.92-example-iso8859-1.rss", true},
	{"media-content-undeclared-namespace.xml", true},
	{"utf-16le-with-bom.xml", true},
	{"utf-32be-with-bom.xml", true},
	{"windows-1252-euro.xml", true},
	{"cercle-psy-no-decl-iso8859-1.xml", true},
	{"hebrew-windows-1255-no-declaration.xml", true},
	{"control-char-0x08-in-title.xml", true},
	{"iso8859-1-prolog-but-utf8-korean.xml", true},
	{"invalid-encoding-name-prolog.xml", true},
	{"truncated-rss-close-tag.xml", false},
	{"html-document-moved-not-a-feed.rss", false},
}

// TestCutFixtures cuts the fixtures and checks, for every one cut, that
// gofeed finds an item for each element the cut found, and that the
// document without any choice of its items gives, for the others, exactly
// the items of the whole document (see checkCut).
func TestCutFixtures(t *testing.T) {
	for _, fx := range cutFixtures {
		t.Run(fx.name, func(t *testing.T) {
			text := toUTF8(readFixture(t, fx.name), "", "")
			c, ok := cutDocument(text)
			if ok != fx.cut {
				t.Fatalf("cut: %v, want %v", ok, fx.cut)
			}
			if !ok {
				return
			}
			whole, err := parseText(text, ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(whole.Items) != len(c.items) {
				t.Fatalf("the cut found %d items, gofeed %d", len(c.items), len(whole.Items))
			}
			for _, mask := range []uint64{0, 1, 0b10, 0x5555555555555555, ^uint64(0) - 1, ^uint64(0)} {
				if msg := checkCut(text, c, whole, mask); msg != "" {
					t.Fatalf("mask %x: %s", mask, msg)
				}
			}
		})
	}
}

// TestCutDoubts checks documents the cut must not be sure of: it must
// report a doubt rather than guess.
func TestCutDoubts(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"mismatched end tag", `<rss><channel><title>x</titel><item><title>a</title></item></channel></rss>`},
		{"unclosed element before the items", `<rss><channel><image><url>u</url><item><title>a</title></item></channel></rss>`},
		{"unquoted attribute", `<rss><channel><item><a href=x>y</a></item></channel></rss>`},
		{"attribute without value", `<rss><channel><item checked><title>a</title></item></channel></rss>`},
		{"< in an attribute value", `<rss><channel><item a="<b>"><title>a</title></item></channel></rss>`},
		{"an item in another case", `<rss><channel><Item><title>a</title></Item></channel></rss>`},
		{"a prefixed item", `<rss xmlns:r="x"><channel><r:item><title>a</title></r:item></channel></rss>`},
		{"a prefixed entry", `<feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry><title>a</title></a:entry></feed>`},
		{"items in the root and the channel", `<rss><channel><item><title>a</title></item></channel><item><title>b</title></item></rss>`},
		{"two channels", `<rss><channel><item><title>a</title></item></channel><channel></channel></rss>`},
		{"a second XML declaration", `<rss><channel><item><?xml version="1.0" encoding="windows-1256"?><title>a</title></item></channel></rss>`},
		{"a legacy encoding still declared", `<?xml version="1.0" encoding="iso-2022-jp"?><rss><channel></channel></rss>`},
		{"a DOCTYPE with an internal subset", `<!DOCTYPE rss [<!ENTITY a "b">]><rss><channel></channel></rss>`},
		{"a directive in the document", `<rss><channel><!ELEMENT x ANY><item/></channel></rss>`},
		{"an unterminated comment", `<rss><channel><item><!-- x </item></channel></rss>`},
		{"-- in a comment", `<rss><channel><!-- a -- b --><item/></channel></rss>`},
		{"an unterminated CDATA section", `<rss><channel><item><![CDATA[ x </item></channel></rss>`},
		{"a name with two colons", `<rss><channel><item><a:b:c/></item></channel></rss>`},
		{"an unclosed root", `<rss><channel><item/></channel>`},
		{"not a feed", `<html><body><item/></body></html>`},
		{"a JSON key with an escape", `{"\u0069tems":[{"id":"1"}]}`},
		{"a JSON key encoding/json matches to items", `{"ITEMS":[{"id":"1"}]}`},
		{"two JSON items members", `{"items":[{"id":"1"}],"items":[{"id":"2"}]}`},
		{"a JSON item that is not an object", `{"items":[{"id":"1"},null]}`},
		{"a JSON trailing comma", `{"items":[{"id":"1"},]}`},
		{"a JSON missing comma", `{"items":[{"id":"1"} {"id":"2"}]}`},
		{"an unterminated JSON string", `{"items":[{"id":"1}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, ok := cutDocument([]byte(tc.doc)); ok {
				t.Fatalf("cut %q into %d items; want a doubt", tc.doc, len(c.items))
			}
		})
	}
}

// TestCutFinds checks where the cut finds the items of small documents.
func TestCutFinds(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		items     []string
	}{
		{"RSS 2.0", `<?xml version="1.0"?><!-- c --><?xml-stylesheet href="s"?><rss version="2.0"><channel><title>t</title>` +
			`<item><title>a</title></item> <item/><item x='1' y = "2" ><b><item>inner</item></b><![CDATA[</item>]]><!--</item>--></item></channel></rss>trailing`,
			[]string{`<item><title>a</title></item>`, `<item/>`, `<item x='1' y = "2" ><b><item>inner</item></b><![CDATA[</item>]]><!--</item>--></item>`}},
		{"RSS 1.0", `<rdf:RDF xmlns:rdf="r" xmlns="http://purl.org/rss/1.0/"><channel><items/></channel><item rdf:about="a"><title>a</title></item></rdf:RDF>`,
			[]string{`<item rdf:about="a"><title>a</title></item>`}},
		{"Atom", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://x/"><title>t</title><entry><id>1</id></entry><entry><id>2</id></entry></feed>`,
			[]string{`<entry><id>1</id></entry>`, `<entry><id>2</id></entry>`}},
		{"a DOCTYPE", `<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss><channel><item/></channel></rss>`,
			[]string{`<item/>`}},
		{"JSON Feed", `{"version":"1","title":"t","items" : [ {"id":"1","x":[1,{"y":"]}"}]} , {"id":"2"} ],"home_page_url":"h"}`,
			[]string{`{"id":"1","x":[1,{"y":"]}"}]}`, `{"id":"2"}`}},
		{"JSON Feed without items", `{"version":"1","title":"t"}`, nil},
		{"JSON Feed with no items", `{"items":[]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := cutDocument([]byte(tc.doc))
			if !ok {
				t.Fatal("unsure")
			}
			var got []string
			for _, s := range c.items {
				got = append(got, tc.doc[s.start:s.end])
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.items) {
				t.Fatalf("items %q, want %q", got, tc.items)
			}
		})
	}
}

// checkCut parses text (cut as c, whole as whole) without the items that
// mask leaves out (item i when bit i%64 is set), and reports how the
// items that stay differ from the whole document's, "" when they do not.
func checkCut(text []byte, c *docCut, whole *gofeed.Feed, mask uint64) string {
	skip := make([]bool, len(c.items))
	var kept []int
	for i := range skip {
		if skip[i] = mask&(1<<(i%64)) != 0; !skip[i] {
			kept = append(kept, i)
		}
	}
	reduced := c.without(skip)
	part, err := parseText(reduced, ParseOptions{})
	if err != nil {
		return fmt.Sprintf("the document without some items does not parse: %v\n%s", err, reduced)
	}
	if len(part.Items) != len(kept) {
		return fmt.Sprintf("the document without some items has %d items, want %d", len(part.Items), len(kept))
	}
	if part.Language != whole.Language {
		return fmt.Sprintf("language %q, want %q", part.Language, whole.Language)
	}
	for i, k := range kept {
		if got, want := itemJSON(part.Items[i]), itemJSON(whole.Items[k]); got != want {
			return fmt.Sprintf("item %d differs:\n%s\nwant\n%s", k, got, want)
		}
	}
	return ""
}

// itemJSON is an item (or a feed) as JSON: its dates compare by value,
// not by location pointer as reflect.DeepEqual would.
func itemJSON(it any) string {
	b, err := json.Marshal(it)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// FuzzItemCut checks the item cut on real and generated documents:
//
//   - a document cut into items, and parsed whole into as many, parses
//     without any choice of its items (mask) into exactly the same other
//     items (checkCut);
//   - with other bytes (extra) between its head and its first item, a
//     document with the same head gives, for the items whose bytes are the
//     same, the same items: what an item gives depends only on its bytes
//     and the head, which is what the item memo relies on.
func FuzzItemCut(f *testing.F) {
	for _, fx := range cutFixtures {
		body, err := os.ReadFile(filepath.Join("testdata", fx.name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, uint64(0b1011), []byte("<title>changed</title>"))
	}
	for i, doc := range generatedFeeds() {
		f.Add(doc, uint64(i)*0x9E3779B97F4A7C15, []byte(`<item><title>extra</title></item>`))
	}
	f.Add([]byte(`{"items":[{"id":"1"},{"id":"2","title":"b"}]}`), uint64(1), []byte(`{"id":"x"},`))

	f.Fuzz(func(t *testing.T, body []byte, mask uint64, extra []byte) {
		text := toUTF8(body, "", "")
		c, ok := cutDocument(text)
		if !ok {
			return
		}
		whole, err := parseText(text, ParseOptions{})
		if err != nil || len(whole.Items) != len(c.items) {
			return // no memo is made of such a document
		}
		if msg := checkCut(text, c, whole, mask); msg != "" {
			t.Fatal(msg)
		}
		if len(c.items) == 0 {
			return
		}
		// The same items after other bytes.
		at := c.items[0].start
		other := append(append(append([]byte{}, text[:at]...), extra...), text[at:]...)
		oc, ok := cutDocument(other)
		if !ok || !sameHead(c, oc) {
			return
		}
		owhole, err := parseText(other, ParseOptions{})
		if err != nil || len(owhole.Items) != len(oc.items) {
			return
		}
		bySum := map[[16]byte]string{}
		for i, s := range c.items {
			bySum[itemSum(text[s.start:s.end])] = itemJSON(whole.Items[i])
		}
		for i, s := range oc.items {
			want, ok := bySum[itemSum(other[s.start:s.end])]
			if got := itemJSON(owhole.Items[i]); ok && got != want {
				t.Fatalf("an item's bytes after other bytes give\n%s\nwant\n%s", got, want)
			}
		}
	})
}

// sameHead reports whether two cuts have the same syntax and head.
func sameHead(a, b *docCut) bool {
	if a.format != b.format || len(a.head) != len(b.head) {
		return false
	}
	for i := range a.head {
		if !bytes.Equal(a.head[i], b.head[i]) {
			return false
		}
	}
	return true
}

// generatedFeeds are documents of the shapes the cut must handle:
// namespaces declared on the root and the channel, xml:base, CDATA,
// entities, comments, legacy encodings, RSS 1.0, Atom, JSON Feed.
func generatedFeeds() [][]byte {
	when := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var docs [][]byte
	item := func(i int) string {
		return fmt.Sprintf(`<item xml:base="/section%d/"><title><![CDATA[Report <b>%d</b> &amp; more]]></title>`+
			`<link>story-%d.html</link><guid isPermaLink="false">g-%d</guid><dc:creator>Desk</dc:creator>`+
			`<description>سوريا وإسرائيل &#x05D0; &amp; <!-- note --> talks %d</description>`+
			`<media:content url="img/%d.jpg"/><pubDate>%s</pubDate></item>`+"\n",
			i%3, i, i, i, i, i, when.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z))
	}
	var rss strings.Builder
	rss.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xml:base="https://news.example/">` +
		`<channel xmlns:media="http://search.yahoo.com/mrss/"><title>t</title><language>ar</language>` + "\n")
	for i := range 8 {
		rss.WriteString(item(i))
	}
	rss.WriteString("</channel></rss>\n")
	docs = append(docs, []byte(rss.String()))

	// The same in legacy code pages, declared in the prolog.
	for _, enc := range []struct {
		label string
		cm    *charmap.Charmap
		text  string
	}{
		{"windows-1256", charmap.Windows1256, "سوريا وإسرائيل"},
		{"ISO-8859-8", charmap.ISO8859_8, "סוריה וישראל"},
	} {
		doc := strings.Replace(rss.String(), `encoding="UTF-8"`, `encoding="`+enc.label+`"`, 1)
		doc = strings.ReplaceAll(doc, "سوريا وإسرائيل", enc.text)
		doc = strings.ReplaceAll(doc, "&#x05D0;", "")
		if b, err := enc.cm.NewEncoder().Bytes([]byte(doc)); err == nil {
			docs = append(docs, b)
		}
	}

	var atom strings.Builder
	atom.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/a/" xml:lang="he">` +
		`<title>t</title><updated>2026-11-26T12:00:00Z</updated>`)
	for i := range 6 {
		fmt.Fprintf(&atom, `<entry xml:base="e%d/"><id>tag:x,2026:%d</id><title type="html">&lt;b&gt;%d&lt;/b&gt;</title>`+
			`<link href="p.html"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="rel">x</a></div></content>`+
			`<updated>2026-11-26T%02d:00:00Z</updated></entry>`, i, i, i, i)
	}
	atom.WriteString("</feed>")
	docs = append(docs, []byte(atom.String()))

	var rdf strings.Builder
	rdf.WriteString(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" ` +
		`xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="c"><title>t</title>` +
		`<items><rdf:Seq><rdf:li rdf:resource="1"/></rdf:Seq></items></channel>`)
	for i := range 5 {
		fmt.Fprintf(&rdf, `<item rdf:about="https://news.example/%d"><title>%d</title><link>https://news.example/%d</link><dc:date>2026-11-26T%02d:00:00Z</dc:date></item>`, i, i, i, i)
	}
	rdf.WriteString("</rdf:RDF>")
	docs = append(docs, []byte(rdf.String()))

	var js strings.Builder
	js.WriteString(`{"version":"https://jsonfeed.org/version/1.1","title":"t","language":"ar","items":[`)
	for i := range 5 {
		if i > 0 {
			js.WriteString(",\n")
		}
		fmt.Fprintf(&js, `{"id":%d,"url":"https://news.example/%d","title":"\u0633 %d","content_html":"<p>]}</p>","date_published":"2026-11-26T%02d:00:00Z"}`, i, i, i, i)
	}
	js.WriteString(`],"home_page_url":"https://news.example/"}`)
	docs = append(docs, []byte(js.String()))
	return docs
}
