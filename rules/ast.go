package rules

import (
	"regexp"
	"strconv"
	"strings"
)

// The abstract syntax tree of a query. Nodes are immutable once parsed, so a
// Query can be shared by several Sets.

// node is a query or part of one.
type node interface {
	// offset is the byte offset in the query where the node starts.
	offset() int
	// String renders the node in query syntax; parsing the result gives an
	// equal node.
	String() string
}

// orNode matches when any of its children matches.
type orNode struct {
	kids []node
	at   int
}

// andNode matches when all of its children match.
type andNode struct {
	kids []node
	at   int
}

// notNode matches when its child does not.
type notNode struct {
	kid node
	at  int
}

// nearNode matches when a term of left and a term of right occur in the same
// field with at most dist tokens between them; when ordered, left comes
// first.
type nearNode struct {
	left, right []*termNode // alternatives
	dist        int
	ordered     bool
	at          int
}

// termNode is a word (one element), a prefix (one element ending in '*') or
// a phrase (several elements, each a word or prefix), in analysed form.
type termNode struct {
	field field
	cased bool // compare the Cased forms of tokens (case:)
	elems []elem
	at    int
}

// elem is one position of a term.
type elem struct {
	text   string // analysed, or Cased for case: terms
	prefix bool   // matches tokens that start with text
}

// regexpNode matches when re matches the analysed text of a field.
type regexpNode struct {
	field field
	src   string // as written, without the slashes
	re    *regexp.Regexp
	at    int
}

// domainNode matches when the host of the item's link is host or ends in
// "."+host.
type domainNode struct {
	host string // lower case, without "www."
	at   int
}

// langNode matches when the item's language tag is tag or starts with
// tag+"-" (RFC 4647 basic filtering).
type langNode struct {
	tag string // lower case, '-' separated
	at  int
}

func (n *orNode) offset() int     { return n.at }
func (n *andNode) offset() int    { return n.at }
func (n *notNode) offset() int    { return n.at }
func (n *nearNode) offset() int   { return n.at }
func (n *termNode) offset() int   { return n.at }
func (n *regexpNode) offset() int { return n.at }
func (n *domainNode) offset() int { return n.at }
func (n *langNode) offset() int   { return n.at }

func (n *orNode) String() string  { return joinNodes(n.kids, " OR ") }
func (n *andNode) String() string { return joinNodes(n.kids, " AND ") }
func (n *notNode) String() string { return "NOT " + n.kid.String() }

func (n *nearNode) String() string {
	op := "NEAR/"
	if n.ordered {
		op = "PRE/"
	}
	return "(" + termGroup(n.left) + " " + op + strconv.Itoa(n.dist) + " " + termGroup(n.right) + ")"
}

func termGroup(terms []*termNode) string {
	if len(terms) == 1 {
		return terms[0].String()
	}
	kids := make([]node, len(terms))
	for i, t := range terms {
		kids[i] = t
	}
	return joinNodes(kids, " OR ")
}

func joinNodes(kids []node, op string) string {
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = k.String()
	}
	return "(" + strings.Join(parts, op) + ")"
}

func (n *termNode) String() string {
	var b strings.Builder
	if n.field != fieldText {
		b.WriteString(n.field.String() + ":")
	}
	if n.cased {
		b.WriteString("case:")
	}
	quote := n.cased || len(n.elems) != 1
	if quote {
		b.WriteByte('"')
	}
	for i, e := range n.elems {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.text)
		if e.prefix {
			b.WriteByte('*')
		}
	}
	if quote {
		b.WriteByte('"')
	}
	return b.String()
}

func (n *regexpNode) String() string {
	s := "/" + strings.ReplaceAll(n.src, "/", `\/`) + "/"
	if n.field != fieldText {
		s = n.field.String() + ":" + s
	}
	return s
}

func (n *domainNode) String() string { return "domain:" + n.host }
func (n *langNode) String() string   { return "lang:" + n.tag }

// sameTerm reports whether a and b search the same words, ignoring fields.
func sameTerm(a, b *termNode) bool {
	if a.cased != b.cased || len(a.elems) != len(b.elems) {
		return false
	}
	for i := range a.elems {
		if a.elems[i] != b.elems[i] {
			return false
		}
	}
	return true
}
