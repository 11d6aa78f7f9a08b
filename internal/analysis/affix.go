package analysis

import (
	"strings"
	"unicode/utf8"
)

// Attached prefixes (step 5 of the analysis). Arabic and Hebrew write some
// conjunctions, prepositions and the article as part of the next word: "and
// Israel" is وإسرائيل in Arabic and וישראל in Hebrew. An item token therefore
// also matches a term equal to the token with one such prefix removed, as
// long as at least two letters remain. Query terms are never stripped.

// ArabicPrefixes are the Arabic attached prefixes of the rule language, in
// analysed form (alef variants already normalized), longest first. Treat
// the slice as read-only.
var ArabicPrefixes = []string{"وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك"}

// HebrewPrefixes are the Hebrew attached prefixes of the rule language:
// one of ו ה ב ל מ ש כ, or ו followed by one of the others. Treat the slice
// as read-only.
var HebrewPrefixes = []string{
	"וה", "וב", "ול", "ומ", "וש", "וכ",
	"ו", "ה", "ב", "ל", "מ", "ש", "כ",
}

// arabicByLetter and hebrewByLetter list, for each letter of the range
// Forms takes a token of the script by (from its first letter), the
// prefixes that start with it, in the order of the lists above: a token
// is only tried with the prefixes it can start with.
var (
	arabicByLetter = NewPrefixTable(ArabicPrefixes, arabicFirst, arabicLast)
	hebrewByLetter = NewPrefixTable(HebrewPrefixes, hebrewFirst, hebrewLast)
)

// The ranges of first letters of Arabic and Hebrew tokens with prefixes.
const (
	arabicFirst, arabicLast = 0x0600, 0x06FF
	hebrewFirst, hebrewLast = 0x05D0, 0x05EA
)

// MaxForms bounds the forms Forms returns: the token, and at most one
// one-letter prefix and one longer prefix starting with that letter.
const MaxForms = 3

// Forms appends to dst the forms of an item token that a term may equal:
// the token itself, then the token without each attached prefix it
// carries. It does not allocate beyond dst: the forms are substrings of tok.
func Forms(dst []string, tok string) []string {
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

// PrefixTable holds prefixes by their first letter, so that a word is
// tried only with the prefixes it can start with. Forms uses one per
// script for the rule language's lists; story clustering builds its own
// from longer lists.
type PrefixTable struct {
	first    rune
	byLetter [][]string
}

// NewPrefixTable indexes prefixes, each starting with a letter from first
// to last, by that letter; each letter's list keeps the order of prefixes.
func NewPrefixTable(prefixes []string, first, last rune) PrefixTable {
	t := PrefixTable{first: first, byLetter: make([][]string, last-first+1)}
	for _, p := range prefixes {
		r, _ := utf8.DecodeRuneInString(p)
		t.byLetter[r-first] = append(t.byLetter[r-first], p)
	}
	return t
}

// Starting returns the prefixes that start with r, in the order they were
// given; nil when none does or r is outside the table's letters.
func (t PrefixTable) Starting(r rune) []string {
	if i := int(r - t.first); i >= 0 && i < len(t.byLetter) {
		return t.byLetter[i]
	}
	return nil
}
