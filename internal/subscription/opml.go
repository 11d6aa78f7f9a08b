package subscription

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/language"

	"github.com/newswatch/newswatch/internal/config"
)

// OPML 2.0 (http://opml.org/spec2.opml) as feed readers use it for
// subscription lists: outlines of type "rss" with an xmlUrl, grouped in
// folder outlines. Readers also write OPML 1.0 and 1.1 files of the same
// shape, which are read the same way.

// opmlDoc is an OPML document.
type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    opmlHead `xml:"head"`
	Body    opmlBody `xml:"body"`
}

type opmlHead struct {
	Title       string `xml:"title,omitempty"`
	DateCreated string `xml:"dateCreated,omitempty"`
	Docs        string `xml:"docs,omitempty"`
}

type opmlBody struct {
	Outlines []opmlOutline `xml:"outline"`
}

// opmlOutline is an outline: a subscription when it has an xmlUrl, a
// folder when it has children.
type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Language string        `xml:"language,attr,omitempty"`
	Category string        `xml:"category,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// maxOPMLBytes bounds the OPML file read.
const maxOPMLBytes = 10 << 20

// Subscription is a feed listed in an OPML file.
type Subscription struct {
	Name string
	URL  string
	Tags []string
	Lang string
}

// ReadOPML reads the subscriptions of an OPML document, in document order.
// The folders a subscription sits in become its tags, and so do the
// entries of its category attribute (comma-separated; of a slash-delimited
// category, its last part). A feed filed in several folders (as Feedly and
// newswatch export a feed with several tags) is one subscription, at its
// first place, with the tags of all.
func ReadOPML(r io.Reader) ([]Subscription, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxOPMLBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxOPMLBytes {
		return nil, fmt.Errorf("larger than %d MiB: not a subscription list", maxOPMLBytes>>20)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not an OPML document: %w", err)
	}
	var feeds []Subscription
	at := map[string]int{} // URL → index in feeds
	var walk func(outlines []opmlOutline, folders []string)
	walk = func(outlines []opmlOutline, folders []string) {
		for _, o := range outlines {
			label := strings.TrimSpace(o.Text)
			if label == "" {
				label = strings.TrimSpace(o.Title)
			}
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				f := Subscription{Name: FeedName(label), URL: u, Lang: opmlLang(o.Language)}
				for _, folder := range folders {
					f.Tags = appendTag(f.Tags, folder)
				}
				for _, c := range strings.Split(o.Category, ",") {
					parts := strings.Split(strings.Trim(strings.TrimSpace(c), "/"), "/")
					f.Tags = appendTag(f.Tags, parts[len(parts)-1])
				}
				if i, dup := at[u]; dup {
					for _, t := range f.Tags {
						feeds[i].Tags = appendTag(feeds[i].Tags, t)
					}
				} else {
					at[u] = len(feeds)
					feeds = append(feeds, f)
				}
			}
			if len(o.Outlines) > 0 {
				walk(o.Outlines, append(folders[:len(folders):len(folders)], label))
			}
		}
	}
	walk(doc.Body.Outlines, nil)
	return feeds, nil
}

// tagChars are the characters a tag may not have (config: letters, digits,
// ".", "_", "-").
var tagChars = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// appendTag makes a tag of a folder or category name ("Middle East" is
// "middle-east") and appends it when it is new.
func appendTag(tags []string, name string) []string {
	t := strings.ToLower(strings.TrimSpace(name))
	t = strings.Trim(tagChars.ReplaceAllString(t, "-"), "-._")
	if t == "" || !unicode.IsLetter([]rune(t)[0]) && !unicode.IsDigit([]rune(t)[0]) {
		return tags
	}
	for _, have := range tags {
		if have == t {
			return tags
		}
	}
	return append(tags, t)
}

// opmlLang keeps the primary language of an OPML language attribute
// ("en-us" is "en"), or "" when it names no known language.
func opmlLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 || strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return ""
	}
	// Keep only codes the configuration accepts: one unknown code would
	// make the whole import invalid.
	if tag, err := language.Parse(s); err != nil || tag == language.Und {
		return ""
	}
	return s
}

// WriteOPML writes feeds as an OPML 2.0 subscription list. Tags are
// folders, which is how feed readers (Feedly, Miniflux, Inoreader,
// NetNewsWire, …) file feeds: a folder outline for each tag, in the order
// the tags first appear, holding the feeds with that tag in the order
// given; a feed with several tags is in each of their folders, and a feed
// without tags is at the top level, after the folders. Each feed's
// outline also lists its tags as its category, which OPML 2.0 reads as
// tags, for readers that keep categories rather than folders.
func WriteOPML(w io.Writer, feeds []config.Feed, now time.Time) error {
	doc := opmlDoc{
		Version: "2.0",
		Head: opmlHead{
			Title:       "newswatch feeds",
			DateCreated: now.UTC().Format(http.TimeFormat), // RFC 822, as OPML asks
			Docs:        "http://opml.org/spec2.opml",
		},
	}
	folders := map[string]int{} // tag → index in doc.Body.Outlines
	var loose []opmlOutline
	for _, f := range feeds {
		o := opmlOutline{
			Text: f.Name, Title: f.Name, Type: "rss", XMLURL: f.URL,
			Language: f.Lang, Category: strings.Join(f.Tags, ","),
		}
		if len(f.Tags) == 0 {
			loose = append(loose, o)
			continue
		}
		for _, tag := range f.Tags {
			i, ok := folders[tag]
			if !ok {
				i = len(doc.Body.Outlines)
				folders[tag] = i
				doc.Body.Outlines = append(doc.Body.Outlines, opmlOutline{Text: tag, Title: tag})
			}
			doc.Body.Outlines[i].Outlines = append(doc.Body.Outlines[i].Outlines, o)
		}
	}
	doc.Body.Outlines = append(doc.Body.Outlines, loose...)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
