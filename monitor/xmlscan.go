package monitor

import "bytes"

// scanXML is the one scan of an XML document's markup that capXML and
// hideText share: it finds where each run of character data and each
// piece of markup begins and ends, as encoding/xml would read them, and
// hands them to a visitor in document order. It reads no names, builds
// nothing and checks no nesting: that is gofeed's parse, after it.

// markupKind is the kind of a piece of markup scanXML found.
type markupKind uint8

const (
	markupTag     markupKind = iota // a start, end or empty-element tag: <…>
	markupCDATA                     // a CDATA section: <![CDATA[…]]>
	markupComment                   // <!--…-->
	markupPI                        // a processing instruction: <?…?>
	markupDecl                      // a declaration: <!DOCTYPE …>
)

// cdataOpen and cdataClose bound a CDATA section.
const (
	cdataOpen  = "<![CDATA["
	cdataClose = "]]>"
)

// xmlVisitor is what scanXML hands the parts of a document to.
type xmlVisitor interface {
	// text is a run of character data, doc[from:to], never empty: what
	// lies between two pieces of markup, or after the last.
	text(from, to int)
	// attr is a quoted attribute value of the tag being scanned,
	// doc[from:to] without its quotes, before that tag's markup call.
	attr(from, to int)
	// markup is a piece of markup, doc[from:to] whole, from its '<' to
	// after its '>'.
	markup(kind markupKind, from, to int)
}

// scanXML hands the parts of doc to v, in document order. It stops,
// reporting false, at markup that does not end (after the text before
// it): what follows is left for gofeed to say what is wrong with it.
func scanXML(doc []byte, v xmlVisitor) bool {
	for i := 0; i < len(doc); {
		lt := bytes.IndexByte(doc[i:], '<')
		if lt < 0 {
			v.text(i, len(doc))
			return true
		}
		if lt > 0 {
			v.text(i, i+lt)
		}
		i += lt
		rest := doc[i:]
		var (
			kind markupKind
			end  int
			ok   = true
		)
		switch {
		case bytes.HasPrefix(rest, []byte(cdataOpen)):
			e := bytes.Index(rest[len(cdataOpen):], []byte(cdataClose))
			kind, end, ok = markupCDATA, i+len(cdataOpen)+e+len(cdataClose), e >= 0
		case bytes.HasPrefix(rest, []byte("<!--")):
			e := bytes.Index(rest[4:], []byte("-->"))
			kind, end, ok = markupComment, i+4+e+3, e >= 0
		case bytes.HasPrefix(rest, []byte("<?")):
			e := bytes.Index(rest, []byte("?>"))
			kind, end, ok = markupPI, i+e+2, e >= 0
		case bytes.HasPrefix(rest, []byte("<!")):
			// A declaration (<!DOCTYPE …>), with an internal subset in
			// brackets that may hold '>'.
			kind = markupDecl
			end, ok = declarationEnd(doc, i+2)
		default:
			end, ok = tagEnd(doc, i, v)
		}
		if !ok {
			return false
		}
		v.markup(kind, i, end)
		i = end
	}
	return true
}

// cdataContent returns the content of the CDATA section doc[from:to]
// (markup as scanXML hands it over).
func cdataContent(from, to int) (int, int) {
	return from + len(cdataOpen), to - len(cdataClose)
}

// tagEnd returns the index after the '>' that ends the tag at doc[i]
// ('<'), skipping quoted attribute values, each of which it hands to
// v.attr; false when the tag does not end.
func tagEnd(doc []byte, i int, v xmlVisitor) (int, bool) {
	for j := i + 1; j < len(doc); {
		k := bytes.IndexAny(doc[j:], `>"'`)
		if k < 0 {
			return 0, false
		}
		j += k
		if doc[j] == '>' {
			return j + 1, true
		}
		quote, start := doc[j], j+1
		e := bytes.IndexByte(doc[start:], quote)
		if e < 0 {
			return 0, false
		}
		v.attr(start, start+e)
		j = start + e + 1
	}
	return 0, false
}

// declarationEnd returns the index after the '>' that ends the
// declaration (<!DOCTYPE …>) whose first byte after "<!" is doc[j], read
// as encoding/xml reads it: that first byte is taken as it is, then the
// first '>' outside quotes, comments and nested <…> ends it.
func declarationEnd(doc []byte, j int) (int, bool) {
	var quote byte
	depth := 0
	for j++; j < len(doc); j++ {
		b := doc[j]
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '>':
			if depth == 0 {
				return j + 1, true
			}
			depth--
		case b == '<' && bytes.HasPrefix(doc[j:], []byte("<!--")):
			e := bytes.Index(doc[j+4:], []byte("--"))
			if e < 0 || j+4+e+2 >= len(doc) || doc[j+4+e+2] != '>' {
				return 0, false
			}
			j += 4 + e + 2
		case b == '<':
			depth++
		}
	}
	return 0, false
}
