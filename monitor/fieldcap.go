package monitor

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/model"
)

// The most bytes of each field of an item that newswatch keeps. Longer
// text is cut (at a character boundary, ending with "…") where gofeed's
// items become newswatch's (Entries), so that what the rules, the story
// index, the store and the notifiers do with an item costs in proportion
// to these sizes, not to what a feed sends: one 9 MiB title cost 400 MB
// on its way through the matcher and the story index before.
const (
	MaxTitleBytes    = 2 << 10   // 2 KiB: a headline
	MaxSummaryBytes  = 256 << 10 // 256 KiB: a description, often a whole article's HTML
	MaxContentBytes  = 256 << 10 // 256 KiB: content:encoded, Atom content
	MaxAuthorBytes   = 512       // one name, or a few
	MaxCategoryBytes = 256       // each category
	MaxCategories    = 64        // categories kept per item, the first ones
	// MaxGUIDBytes and MaxLinkBytes bound the identifiers as they are
	// kept and shown; the item's identity is made before, from the
	// whole (a GUID longer than 256 bytes by its hash). A longer link is
	// not a usable link and is dropped.
	MaxGUIDBytes = 2 << 10
	MaxLinkBytes = 8 << 10
)

// maxTextRun is the most bytes of one run of text that a document hands
// to gofeed (see capText): twice the largest field, so that escaped HTML
// (&lt;p&gt;) that decodes to a whole field is never cut short by it.
const maxTextRun = 2 * MaxContentBytes

// capField returns s cut to at most limit bytes, at a character boundary,
// ending with "…", and copied, so that the long string it was cut from can
// be freed. s itself is returned when it fits.
func capField(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	n := limit - len(ellipsis)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.Clone(strings.TrimSpace(s[:n])) + ellipsis
}

// capFields caps the fields of e. Its identity was made first, from the
// whole text, as it always was.
func capFields(e *model.Item) {
	e.GUID = capField(e.GUID, MaxGUIDBytes)
	if len(e.Link) > MaxLinkBytes {
		// Cut, it would lead elsewhere.
		e.Link, e.Canonical = "", ""
	}
	e.Title = capField(e.Title, MaxTitleBytes)
	e.Summary = capField(e.Summary, MaxSummaryBytes)
	e.Content = capField(e.Content, MaxContentBytes)
	e.Author = capField(e.Author, MaxAuthorBytes)
}

// capText returns the document text with every run of text longer than
// maxTextRun cut to it: character data between two tags, a CDATA section,
// an attribute value, a JSON string. gofeed's parse costs several times
// the length of the longest text (encoding/xml gathers it in a growing
// buffer, then gofeed copies it as it trims and decodes it), so a document
// of one 10 MiB title cost some 80 MB to parse; cut first, it costs what
// its fields may keep. A document no longer than maxTextRun is returned as
// it is, without a scan; so is one with nothing to cut.
func capText(text []byte) []byte {
	if len(text) <= maxTextRun {
		return text
	}
	if isJSON(text) {
		return capJSON(text, maxTextRun)
	}
	return capXML(text, maxTextRun)
}

// cutter builds a copy of doc without some of its byte ranges, making the
// copy only at the first cut.
type cutter struct {
	doc    []byte
	out    []byte
	copied int // doc[:copied] is accounted for in out
	cuts   int
}

// drop leaves doc[from:to] out; ranges come in increasing order.
func (c *cutter) drop(from, to int) {
	if from >= to {
		return
	}
	if c.out == nil {
		c.out = make([]byte, 0, from+maxTextRun)
	}
	c.out = append(c.out, c.doc[c.copied:from]...)
	c.copied = to
	c.cuts++
}

func (c *cutter) result() []byte {
	if c.cuts == 0 {
		return c.doc
	}
	return append(c.out, c.doc[c.copied:]...)
}

// textCut returns how many bytes of the XML text s to keep so that at most
// limit remain: not splitting a character, nor an entity or character
// reference (&amp; &#x202E;).
func textCut(s []byte, limit int) int {
	if len(s) <= limit {
		return len(s)
	}
	n := max(limit, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if amp := bytes.LastIndexByte(s[:n], '&'); amp >= 0 && bytes.IndexByte(s[amp:n], ';') < 0 {
		n = amp
	}
	return n
}

// capXML is capText of an XML document. Markup is kept as it is; text
// runs, CDATA sections and attribute values are cut, and a comment longer
// than limit is left out. A run is what lies between two tags, CDATA
// sections and comments included. The scan (scanXML) stops, keeping the
// rest, at anything malformed: gofeed will say what is wrong with it.
func capXML(doc []byte, limit int) []byte {
	c := &xmlCapper{cutter: cutter{doc: doc}, limit: limit}
	scanXML(doc, c)
	return c.result()
}

// xmlCapper is capXML's visitor (see scanXML).
type xmlCapper struct {
	cutter
	limit int
	run   int // text bytes since the last tag
}

func (c *xmlCapper) text(from, to int) {
	if keep := textCut(c.doc[from:to], c.limit-c.run); keep < to-from {
		c.drop(from+keep, to)
		c.run = c.limit
	} else {
		c.run += to - from
	}
}

func (c *xmlCapper) attr(from, to int) {
	if keep := textCut(c.doc[from:to], c.limit); keep < to-from {
		c.drop(from+keep, to)
	}
}

func (c *xmlCapper) markup(kind markupKind, from, to int) {
	switch kind {
	case markupTag:
		c.run = 0
	case markupCDATA:
		start, end := cdataContent(from, to)
		if keep := utf8Cut(c.doc[start:end], c.limit-c.run); keep < end-start {
			c.drop(start+keep, end)
			c.run = c.limit
		} else {
			c.run += end - start
		}
	case markupComment:
		if to-from > c.limit {
			c.drop(from, to)
		}
	}
}

// utf8Cut returns how many bytes of s to keep so that at most limit remain,
// not splitting a character.
func utf8Cut(s []byte, limit int) int {
	if len(s) <= limit {
		return len(s)
	}
	n := max(limit, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// capJSON is capText of a JSON document: every string longer than limit
// bytes (as written, escapes included) is cut, not within an escape
// sequence nor a character, and closed again.
func capJSON(doc []byte, limit int) []byte {
	c := &cutter{doc: doc}
	for i := 0; i < len(doc); {
		q := bytes.IndexByte(doc[i:], '"')
		if q < 0 {
			break
		}
		start := i + q + 1
		end, ok := jsonStringEnd(doc, start)
		if !ok {
			break
		}
		if end-start > limit {
			c.drop(start+jsonKeep(doc[start:end], limit), end)
		}
		i = end + 1
	}
	return c.result()
}

// jsonStringEnd returns the index of the quote that ends the JSON string
// whose text starts at doc[start].
func jsonStringEnd(doc []byte, start int) (int, bool) {
	for j := start; j < len(doc); {
		k := bytes.IndexAny(doc[j:], `"\`)
		if k < 0 {
			return 0, false
		}
		j += k
		if doc[j] == '"' {
			return j, true
		}
		j += 2 // an escape: \" \\ \n …; \uXXXX's digits are neither '"' nor '\'
	}
	return 0, false
}

// jsonKeep returns how many bytes of the JSON string text s to keep so that
// at most limit remain, ending neither within an escape (\n, \u202E) nor
// within a character.
func jsonKeep(s []byte, limit int) int {
	n := 0
	for n < limit {
		w := 1
		if s[n] == '\\' {
			w = 2
			if n+1 < len(s) && s[n+1] == 'u' {
				w = 6
			}
		}
		if n+w > limit {
			break
		}
		n += w
	}
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}
