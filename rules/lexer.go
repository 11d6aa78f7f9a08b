package rules

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lexKind is the kind of a lexeme of the query language.
type lexKind uint8

const (
	lexEOF    lexKind = iota
	lexLParen         // (
	lexRParen         // )
	lexWord           // a bare word, possibly ending in '*'
	lexPhrase         // "…", text without the quotes
	lexRegexp         // /…/, text without the slashes and with \/ unescaped
	lexAnd            // AND
	lexOr             // OR
	lexNot            // NOT
	lexMinus          // '-' directly before a term
	lexNear           // NEAR, NEAR/n, PRE, PRE/n
	lexField          // field: or case:, text is the name in lower case
)

// maxNearDistance bounds NEAR/n and PRE/n.
const maxNearDistance = 1000

// defaultNearDistance is the distance of NEAR and PRE without /n.
const defaultNearDistance = 10

// lexeme is one token of the query language (analysis.Token is a word of
// analysed text).
type lexeme struct {
	kind     lexKind
	text     string
	at, end  int // byte offsets of the lexeme in the query
	dist     int // lexNear: the distance
	ordered  bool
	operator string // lexNear: "NEAR" or "PRE"
}

// describe names the lexeme for "found …" in error messages.
func (l lexeme) describe() string {
	switch l.kind {
	case lexEOF:
		return "end of query"
	case lexLParen:
		return "'('"
	case lexRParen:
		return "')'"
	case lexPhrase:
		return fmt.Sprintf("phrase %q", l.text)
	case lexRegexp:
		return "regexp /" + l.text + "/"
	case lexField:
		return "'" + l.text + ":'"
	case lexNear:
		return "'" + l.operator + "'"
	case lexWord:
		return fmt.Sprintf("word %q", l.text)
	}
	return "'" + l.text + "'"
}

// lex splits a query into lexemes. The last lexeme is always lexEOF.
func lex(src string) ([]lexeme, error) {
	var out []lexeme
	i := 0
	for {
		for i < len(src) && isQuerySpace(src[i]) {
			i++
		}
		if i >= len(src) {
			return append(out, lexeme{kind: lexEOF, at: len(src), end: len(src)}), nil
		}
		// The value of domain: and lang: is read as it is: a URL in it
		// must not look like a field.
		raw := len(out) > 0 && out[len(out)-1].kind == lexField &&
			(out[len(out)-1].text == "domain" || out[len(out)-1].text == "lang") && src[i] != '(' && src[i] != '"'
		l, err := lexOne(src, i, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
		i = l.end
	}
}

func isQuerySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// endsWord reports whether the byte at src[i] ends a bare word.
func endsWord(src string, i int) bool {
	if i >= len(src) {
		return true
	}
	c := src[i]
	return isQuerySpace(c) || c == '(' || c == ')' || c == '"'
}

// lexOne reads the lexeme that starts at src[i], which is not a space. A
// raw lexeme is a bare word whatever it looks like.
func lexOne(src string, i int, raw bool) (lexeme, error) {
	if raw {
		end := i
		for !endsWord(src, end) {
			end++
		}
		return lexeme{kind: lexWord, text: src[i:end], at: i, end: end}, nil
	}
	switch src[i] {
	case '(':
		return lexeme{kind: lexLParen, text: "(", at: i, end: i + 1}, nil
	case ')':
		return lexeme{kind: lexRParen, text: ")", at: i, end: i + 1}, nil
	case '"':
		return lexQuoted(src, i)
	case '/':
		return lexRegexpAt(src, i)
	case '-':
		if !endsWord(src, i+1) || (i+1 < len(src) && (src[i+1] == '(' || src[i+1] == '"')) {
			return lexeme{kind: lexMinus, text: "-", at: i, end: i + 1}, nil
		}
	}
	end := i
	for !endsWord(src, end) {
		end++
	}
	word := src[i:end]
	if name, ok := fieldPrefix(word); ok {
		colon := i + len(name)
		if endsWord(src, colon+1) && (colon+1 >= len(src) || src[colon+1] != '(' && src[colon+1] != '"') {
			return lexeme{}, &SyntaxError{Offset: colon + 1, Msg: fmt.Sprintf("expected a term directly after '%s:'", name)}
		}
		lower := strings.ToLower(name)
		if _, known := fieldByName(lower); !known && lower != "case" {
			return lexeme{}, &SyntaxError{Offset: i, Msg: fmt.Sprintf(
				"unknown field '%s:'; fields are %s (and case: for exact case); quote the text to search for it as written", name, validFields())}
		}
		return lexeme{kind: lexField, text: lower, at: i, end: colon + 1}, nil
	}
	l := lexeme{kind: lexWord, text: word, at: i, end: end}
	switch word {
	case "AND":
		l.kind = lexAnd
	case "OR":
		l.kind = lexOr
	case "NOT":
		l.kind = lexNot
	default:
		return lexNearOperator(l)
	}
	return l, nil
}

// fieldPrefix reports whether word starts with ASCII letters and a colon,
// and returns the letters.
func fieldPrefix(word string) (string, bool) {
	for j := 0; j < len(word); j++ {
		c := word[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case c == ':' && j > 0:
			return word[:j], true
		default:
			return "", false
		}
	}
	return "", false
}

// lexNearOperator turns l into a NEAR or PRE operator if its text is one.
func lexNearOperator(l lexeme) (lexeme, error) {
	op, rest, hasDist := strings.Cut(l.text, "/")
	if op != "NEAR" && op != "PRE" {
		return l, nil
	}
	l.kind, l.operator, l.ordered, l.dist = lexNear, op, op == "PRE", defaultNearDistance
	if !hasDist {
		return l, nil
	}
	n, err := strconv.Atoi(rest)
	if err != nil || rest == "" || rest[0] == '+' || rest[0] == '-' {
		return lexeme{}, &SyntaxError{Offset: l.at + len(op) + 1, Msg: fmt.Sprintf("expected a number of words after '%s/', like %s/5", op, op)}
	}
	if n > maxNearDistance {
		return lexeme{}, &SyntaxError{Offset: l.at + len(op) + 1, Msg: fmt.Sprintf("%s distance %d is too large; the largest is %d", op, n, maxNearDistance)}
	}
	l.dist = n
	return l, nil
}

// lexQuoted reads a phrase "…" starting at src[i].
func lexQuoted(src string, i int) (lexeme, error) {
	j := strings.IndexByte(src[i+1:], '"')
	if j < 0 {
		return lexeme{}, &SyntaxError{Offset: len(src), Msg: fmt.Sprintf(
			"expected '\"' to close the phrase %s", snippet(src, i))}
	}
	return lexeme{kind: lexPhrase, text: src[i+1 : i+1+j], at: i, end: i + j + 2}, nil
}

// lexRegexpAt reads a regexp /…/ starting at src[i]; \/ stands for a slash.
func lexRegexpAt(src string, i int) (lexeme, error) {
	var b strings.Builder
	for j := i + 1; j < len(src); j++ {
		switch c := src[j]; {
		case c == '\\' && j+1 < len(src) && src[j+1] == '/':
			b.WriteByte('/')
			j++
		case c == '\\' && j+1 < len(src):
			b.WriteByte(c)
			b.WriteByte(src[j+1])
			j++
		case c == '/':
			if !endsWord(src, j+1) {
				return lexeme{}, &SyntaxError{Offset: j + 1, Msg: "unexpected text after the regexp's closing '/' (regexps take no flags: they are always case-insensitive)"}
			}
			return lexeme{kind: lexRegexp, text: b.String(), at: i, end: j + 1}, nil
		default:
			b.WriteByte(c)
		}
	}
	return lexeme{}, &SyntaxError{Offset: len(src), Msg: fmt.Sprintf(
		"expected '/' to close the regexp %s (write \\/ for a slash inside it)", snippet(src, i))}
}

// snippet quotes the query from offset at, shortened, to point at a place
// in a message.
func snippet(src string, at int) string {
	const maxRunes = 24
	s := src[at:]
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > maxRunes {
		r := []rune(s)
		s = string(r[:maxRunes]) + "…"
	}
	return strconv.Quote(s)
}
