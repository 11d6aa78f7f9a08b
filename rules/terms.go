package rules

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
)

// Building the terms of a query: words, phrases and prefixes are analysed
// like item text; domain:, lang: and regexps are checked and kept as they
// are.

// casedTerm parses the word or phrase after case:.
func (p *parser) casedTerm(c lexeme, f field) (node, error) {
	next := p.next()
	switch next.kind {
	case lexWord, lexAnd, lexOr, lexNot, lexNear:
		next.kind = lexWord
		return p.wordTerm(next, f, true)
	case lexPhrase:
		return p.phraseTerm(next, f, true)
	}
	return nil, p.errorf(next.at, "expected a word or phrase after 'case:', found %s", next.describe())
}

// wordTerm turns a bare word into a term. A word that analyses to several
// tokens (al-sharaa) is the phrase of them; one that analyses to none is
// dropped with a warning.
func (p *parser) wordTerm(l lexeme, f field, cased bool) (node, error) {
	switch f {
	case fieldDomain:
		return domainTerm(l)
	case fieldLang:
		return langTerm(l)
	}
	elems, err := termElems(l.text, l.at, cased)
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		p.warnf(l.at, "%q has no letters or digits and is ignored", l.text)
		return nil, nil
	}
	return &termNode{field: f, cased: cased, elems: elems, at: l.at}, nil
}

// phraseTerm turns a quoted phrase into a term.
func (p *parser) phraseTerm(l lexeme, f field, cased bool) (node, error) {
	if f == fieldDomain || f == fieldLang {
		return nil, p.errorf(l.at, "%s: takes a bare value like %s, not a phrase", f, exampleValue(f))
	}
	var elems []elem
	text := l.text
	base := l.at + 1
	for len(text) > 0 {
		i := 0
		for i < len(text) && isQuerySpace(text[i]) {
			i++
		}
		j := i
		for j < len(text) && !isQuerySpace(text[j]) {
			j++
		}
		if j > i {
			e, err := termElems(text[i:j], base+i, cased)
			if err != nil {
				return nil, err
			}
			elems = append(elems, e...)
		}
		text, base = text[j:], base+j
	}
	if len(elems) == 0 {
		p.warnf(l.at, "phrase %q has no letters or digits and is ignored", l.text)
		return nil, nil
	}
	return &termNode{field: f, cased: cased, elems: elems, at: l.at}, nil
}

// termElems analyses one word of a query (bare or inside a phrase) that
// starts at offset at; a trailing '*' makes its last token a prefix.
func termElems(word string, at int, cased bool) ([]elem, error) {
	text, prefix := strings.CutSuffix(word, "*")
	if i := strings.IndexByte(text, '*'); i >= 0 {
		return nil, &SyntaxError{Offset: at + i, Msg: "'*' can only end a word (prefix search, like normaliz*)"}
	}
	toks := analysis.Analyze(text)
	if prefix {
		if len(toks) == 0 || toks[len(toks)-1].End != len(text) {
			return nil, &SyntaxError{Offset: at + len(text), Msg: "'*' must directly follow a letter or digit (prefix search, like normaliz*)"}
		}
		if last := toks[len(toks)-1]; utf8.RuneCountInString(last.Text) < 3 {
			return nil, &SyntaxError{Offset: at + last.Start, Msg: fmt.Sprintf(
				"prefix needs at least 3 characters before '*'; %q has %d", text[last.Start:last.End], len([]rune(last.Text)))}
		}
	}
	elems := make([]elem, len(toks))
	for i, t := range toks {
		elems[i].text = t.Text
		if cased {
			elems[i].text = t.Cased
		}
	}
	if prefix {
		elems[len(elems)-1].prefix = true
	}
	return elems, nil
}

// regexpTerm compiles /…/ for field f.
func (p *parser) regexpTerm(l lexeme, f field) (node, error) {
	switch f {
	case fieldDomain, fieldLang:
		return nil, p.errorf(l.at, "%s: takes a bare value like %s, not a regexp", f, exampleValue(f))
	}
	re, err := regexp.Compile("(?i)" + l.text)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = se.Code.String() + ": " + se.Expr
		}
		return nil, p.errorf(l.at, "invalid regexp /%s/: %s", l.text, msg)
	}
	if re.MatchString("") {
		return nil, p.errorf(l.at, "regexp /%s/ matches empty text, so it would match every item", l.text)
	}
	return &regexpNode{field: f, src: l.text, re: re, at: l.at}, nil
}

// exampleValue shows the kind of value field f takes, for error messages.
func exampleValue(f field) string {
	if f == fieldDomain {
		return "domain:reuters.com"
	}
	return "lang:ar"
}
