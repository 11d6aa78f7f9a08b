package rules

import (
	"fmt"
	"strings"
)

// maxDepth bounds how deeply groups, NOTs and field scopes may nest, so that
// no query can exhaust the stack.
const maxDepth = 100

// Query is a parsed query, ready to be compiled into a Set.
type Query struct {
	src      string
	root     node
	warnings []Warning
}

// ParseQuery parses a query written in the rule language (docs/rules.md).
// The error, if any, is a *SyntaxError whose Offset points into src.
func ParseQuery(src string) (*Query, error) {
	lx, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, lx: lx}
	root, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	q := &Query{src: src, root: root, warnings: p.warnings}
	q.warnings = append(q.warnings, lint(root)...)
	return q, nil
}

// Warnings returns what ParseQuery noticed that is legal but probably a
// mistake: a lowercase and, or, not between words, a term without letters
// or digits, a query that can never match. Offsets point into the query.
func (q *Query) Warnings() []Warning { return q.warnings }

// String returns the query in a canonical form, fully parenthesized, with
// terms in analysed form: "syria AND (israel OR israeli)" is
// "(syria AND (israel OR israeli))".
func (q *Query) String() string { return q.root.String() }

// parser is a recursive-descent parser over the lexemes of one query.
// Precedence, loosest first: OR, AND (explicit or implicit), NOT and '-',
// NEAR and PRE.
type parser struct {
	src      string
	lx       []lexeme
	pos      int
	depth    int
	scope    field // the enclosing field:( … ) scope
	scoped   bool  // inside a field scope
	warnings []Warning
}

func (p *parser) peek() lexeme { return p.lx[p.pos] }

func (p *parser) next() lexeme {
	l := p.lx[p.pos]
	if l.kind != lexEOF {
		p.pos++
	}
	return l
}

func (p *parser) errorf(at int, format string, args ...any) error {
	return &SyntaxError{Offset: at, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) warnf(at int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Offset: at, Msg: fmt.Sprintf(format, args...)})
}

// enter counts one level of nesting; leave undoes it.
func (p *parser) enter(at int) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(at, "query nests too deeply (more than %d levels of parentheses, NOT and field scopes)", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseQuery() (node, error) {
	if p.peek().kind == lexEOF {
		return nil, p.errorf(0, "empty query: expected at least one word, phrase or other term")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if l := p.peek(); l.kind != lexEOF {
		if l.kind == lexRParen {
			return nil, p.errorf(l.at, "unexpected ')' without a matching '('")
		}
		return nil, p.errorf(l.at, "expected AND, OR or a term, found %s", l.describe())
	}
	if n == nil {
		return nil, p.errorf(0, "query has no term with letters or digits, so it can never match")
	}
	if neg := negativeOnly(n); neg != nil {
		return nil, p.errorf(neg.offset(), "query would match nearly every item: %s only excludes; add a term that must be present (NOT and '-' cannot stand alone or alone in an OR)", neg)
	}
	return n, nil
}

// parseOr parses a sequence of AND-expressions joined by OR. It returns a
// nil node when every term in it was dropped for having no letters or
// digits.
func (p *parser) parseOr() (node, error) {
	at := p.peek().at
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := appendNode(nil, first)
	for p.peek().kind == lexOr {
		p.next()
		if !startsTerm(p.peek().kind) {
			return nil, p.errorf(p.peek().at, "expected a term after 'OR', found %s", p.peek().describe())
		}
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = appendNode(kids, n)
	}
	return combine(kids, func(k []node) node { return &orNode{kids: k, at: at} }), nil
}

// parseAnd parses unary expressions joined by AND or by juxtaposition.
func (p *parser) parseAnd() (node, error) {
	at := p.peek().at
	if !startsTerm(p.peek().kind) {
		return nil, p.expectedTerm()
	}
	var kids []node
	var operands []andOperand
	explicit := false
	for {
		o := andOperand{afterAND: explicit}
		if l := p.peek(); l.kind == lexWord {
			o.word = &p.lx[p.pos]
		}
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if o.word != nil && p.lx[p.pos-1].at != o.word.at {
			o.word = nil // the word began something longer, like a NEAR
		}
		kids = appendNode(kids, n)
		operands = append(operands, o)
		switch k := p.peek().kind; {
		case k == lexAnd:
			p.next()
			if !startsTerm(p.peek().kind) {
				return nil, p.errorf(p.peek().at, "expected a term after 'AND', found %s", p.peek().describe())
			}
			explicit = true
		case startsTerm(k):
			explicit = false
		default:
			p.warnLowercaseOperators(operands)
			return combine(kids, func(k []node) node { return &andNode{kids: k, at: at} }), nil
		}
	}
}

// andOperand is one operand of an AND sequence, as far as the
// lowercase-operator warning needs to know.
type andOperand struct {
	word     *lexeme // the operand was this single bare word
	afterAND bool    // an explicit AND came before it
}

// warnLowercaseOperators warns about and, or, not written as a word between
// two other operands, where the operator was almost certainly meant.
func (p *parser) warnLowercaseOperators(ops []andOperand) {
	for i := 1; i+1 < len(ops); i++ {
		w := ops[i].word
		if w == nil || ops[i].afterAND || ops[i+1].afterAND {
			continue
		}
		switch strings.ToLower(w.text) {
		case "and", "or", "not":
			p.warnf(w.at, "%q is searched as a word; write %s for the operator, or quote it (\"%s\") to keep it as a word",
				w.text, strings.ToUpper(w.text), w.text)
		}
	}
}

// parseUnary parses NOT x, -x or a NEAR expression.
func (p *parser) parseUnary() (node, error) {
	l := p.peek()
	if l.kind != lexNot && l.kind != lexMinus {
		return p.parseNear()
	}
	p.next()
	if err := p.enter(l.at); err != nil {
		return nil, err
	}
	defer p.leave()
	if !startsTerm(p.peek().kind) {
		return nil, p.errorf(p.peek().at, "expected a term after '%s', found %s", l.text, p.peek().describe())
	}
	kid, err := p.parseUnary()
	if err != nil || kid == nil {
		return nil, err
	}
	return &notNode{kid: kid, at: l.at}, nil
}

// parseNear parses a primary expression, or two joined by NEAR or PRE.
func (p *parser) parseNear() (node, error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != lexNear {
		return left, nil
	}
	p.next()
	if !startsTerm(p.peek().kind) {
		return nil, p.errorf(p.peek().at, "expected a term after '%s', found %s", op.text, p.peek().describe())
	}
	rightAt := p.peek().at
	right, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if next := p.peek(); next.kind == lexNear {
		return nil, p.errorf(next.at, "%s cannot follow another NEAR or PRE; use parentheses and AND, like (a NEAR b) AND (b NEAR c)", next.text)
	}
	leftAt := op.at
	if left != nil {
		leftAt = left.offset()
	}
	lt, err := p.nearOperand(left, op.at, op.operator)
	if err != nil {
		return nil, err
	}
	rt, err := p.nearOperand(right, rightAt, op.operator)
	if err != nil {
		return nil, err
	}
	return &nearNode{left: lt, right: rt, dist: op.dist, ordered: op.ordered, at: leftAt}, nil
}

// nearOperand returns the alternatives of a NEAR operand: a term, or an OR
// of terms.
func (p *parser) nearOperand(n node, at int, op string) ([]*termNode, error) {
	if n == nil {
		return nil, p.errorf(at, "%s needs a word or phrase with letters or digits on both sides", op)
	}
	var terms []*termNode
	var walk func(n node) bool
	walk = func(n node) bool {
		switch n := n.(type) {
		case *termNode:
			terms = append(terms, n)
			return true
		case *orNode:
			for _, k := range n.kids {
				if !walk(k) {
					return false
				}
			}
			return true
		}
		return false
	}
	if !walk(n) {
		return nil, p.errorf(n.offset(), "%s operands must be words, prefixes, phrases, or parenthesized OR-groups of them; found %s", op, n)
	}
	return terms, nil
}

// parsePrimary parses a term, a field-scoped term or group, or a group.
func (p *parser) parsePrimary() (node, error) {
	l := p.peek()
	switch l.kind {
	case lexLParen:
		return p.parseGroup()
	case lexField:
		return p.parseScoped()
	case lexWord:
		p.next()
		return p.wordTerm(l, p.scope, false)
	case lexPhrase:
		p.next()
		return p.phraseTerm(l, p.scope, false)
	case lexRegexp:
		p.next()
		return p.regexpTerm(l, p.scope)
	}
	return nil, p.expectedTerm()
}

// expectedTerm is the error for a lexeme that cannot start a term.
func (p *parser) expectedTerm() error {
	l := p.peek()
	switch l.kind {
	case lexRParen:
		if p.depth == 0 {
			return p.errorf(l.at, "unexpected ')' without a matching '('")
		}
		return p.errorf(l.at, "expected a term before ')'")
	case lexEOF:
		return p.errorf(l.at, "expected a term at the end of the query")
	}
	return p.errorf(l.at, "expected a term before %s", l.describe())
}

func (p *parser) parseGroup() (node, error) {
	open := p.next()
	if err := p.enter(open.at); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.peek().kind == lexRParen {
		return nil, p.errorf(p.peek().at, "expected a term inside '( )'")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if l := p.peek(); l.kind != lexRParen {
		// At the end of the query the fault is the unclosed '(' itself:
		// point there rather than past the last word (in a rule file, on
		// the closing quotes).
		at := l.at
		if l.kind == lexEOF {
			at = open.at
		}
		return nil, p.errorf(at, "expected ')' to close the '(' at %s, found %s", snippet(p.src, open.at), l.describe())
	}
	p.next()
	return n, nil
}

// parseScoped parses field:term, field:( … ), case:term and field:case:term.
func (p *parser) parseScoped() (node, error) {
	l := p.next()
	if err := p.enter(l.at); err != nil {
		return nil, err
	}
	defer p.leave()
	if l.text == "case" {
		return p.casedTerm(l, p.scope)
	}
	f, _ := fieldByName(l.text)
	if p.scoped && f != p.scope {
		return nil, p.errorf(l.at, "'%s:' inside '%s:( … )': a term can only be in one field", f, p.scope)
	}
	next := p.peek()
	switch next.kind {
	case lexLParen:
		outer, outerScoped := p.scope, p.scoped
		p.scope, p.scoped = f, true
		defer func() { p.scope, p.scoped = outer, outerScoped }()
		return p.parseGroup()
	case lexField:
		if next.text == "case" {
			p.next()
			return p.casedTerm(next, f)
		}
		return nil, p.errorf(next.at, "'%s:' after '%s:': a term can only be in one field", next.text, f)
	case lexPhrase:
		p.next()
		return p.phraseTerm(next, f, false)
	case lexRegexp:
		p.next()
		return p.regexpTerm(next, f)
	case lexWord, lexAnd, lexOr, lexNot, lexNear:
		// Directly after "field:" an operator word is a word: title:AND.
		p.next()
		next.kind = lexWord
		return p.wordTerm(next, f, false)
	}
	return nil, p.errorf(next.at, "expected a word, phrase, regexp or '(' after '%s:', found %s", f, next.describe())
}

// startsTerm reports whether a lexeme of kind k can begin an operand.
func startsTerm(k lexKind) bool {
	switch k {
	case lexLParen, lexWord, lexPhrase, lexRegexp, lexField, lexNot, lexMinus:
		return true
	}
	return false
}

// appendNode appends n unless it was dropped (nil).
func appendNode(kids []node, n node) []node {
	if n == nil {
		return kids
	}
	return append(kids, n)
}

// combine returns nil for no operands, the operand itself for one, and
// build(kids) for more.
func combine(kids []node, build func([]node) node) node {
	switch len(kids) {
	case 0:
		return nil
	case 1:
		return kids[0]
	}
	return build(kids)
}

// negativeOnly returns the node that lets n match without any positive term,
// or nil when every match of n needs one.
func negativeOnly(n node) node {
	switch n := n.(type) {
	case *notNode:
		return n
	case *andNode:
		var first node
		for _, k := range n.kids {
			neg := negativeOnly(k)
			if neg == nil {
				return nil
			}
			if first == nil {
				first = neg
			}
		}
		return first
	case *orNode:
		for _, k := range n.kids {
			if neg := negativeOnly(k); neg != nil {
				return neg
			}
		}
	}
	return nil
}
