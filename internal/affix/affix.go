// Package affix indexes attached prefixes (the conjunctions, prepositions
// and articles that Arabic and Hebrew write as part of the next word) by
// the letter they start with, so that a word is tried only with the
// prefixes it can start with. The lists themselves stay with their users:
// rules strips the rule language's prefixes, story a few more.
package affix

import "unicode/utf8"

// Table holds prefixes by their first letter.
type Table struct {
	first    rune
	byLetter [][]string
}

// NewTable indexes prefixes, each starting with a letter from first to
// last, by that letter; each letter's list keeps the order of prefixes.
func NewTable(prefixes []string, first, last rune) Table {
	t := Table{first: first, byLetter: make([][]string, last-first+1)}
	for _, p := range prefixes {
		r, _ := utf8.DecodeRuneInString(p)
		t.byLetter[r-first] = append(t.byLetter[r-first], p)
	}
	return t
}

// Starting returns the prefixes that start with r, in the order they were
// given; nil when none does or r is outside the table's letters.
func (t Table) Starting(r rune) []string {
	if i := int(r - t.first); i >= 0 && i < len(t.byLetter) {
		return t.byLetter[i]
	}
	return nil
}
