package monitor

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

// gofeed reads every byte of a document through encoding/xml one at a
// time, twice over for an element's text (the decoder reads it, and saves
// it again as the element's inner XML, which gofeed then trims and
// copies): some 20 ns a byte. Most of a feed's bytes are its items'
// summaries and articles, which gofeed hands over as they are: a CDATA
// section's content is taken verbatim, and so is character data with no
// entity or character reference in it (gofeed trims the element's inner
// XML of white space, and decodes references, of which there are none).
// So such a text, when gofeed copies it into a field as it reads it, is
// replaced by a short marker before gofeed parses the document, and the
// marker by the text in the fields afterwards (hideText, restoreText). A
// text is hidden only when that gives exactly what parsing it gives:
//
//   - the document is XML (not JSON), without xml:base anywhere (a base in
//     scope makes gofeed rewrite an Atom text's HTML links), and without
//     the marker's character anywhere;
//   - the text is in an element named description, content:encoded,
//     summary or content, spelled so in the document: a CDATA section
//     that is the first thing in it (white space aside), or all the
//     element's character data, when its start tag has no attribute (an
//     Atom text's type or mode could ask gofeed to decode it) and that
//     character data holds no '&' and no "]]>"; of character data, the
//     white space (as strings.TrimSpace sees it) at either end stays, for
//     gofeed to trim as before;
//   - what it holds is valid UTF-8 with no character XML forbids (so that
//     encoding/xml would not have rejected it, nor gofeed's filter of
//     control characters dropped any of it), and it is at least
//     minHiddenText bytes long;
//   - after the parse, every hidden text is found again in an item's
//     description or content, or the feed's description, and in no title,
//     link or GUID.
//
// Anything else (a marker gofeed put elsewhere, a parse error) parses the
// document whole, as it is: an error then names the document's own lines.

// The marker of hidden text i is markOpen, i in decimal, markClose:
// characters of Unicode's private use area, which a document holding them
// does not get hidden texts.
const (
	markOpen  = "\uE000"
	markClose = "\uE001"
)

// minHiddenText is the shortest text hidden: below it the marker and the
// copies save little.
const minHiddenText = 128

// hiddenFields are the elements whose text gofeed copies verbatim into a
// field: RSS's description and content:encoded, Atom's summary and
// content.
var hiddenFields = [][]byte{[]byte("description"), []byte("content:encoded"), []byte("summary"), []byte("content")}

// textHider is hideText's visitor (see scanXML).
type textHider struct {
	doc    []byte
	spans  []span // of the texts to hide, in document order
	hidden int    // their bytes

	// field is the name of the field whose start tag was the last
	// markup, with bare when it has no attribute; nil once anything but
	// white space followed it.
	field []byte
	bare  bool
}

// hide notes doc[from:to] as a text to hide.
func (h *textHider) hide(from, to int) {
	h.spans = append(h.spans, span{from, to})
	h.hidden += to - from
}

func (h *textHider) text(from, to int) {
	if h.field == nil {
		return
	}
	run := h.doc[from:to]
	trimmed := bytes.TrimSpace(run)
	if len(trimmed) == 0 {
		return
	}
	if h.bare && len(trimmed) >= minHiddenText && endTagOf(h.doc[to:], h.field) &&
		bytes.IndexByte(trimmed, '&') < 0 && !bytes.Contains(trimmed, []byte(cdataClose)) && verbatimText(trimmed) {
		start := from + len(run) - len(bytes.TrimLeftFunc(run, unicode.IsSpace))
		h.hide(start, start+len(trimmed))
	}
	h.field = nil
}

func (h *textHider) attr(int, int) {}

func (h *textHider) markup(kind markupKind, from, to int) {
	switch kind {
	case markupTag:
		h.field, h.bare = fieldStart(h.doc[from:to])
		return
	case markupCDATA:
		start, end := cdataContent(from, to)
		if h.field != nil && end-start >= minHiddenText && verbatimText(h.doc[start:end]) {
			h.hide(start, end)
		}
	}
	h.field = nil
}

// result is the document with the texts hidden, each replaced by its
// marker, and the texts in the order of their markers' numbers; doc
// itself and none when there are too few bytes to hide for the copy of
// the rest to pay (less than a sixteenth of the document).
func (h *textHider) result() ([]byte, [][]byte) {
	if h.hidden < len(h.doc)/16 || len(h.spans) == 0 {
		return h.doc, nil
	}
	out := make([]byte, 0, len(h.doc)-h.hidden+len(h.spans)*(len(markOpen)+len(markClose)+6))
	texts := make([][]byte, len(h.spans))
	at := 0
	for i, s := range h.spans {
		out = append(out, h.doc[at:s.start]...)
		out = append(out, markOpen...)
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, markClose...)
		texts[i] = h.doc[s.start:s.end]
		at = s.end
	}
	return append(out, h.doc[at:]...), texts
}

// hideText returns doc with the texts it may hide (see above) replaced by
// markers, and the texts, in the order of their markers' numbers; doc
// itself and none when there is nothing worth hiding (textHider.result).
// The scan (scanXML) stops, keeping the rest, at anything malformed.
func hideText(doc []byte) ([]byte, [][]byte) {
	if isJSON(doc) || bytes.Contains(doc, []byte("xml:base")) || bytes.Contains(doc, []byte(markOpen)) {
		return doc, nil
	}
	h := &textHider{doc: doc}
	scanXML(doc, h)
	return h.result()
}

// fieldStart returns, when tag (from '<' to '>') is the start tag of one
// of hiddenFields (not an empty-element tag), its name, and whether it
// has no attribute (white space aside); nil otherwise.
func fieldStart(tag []byte) ([]byte, bool) {
	if len(tag) < 3 || tag[1] == '/' || tag[len(tag)-2] == '/' {
		return nil, false
	}
	name := tag[1 : len(tag)-1]
	bare := true
	if n := bytes.IndexAny(name, " \t\r\n"); n >= 0 {
		bare = len(bytes.Trim(name[n:], " \t\r\n")) == 0
		name = name[:n]
	}
	for _, f := range hiddenFields {
		if bytes.Equal(name, f) {
			return f, bare
		}
	}
	return nil, false
}

// endTagOf reports whether b starts with the end tag of the element
// named name.
func endTagOf(b, name []byte) bool {
	return len(b) >= len(name)+3 && b[1] == '/' && bytes.Equal(b[2:2+len(name)], name) && b[2+len(name)] == '>'
}

// verbatimText reports whether encoding/xml takes b, text or a CDATA
// section's content, as it is and gofeed's filter of control characters
// keeps all of it: valid UTF-8, no character XML forbids.
func verbatimText(b []byte) bool {
	return utf8.Valid(b) && !hasForbiddenXMLChar(b)
}

// restoreText puts the texts hideText hid back in place of their markers
// in feed, reporting false when a text is not found in the fields it may
// be in, or a marker is where no text may be (see the comment at the top).
func restoreText(feed *gofeed.Feed, texts [][]byte) bool {
	found := make([]bool, len(texts))
	if !restoreField(&feed.Description, texts, found) {
		return false
	}
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		if strings.Contains(it.Title, markOpen) || strings.Contains(it.Link, markOpen) || strings.Contains(it.GUID, markOpen) ||
			!restoreField(&it.Description, texts, found) || !restoreField(&it.Content, texts, found) {
			return false
		}
	}
	for _, ok := range found {
		if !ok {
			return false
		}
	}
	return true
}

// restoreField replaces the markers in *s by their texts, noting each one
// found; false when a marker is not one hideText made.
func restoreField(s *string, texts [][]byte, found []bool) bool {
	if !strings.Contains(*s, markOpen) {
		return true
	}
	var b strings.Builder
	rest := *s
	for {
		i := strings.Index(rest, markOpen)
		if i < 0 {
			break
		}
		after := rest[i+len(markOpen):]
		j := strings.Index(after, markClose)
		if j < 0 {
			return false
		}
		n, err := strconv.Atoi(after[:j])
		if err != nil || n < 0 || n >= len(texts) {
			return false
		}
		b.WriteString(rest[:i])
		b.Write(texts[n])
		found[n] = true
		rest = after[j+len(markClose):]
	}
	b.WriteString(rest)
	*s = b.String()
	return true
}
