package rules

import (
	"bytes"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Regexps are not indexed, and Go's RE2 engine is slow to run over a whole
// text. A regexp usually needs some literal text, though: /cease ?fire/
// cannot match a text without "cease". requiredLiterals finds such strings
// so that a cheap substring search can rule most texts out first, the way
// code search engines filter regexp candidates by trigrams.

// maxLiterals bounds the alternatives a prefilter keeps.
const maxLiterals = 16

// requiredLiterals returns strings one of which occurs in every analysed
// text that the case-insensitive regexp src matches, or nil when it cannot
// tell. Analysed text is case folded, so the strings are in lower case.
func requiredLiterals(src string) [][]byte {
	re, err := syntax.Parse(src, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil
	}
	lits, ok := literalsOf(re.Simplify())
	if !ok {
		return nil
	}
	out := make([][]byte, len(lits))
	for i, l := range lits {
		out[i] = []byte(l)
	}
	return out
}

func literalsOf(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		lit, ok := foldedLiteral(re.Rune)
		return []string{lit}, ok
	case syntax.OpCapture, syntax.OpPlus:
		return literalsOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literalsOf(re.Sub[0])
		}
	case syntax.OpConcat:
		// Any operand's literals will do; take the longest shortest one.
		var best []string
		for _, sub := range re.Sub {
			lits, ok := literalsOf(sub)
			if ok && shortest(lits) > shortest(best) {
				best = lits
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits, ok := literalsOf(sub)
			if !ok {
				return nil, false
			}
			all = append(all, lits...)
		}
		return all, len(all) <= maxLiterals
	}
	return nil, false
}

// foldedLiteral returns the text a case-insensitive literal has in analysed
// text. It gives up on letters whose case has more than two forms (σ, ς, Σ),
// which analysed text writes in one form the literal may not use.
func foldedLiteral(runes []rune) (string, bool) {
	var b strings.Builder
	for _, r := range runes {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(unicode.ToLower(r))
		case unicode.SimpleFold(r) == r:
			b.WriteRune(r) // no case: Arabic, Hebrew, digits
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func shortest(lits []string) int {
	if len(lits) == 0 {
		return 0
	}
	n := len(lits[0])
	for _, l := range lits[1:] {
		n = min(n, len(l))
	}
	return n
}

// containsAny reports whether s contains one of lits.
func containsAny(s []byte, lits [][]byte) bool {
	for _, l := range lits {
		if bytes.Contains(s, l) {
			return true
		}
	}
	return false
}
