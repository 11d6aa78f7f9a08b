package monitor

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// A poll of a changed document parses only the items it has not read
// before (see itemMemo): the document is cut into its items here, cheaply,
// and gofeed is given the document without the items already read. For
// that to give exactly what the whole document gives for the other items,
// the cut must find the items where encoding/xml (or encoding/json) finds
// them. So the cut accepts only documents whose structure it is sure of,
// and reports any doubt; the poll then parses the whole document.
//
// An XML document is cut when it is well-formed as far as its element
// structure goes: every end tag closes the element open (no recovery of the
// non-strict decoder comes into play), every attribute value is quoted and
// holds no "<", there is no directive but a DOCTYPE without internal subset
// before the root, and no XML declaration but the first (a later one could
// switch the decoder's character set half-way). The items are the RSS
// <item> (RSS 2.0, and RSS 1.0 where they are the root's children) and the
// Atom <entry> elements that gofeed reads as items: the root's children,
// or the children of the RSS root's one <channel>. An element gofeed would
// take for one (its name in another case or with a prefix) that is not
// spelled exactly so is a doubt.
//
// An item's parse depends, besides its own bytes, on the namespace
// declarations and xml:base of its ancestors: the root and the channel.
// Their start tags, with everything before the root, are the cut's head,
// part of the memo's context.
//
// A JSON Feed document is cut when its top-level object has one "items"
// member (no other key matching it as encoding/json would, case
// insensitively) whose value is an array of objects.

// cutFormat is the syntax of a cut document.
type cutFormat uint8

const (
	formatXML cutFormat = iota + 1
	formatJSON
)

// span is the extent [start, end) of an item in a document's text.
type span struct{ start, end int }

// docCut is a document's text (UTF-8, as toUTF8 made it) told apart into
// its items and the rest.
type docCut struct {
	text   []byte
	format cutFormat
	// head is what every item's parse depends on besides its bytes, see
	// above; nil for JSON.
	head [][]byte
	// items are the items' extents, in document order.
	items []span
	// list is, for JSON, the extent of the items array between its
	// brackets.
	list span
}

// cutDocument cuts text into its items, or reports that it is unsure
// where they are.
func cutDocument(text []byte) (*docCut, bool) {
	if isJSON(text) {
		return cutJSON(text)
	}
	return cutXML(text)
}

// without returns the document without the items whose skip[i] is set:
// the XML document with those elements cut out, the JSON document with
// those array elements and their commas.
func (c *docCut) without(skip []bool) []byte {
	// Sized for what is kept: a poll's few new items of a large document
	// would otherwise cost a copy's worth of memory for nothing.
	size := len(c.text)
	for i, s := range c.items {
		if skip[i] {
			size -= s.end - s.start
		}
	}
	out := make([]byte, 0, size)
	switch c.format {
	case formatJSON:
		out = append(out, c.text[:c.list.start]...)
		first := true
		for i, s := range c.items {
			if skip[i] {
				continue
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			out = append(out, c.text[s.start:s.end]...)
		}
		return append(out, c.text[c.list.end:]...)
	default:
		at := 0
		for i, s := range c.items {
			if skip[i] {
				out = append(out, c.text[at:s.start]...)
				at = s.end
			}
		}
		return append(out, c.text[at:]...)
	}
}

// xmlCut is the state of cutXML.
type xmlCut struct {
	b   []byte
	pos int
}

// cutXML cuts an RSS or Atom document; see the comment at the top.
func cutXML(text []byte) (*docCut, bool) {
	x := &xmlCut{b: text}
	root, ok := x.prolog()
	if !ok {
		return nil, false
	}
	rootName, end, empty, ok := x.startTag(root)
	if !ok || empty {
		return nil, false
	}
	var itemName string
	switch lowerLocal(rootName) {
	case "rss", "rdf":
		itemName = "item"
	case "feed":
		itemName = "entry"
	default:
		return nil, false
	}
	c := &docCut{text: text, format: formatXML, head: [][]byte{text[:end]}}

	// stack holds the names of the open elements, the root first.
	stack := [][]byte{rootName}
	const (
		none = iota
		inRoot
		inChannel
	)
	// Items are in one place only, the root or the channel: gofeed puts
	// the root's items after the channel's, out of document order.
	var (
		itemsIn     = none // where the items found so far are
		channelSeen bool
		channelOpen bool // stack[1] is the channel
		itemAt      = -1 // the open item's start, -1 outside one
		itemDepth   int  // len(stack) once the open item was pushed
	)
	x.pos = end
	for {
		i := bytes.IndexByte(x.b[x.pos:], '<')
		if i < 0 {
			return nil, false // the root is not closed
		}
		lt := x.pos + i
		rest := x.b[lt:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			if x.pos, ok = x.comment(lt); !ok {
				return nil, false
			}
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			e := bytes.Index(rest[len("<![CDATA["):], []byte("]]>"))
			if e < 0 {
				return nil, false
			}
			x.pos = lt + len("<![CDATA[") + e + len("]]>")
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, false
		case bytes.HasPrefix(rest, []byte("<?")):
			target, e, ok := x.procInst(lt)
			if !ok || string(target) == "xml" {
				return nil, false
			}
			x.pos = e
		case bytes.HasPrefix(rest, []byte("</")):
			name, e, ok := x.endTag(lt)
			if !ok || !bytes.Equal(name, stack[len(stack)-1]) {
				return nil, false
			}
			x.pos = e
			if len(stack) == itemDepth && itemAt >= 0 {
				c.items = append(c.items, span{itemAt, e})
				itemAt = -1
			}
			if len(stack) == 2 && channelOpen {
				channelOpen = false
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return c, true
			}
		default:
			name, e, empty, ok := x.startTag(lt)
			if !ok {
				return nil, false
			}
			x.pos = e
			depth, holder := len(stack), none
			switch {
			case depth == 1:
				holder = inRoot
			case depth == 2 && channelOpen:
				holder = inChannel
			}
			if holder != none {
				local := lowerLocal(name)
				switch {
				case depth == 1 && itemName == "item" && local == "channel":
					if string(name) != "channel" || channelSeen || empty {
						return nil, false
					}
					channelSeen, channelOpen = true, true
					c.head = append(c.head, x.b[lt:e])
				case local == itemName:
					if string(name) != itemName || (itemsIn != none && itemsIn != holder) {
						return nil, false
					}
					itemsIn = holder
					if empty {
						c.items = append(c.items, span{lt, e})
						continue
					}
					itemAt, itemDepth = lt, depth+1
				}
			}
			if !empty {
				stack = append(stack, name)
			}
		}
	}
}

// prolog skips what comes before the root element: white space, text, the
// XML declaration (first, and saying UTF-8 if anything), comments,
// processing instructions and a DOCTYPE without internal subset. It
// returns where the root's start tag begins.
func (x *xmlCut) prolog() (int, bool) {
	first := true
	for {
		i := bytes.IndexByte(x.b[x.pos:], '<')
		if i < 0 {
			return 0, false
		}
		lt := x.pos + i
		rest := x.b[lt:]
		var ok bool
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			x.pos, ok = x.comment(lt)
		case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
			x.pos, ok = x.doctype(lt)
		case bytes.HasPrefix(rest, []byte("<!")):
			return 0, false
		case bytes.HasPrefix(rest, []byte("<?")):
			var target []byte
			target, x.pos, ok = x.procInst(lt)
			if ok && string(target) == "xml" {
				enc := prologEncoding(x.b[lt:x.pos])
				ok = first && len(bytes.TrimSpace(x.b[:lt])) == 0 && (enc == "" || strings.EqualFold(enc, "utf-8"))
			}
		default:
			return lt, true
		}
		if !ok {
			return 0, false
		}
		first = false
	}
}

// comment skips the comment starting at lt: encoding/xml ends it at the
// first "--", which must be followed by ">".
func (x *xmlCut) comment(lt int) (int, bool) {
	from := lt + len("<!--")
	e := bytes.Index(x.b[from:], []byte("--"))
	if e < 0 || from+e+2 >= len(x.b) || x.b[from+e+2] != '>' {
		return 0, false
	}
	return from + e + 3, true
}

// doctype skips a DOCTYPE declaration without internal subset: to the
// first ">" outside quotes.
func (x *xmlCut) doctype(lt int) (int, bool) {
	var quote byte
	for p := lt + len("<!DOCTYPE"); p < len(x.b); p++ {
		c := x.b[p]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '<':
			return 0, false
		case c == '>':
			return p + 1, true
		}
	}
	return 0, false
}

// procInst reads the processing instruction starting at lt: its target
// and where it ends.
func (x *xmlCut) procInst(lt int) (target []byte, end int, ok bool) {
	p := lt + len("<?")
	n := nameLen(x.b[p:])
	if n == 0 {
		return nil, 0, false
	}
	target = x.b[p : p+n]
	e := bytes.Index(x.b[p+n:], []byte("?>"))
	if e < 0 {
		return nil, 0, false
	}
	return target, p + n + e + 2, true
}

// startTag reads the start tag at lt: the element's name, where the tag
// ends, whether it is an empty-element tag. Every attribute must have a
// quoted value without "<" (encoding/xml rejects one), and a name must
// have at most one colon.
func (x *xmlCut) startTag(lt int) (name []byte, end int, empty, ok bool) {
	b := x.b
	p := lt + 1
	n := nameLen(b[p:])
	if n == 0 || bytes.Count(b[p:p+n], []byte(":")) > 1 {
		return nil, 0, false, false
	}
	name = b[p : p+n]
	p += n
	for {
		p = skipXMLSpace(b, p)
		if p >= len(b) {
			return nil, 0, false, false
		}
		switch b[p] {
		case '>':
			return name, p + 1, false, true
		case '/':
			if p+1 < len(b) && b[p+1] == '>' {
				return name, p + 2, true, true
			}
			return nil, 0, false, false
		}
		n := nameLen(b[p:])
		if n == 0 || bytes.Count(b[p:p+n], []byte(":")) > 1 {
			return nil, 0, false, false
		}
		p = skipXMLSpace(b, p+n)
		if p >= len(b) || b[p] != '=' {
			return nil, 0, false, false
		}
		p = skipXMLSpace(b, p+1)
		if p >= len(b) || (b[p] != '"' && b[p] != '\'') {
			return nil, 0, false, false
		}
		e := bytes.IndexByte(b[p+1:], b[p])
		if e < 0 || bytes.IndexByte(b[p+1:p+1+e], '<') >= 0 {
			return nil, 0, false, false
		}
		p += 1 + e + 1
	}
}

// endTag reads the end tag at lt: the name it closes and where it ends.
func (x *xmlCut) endTag(lt int) (name []byte, end int, ok bool) {
	b := x.b
	p := lt + len("</")
	n := nameLen(b[p:])
	if n == 0 {
		return nil, 0, false
	}
	name = b[p : p+n]
	p = skipXMLSpace(b, p+n)
	if p >= len(b) || b[p] != '>' {
		return nil, 0, false
	}
	return name, p + 1, true
}

// nameLen is the length of the name at the start of b, as encoding/xml
// reads one: ASCII letters, digits, "_", ":", ".", "-" and every byte of a
// multi-byte character.
func nameLen(b []byte) int {
	for i, c := range b {
		if c < utf8.RuneSelf && !isXMLNameByte(c) {
			return i
		}
	}
	return len(b)
}

func isXMLNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

func skipXMLSpace(b []byte, p int) int {
	for p < len(b) {
		switch b[p] {
		case ' ', '\t', '\r', '\n':
			p++
		default:
			return p
		}
	}
	return p
}

// lowerLocal is the local part of an element name, lower-cased, as gofeed
// compares names: encoding/xml splits "prefix:local" at its colon when
// both parts are non-empty.
func lowerLocal(name []byte) string {
	if i := bytes.IndexByte(name, ':'); i > 0 && i < len(name)-1 {
		name = name[i+1:]
	}
	for _, c := range name {
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(string(name))
		}
	}
	return string(name)
}

// jsonCut is the state of cutJSON.
type jsonCut struct {
	b   []byte
	pos int
}

// cutJSON cuts a JSON Feed document; see the comment at the top.
func cutJSON(text []byte) (*docCut, bool) {
	j := &jsonCut{b: text}
	c := &docCut{text: text, format: formatJSON}
	j.space()
	if !j.next('{') {
		return nil, false
	}
	found := false
	for member := 0; ; member++ {
		j.space()
		if member == 0 && j.next('}') {
			break
		}
		key, ok := j.key()
		if !ok {
			return nil, false
		}
		j.space()
		if !j.next(':') {
			return nil, false
		}
		j.space()
		switch {
		case string(key) == "items" && !found:
			found = true
			if !j.items(c) {
				return nil, false
			}
		case strings.EqualFold(string(key), "items"):
			// encoding/json would fill Items from it too.
			return nil, false
		default:
			if !j.value() {
				return nil, false
			}
		}
		j.space()
		if j.next('}') {
			break
		}
		if !j.next(',') {
			return nil, false
		}
	}
	if !found {
		c.list = span{len(text), len(text)}
	}
	return c, true
}

// items reads the items array, whose "[" is next, into c.
func (j *jsonCut) items(c *docCut) bool {
	if !j.next('[') {
		return false
	}
	c.list.start = j.pos
	for n := 0; ; n++ {
		j.space()
		if n == 0 && j.pos < len(j.b) && j.b[j.pos] == ']' {
			break
		}
		if j.pos >= len(j.b) || j.b[j.pos] != '{' {
			return false
		}
		start := j.pos
		if !j.value() {
			return false
		}
		c.items = append(c.items, span{start, j.pos})
		j.space()
		if j.pos < len(j.b) && j.b[j.pos] == ']' {
			break
		}
		if !j.next(',') {
			return false
		}
	}
	c.list.end = j.pos
	j.pos++
	return true
}

// key reads a member's name: a string without escapes.
func (j *jsonCut) key() ([]byte, bool) {
	if j.pos >= len(j.b) || j.b[j.pos] != '"' {
		return nil, false
	}
	e := bytes.IndexByte(j.b[j.pos+1:], '"')
	if e < 0 {
		return nil, false
	}
	key := j.b[j.pos+1 : j.pos+1+e]
	if bytes.IndexByte(key, '\\') >= 0 {
		return nil, false
	}
	j.pos += e + 2
	return key, true
}

// value skips one value: a string, an object or array (with what it
// holds), or a number or literal.
func (j *jsonCut) value() bool {
	if j.pos >= len(j.b) {
		return false
	}
	switch j.b[j.pos] {
	case '"':
		return j.str()
	case '{', '[':
		depth := 0
		for j.pos < len(j.b) {
			switch j.b[j.pos] {
			case '"':
				if !j.str() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					j.pos++
					return true
				}
			}
			j.pos++
		}
		return false
	}
	start := j.pos
	for j.pos < len(j.b) {
		switch j.b[j.pos] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j.pos > start
		case '"', '{', '[', ':':
			return false
		}
		j.pos++
	}
	return false
}

// str skips the string starting at j.pos.
func (j *jsonCut) str() bool {
	for p := j.pos + 1; p < len(j.b); p++ {
		switch j.b[p] {
		case '\\':
			p++
		case '"':
			j.pos = p + 1
			return true
		}
	}
	return false
}

func (j *jsonCut) space() {
	for j.pos < len(j.b) {
		switch j.b[j.pos] {
		case ' ', '\t', '\r', '\n':
			j.pos++
		default:
			return
		}
	}
}

// next consumes c when it is the next byte.
func (j *jsonCut) next(c byte) bool {
	if j.pos < len(j.b) && j.b[j.pos] == c {
		j.pos++
		return true
	}
	return false
}
