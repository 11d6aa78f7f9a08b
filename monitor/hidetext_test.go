package monitor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// cdataArticle is an HTML article longer than minHiddenText.
var cdataArticle = strings.Repeat("<p>Delegations of Syria &amp; Israel met in Baku; \"talks\" <b>resumed</b>.</p>\n", 4)

// plainArticle is text with no reference, longer than minHiddenText.
var plainArticle = strings.Repeat("Delegations of Syria and Israel met in Baku; talks resumed > \"later\".\r\n", 3)

// hiddenDocs are documents with texts hideText hides, or must
// not, named.
var hiddenDocs = []struct {
	name   string
	doc    string
	hidden int // sections hideText hides
}{
	{"rss content and description", `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>` +
		`<description>  <![CDATA[` + cdataArticle + `]]>  </description>` +
		`<item><title>a</title><description><![CDATA[` + cdataArticle + `]]></description>` +
		`<content:encoded>` + "\n  " + `<![CDATA[` + cdataArticle + `]]></content:encoded></item>` +
		`<item><title>b</title><description>text &amp; <![CDATA[` + cdataArticle + `]]> more</description>` +
		`<content:encoded><![CDATA[` + cdataArticle + `]]> tail &lt;b&gt; <![CDATA[` + cdataArticle + `]]></content:encoded></item>` +
		"</channel></rss>", 4},
	{"line breaks of every kind", "<rss version=\"2.0\"><channel><item><title>a</title><description><![CDATA[" +
		strings.ReplaceAll(cdataArticle, "\n", "\r\n") + "\r" + cdataArticle + "]]></description></item></channel></rss>", 1},
	{"atom summary and content", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>` +
		`<entry><id>1</id><title>a</title><summary type="html"><![CDATA[` + cdataArticle + `]]></summary>` +
		`<content type="html"><![CDATA[` + cdataArticle + `]]></content></entry>` +
		`<entry><id>2</id><title>b</title><content type="xhtml"><![CDATA[` + cdataArticle + `]]></content></entry>` +
		`<entry><id>3</id><title>c</title><content type="text" src="x"><![CDATA[` + cdataArticle + `]]></content></entry></feed>`, 4},
	{"atom with xml:base", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/"><title>t</title>` +
		`<entry><id>1</id><title>a</title><content type="html"><![CDATA[<a href="rel">x</a>` + cdataArticle + `]]></content></entry></feed>`, 0},
	{"short sections", `<rss version="2.0"><channel><item><title><![CDATA[a title]]></title>` +
		`<description><![CDATA[short]]></description></item></channel></rss>`, 0},
	{"sections of other elements", `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>` +
		`<image><url>u</url><description><![CDATA[` + cdataArticle + `]]></description></image>` +
		`<item><title><![CDATA[` + cdataArticle + `]]></title><guid><![CDATA[` + cdataArticle + `]]></guid>` +
		`<media:description><![CDATA[` + cdataArticle + `]]></media:description>` +
		`<description>lead <b>x</b><![CDATA[` + cdataArticle + `]]></description></item></channel></rss>`, 1},
	{"a field in a comment and an attribute", `<rss version="2.0"><channel><!-- <description><![CDATA[` + cdataArticle + `]]> -->` +
		`<item a="<description>" b='>'><title>x</title><description/><![CDATA[` + cdataArticle + `]]></item></channel></rss>`, 0},
	{"a section the document does not end", `<rss version="2.0"><channel><item><description><![CDATA[` + cdataArticle, 0},
	{"an element in another case", `<rss version="2.0"><channel><item><Description><![CDATA[` + cdataArticle + `]]></Description>` +
		`<description><![CDATA[` + cdataArticle + `]]></description></item></channel></rss>`, 1},
	{"the marker in the document", `<rss version="2.0"><channel><item><title>` + markOpen + `</title><description><![CDATA[` +
		cdataArticle + `]]></description></item></channel></rss>`, 0},
	{"a description twice", `<rss version="2.0"><channel><item><title>x</title><description><![CDATA[` + cdataArticle + `]]></description>` +
		`<description><![CDATA[other ` + cdataArticle + `]]></description></item></channel></rss>`, 2},
	{"a character XML forbids", "<rss version=\"2.0\"><channel><item><description><![CDATA[\x01" + cdataArticle + "]]></description></item></channel></rss>", 0},
	{"invalid UTF-8", "<rss version=\"2.0\"><channel><item><description><![CDATA[\xff" + cdataArticle + "]]></description></item></channel></rss>", 0},
	{"a syntax error after a section", "<rss version=\"2.0\"><channel><item><description><![CDATA[" + cdataArticle +
		"]]></description><title>a</b></item></channel></rss>", 1},
	{"plain text", "<rss version=\"2.0\"><channel><item><title>a</title><description> \u00a0" + plainArticle + "\u00a0\n</description>" +
		"<content:encoded>" + plainArticle + "</content:encoded></item>" +
		"<item><title>b</title><description>" + plainArticle + " &amp; more</description>" +
		"<description kind=\"x\">" + plainArticle + "</description><content:encoded>" + plainArticle + "<b>x</b></content:encoded>" +
		"<description>" + plainArticle + "]]&gt;</description></item></channel></rss>", 2},
	{"atom text", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>` +
		`<entry><id>1</id><title>a</title><summary>` + plainArticle + `</summary><content type="html">` + plainArticle + `</content></entry>` +
		`<entry><id>2</id><title>b</title><content mode="base64">` + strings.Repeat("QUJD", 40) + `</content></entry>` +
		`<entry><id>3</id><title>c</title><content >` + strings.Repeat("QUJD", 40) + `</content></entry></feed>`, 2},
	{"json", `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<description><![CDATA[` +
		strings.ReplaceAll(cdataArticle, "\"", "'") + `]]>"}]}`, 0},
}

// TestHideText checks that hideText hides the sections it may hide and
// only those, and that parseText then gives exactly what gofeed gives for
// the document as it is (sameParse).
func TestHideText(t *testing.T) {
	for _, c := range hiddenDocs {
		t.Run(c.name, func(t *testing.T) {
			doc := []byte(c.doc)
			lean, hidden := hideText(doc)
			if len(hidden) != c.hidden {
				t.Errorf("hideText hid %d sections, want %d:\n%s", len(hidden), c.hidden, lean)
			}
			if len(hidden) > 0 && len(lean) >= len(doc) {
				t.Errorf("the document with hidden sections is %d bytes, the document %d", len(lean), len(doc))
			}
			if msg := sameParse(doc); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestHideTextFixtures checks parseText against gofeed on the documents
// of testdata and generated ones, and that the sections of a real feed's
// articles are hidden.
func TestHideTextFixtures(t *testing.T) {
	for _, fx := range cutFixtures {
		t.Run(fx.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", fx.name))
			if err != nil {
				t.Fatal(err)
			}
			if msg := sameParse(toUTF8(body, "", "")); msg != "" {
				t.Error(msg)
			}
		})
	}
	for i, doc := range generatedFeeds() {
		if msg := sameParse(toUTF8(doc, "", "")); msg != "" {
			t.Errorf("generated document %d: %s", i, msg)
		}
	}
	body, err := os.ReadFile(filepath.Join("testdata", "medium-content-encoded-cdata.rss"))
	if err != nil {
		t.Fatal(err)
	}
	if _, hidden := hideText(body); len(hidden) != 7 {
		t.Errorf("hideText hid %d sections of medium-content-encoded-cdata.rss, want its 7 items' articles", len(hidden))
	}
	// One description of 121 bytes would be hidden, not worth a copy of
	// the document's 151 KB.
	if body, err = os.ReadFile(filepath.Join("testdata", "guardian-us-2018.rss")); err != nil {
		t.Fatal(err)
	}
	if lean, hidden := hideText(body); len(hidden) != 0 || &lean[0] != &body[0] {
		t.Errorf("hideText hid %d texts of guardian-us-2018.rss, want none", len(hidden))
	}
}

// sameParse reports how parseText of text differs from gofeed's parse
// of the document as it is (capped as parseText caps it), "" when it
// does not: the same feed, or an error that says the same.
func sameParse(text []byte) string {
	want, wantErr := parseGofeed(capText(text))
	got, err := parseText(text, ParseOptions{})
	switch {
	case wantErr != nil && err == nil:
		return fmt.Sprintf("parseText did not fail, gofeed did: %v", wantErr)
	case wantErr != nil:
		// parseText says in its own words that a document is empty or
		// not a feed; any other error is gofeed's on the document as it
		// is, its lines included.
		if !strings.Contains(err.Error(), wantErr.Error()) && !errors.Is(wantErr, gofeed.ErrFeedTypeNotDetected) {
			return fmt.Sprintf("parseText's error %q does not say gofeed's %q", err, wantErr)
		}
		return ""
	case err != nil:
		return fmt.Sprintf("parseText failed, gofeed did not: %v", err)
	}
	if g, w := itemJSON(got), itemJSON(want); g != w {
		return fmt.Sprintf("parseText gives\n%s\ngofeed gives\n%s", g, w)
	}
	return ""
}

// FuzzHideText checks that parseText, which hides CDATA sections from
// gofeed, gives what gofeed gives for the document as it is.
func FuzzHideText(f *testing.F) {
	for _, c := range hiddenDocs {
		f.Add([]byte(c.doc))
	}
	for _, fx := range cutFixtures {
		body, err := os.ReadFile(filepath.Join("testdata", fx.name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if msg := sameParse(toUTF8(body, "", "")); msg != "" {
			t.Fatal(msg)
		}
	})
}
