package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxQuote is the most characters of a sentence a hit quotes; a longer
// sentence is cut around the match, with "…" where it was cut.
const maxQuote = 280

// sentenceAround returns the sentence of text that holds text[start:end],
// trimmed: from just after the previous sentence end (., !, ?, the Arabic
// question mark ؟, the Urdu full stop ۔, or a line break) to the next one,
// that end included. A dot only ends a sentence when a space or the end of
// the text follows it, so that "U.S." and "3.5" stay whole.
func sentenceAround(text string, start, end int) string {
	from := 0
	for i := start - 1; i >= 0; {
		r, size := utf8.DecodeLastRuneInString(text[:i+1])
		if r == '\n' || endsSentence(r) && endsAt(text, i+1-size, i+1) {
			from = i + 1
			break
		}
		i -= size
	}
	to := len(text)
	for i := end; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\n' {
			to = i
			break
		}
		if endsSentence(r) && endsAt(text, i, i+size) {
			to = i + size
			break
		}
		i += size
	}
	return trimQuote(text[from:to], start-from, end-from)
}

// endsAt reports whether the mark text[at:next] ends a sentence: the text
// ends after it, or a space follows it and then no lower-case letter ("the
// U.S. welcomed"), and it does not close a one-letter abbreviation ("U.S.",
// "J. Smith").
func endsAt(text string, at, next int) bool {
	if next == len(text) {
		return true
	}
	if !unicode.IsSpace(rune(text[next])) {
		return false
	}
	after := strings.TrimLeftFunc(text[next:], unicode.IsSpace)
	if r, _ := utf8.DecodeRuneInString(after); unicode.IsLower(r) {
		return false
	}
	if text[at] == '.' && at >= 1 {
		prev, size := utf8.DecodeLastRuneInString(text[:at])
		if unicode.IsLetter(prev) {
			before, _ := utf8.DecodeLastRuneInString(text[:at-size])
			if at-size == 0 || before == '.' || unicode.IsSpace(before) {
				return false
			}
		}
	}
	return true
}

func endsSentence(r rune) bool {
	switch r {
	case '.', '!', '?', '؟', '۔', '…':
		return true
	}
	return false
}

// trimQuote trims s, a sentence that holds s[start:end], and cuts it to
// about maxQuote characters around that, on word boundaries.
func trimQuote(s string, start, end int) string {
	if utf8.RuneCountInString(s) <= maxQuote {
		return strings.TrimSpace(s)
	}
	// Keep the match, then as much before and after it as fits, a third
	// of the room before.
	room := maxQuote - utf8.RuneCountInString(s[start:end])
	before := max(room/3, 0)
	after := max(room-before, 0)
	from := start
	for n := 0; from > 0 && n < before; n++ {
		_, size := utf8.DecodeLastRuneInString(s[:from])
		from -= size
	}
	to := end
	for n := 0; to < len(s) && n < after; n++ {
		_, size := utf8.DecodeRuneInString(s[to:])
		to += size
	}
	if from > 0 {
		if i := strings.IndexByte(s[from:start], ' '); i >= 0 {
			from += i + 1
		}
	}
	if to < len(s) {
		if i := strings.LastIndexByte(s[end:to], ' '); i >= 0 {
			to = end + i
		}
	}
	q := strings.TrimSpace(s[from:to])
	if from > 0 {
		q = "…" + q
	}
	if to < len(s) {
		q += "…"
	}
	return q
}
