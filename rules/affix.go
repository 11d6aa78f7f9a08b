package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/affix"
)

// Attached prefixes (step 5 of the analysis). Arabic and Hebrew write some
// conjunctions, prepositions and the article as part of the next word: "and
// Israel" is وإسرائيل in Arabic and וישראל in Hebrew. An item token therefore
// also matches a term equal to the token with one such prefix removed, as
// long as at least two letters remain. Query terms are never stripped.

// arabicPrefixes are in analysed form (alef variants already normalized).
var arabicPrefixes = []string{"وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك"}

// hebrewPrefixes: one of ו ה ב ל מ ש כ, or ו followed by one of the others.
var hebrewPrefixes = []string{
	"וה", "וב", "ול", "ומ", "וש", "וכ",
	"ו", "ה", "ב", "ל", "מ", "ש", "כ",
}

// arabicByLetter and hebrewByLetter list, for each letter of the range
// tokenForms takes a token of the script by (from its first letter), the
// prefixes that start with it, in the order of the lists above: a token
// is only tried with the prefixes it can start with.
var (
	arabicByLetter = affix.NewTable(arabicPrefixes, arabicFirst, arabicLast)
	hebrewByLetter = affix.NewTable(hebrewPrefixes, hebrewFirst, hebrewLast)
)

// The ranges of first letters of Arabic and Hebrew tokens with prefixes.
const (
	arabicFirst, arabicLast = 0x0600, 0x06FF
	hebrewFirst, hebrewLast = 0x05D0, 0x05EA
)

// maxForms bounds the forms tokenForms returns: the token, and at most one
// one-letter prefix and one longer prefix starting with that letter.
const maxForms = 3

// tokenForms appends to dst the forms of an item token that a term may
// equal: the token itself, then the token without each attached prefix it
// carries. It does not allocate beyond dst: the forms are substrings of tok.
func tokenForms(dst []string, tok string) []string {
	dst = append(dst, tok)
	if tok == "" || tok[0] < utf8.RuneSelf {
		return dst
	}
	var prefixes []string
	switch r, _ := utf8.DecodeRuneInString(tok); {
	case r >= arabicFirst && r <= arabicLast:
		prefixes = arabicByLetter.Starting(r)
	case r >= hebrewFirst && r <= hebrewLast:
		prefixes = hebrewByLetter.Starting(r)
	default:
		return dst
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(tok, p); ok && atLeastRunes(rest, 2) {
			dst = append(dst, rest)
		}
	}
	return dst
}

// atLeastRunes reports whether s has n or more runes.
func atLeastRunes(s string, n int) bool {
	for range s {
		n--
		if n <= 0 {
			return true
		}
	}
	return n <= 0
}
