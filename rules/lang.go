package rules

import (
	"fmt"
	"strings"
)

// langTerm parses the value of lang:TAG, a BCP 47 language tag such as ar,
// he or en-US. Matching follows RFC 4647 §3.3.1 basic filtering: lang:en
// matches items in en, en-US and en-GB; lang:en-us matches en-US only.
// Comparison ignores case and treats '_' as '-'.
func langTerm(l lexeme) (node, error) {
	tag := normalizeLang(l.text)
	if !validLangTag(tag) {
		return nil, &SyntaxError{Offset: l.at, Msg: fmt.Sprintf("lang: takes a language tag like ar, he or en-us, not %q", l.text)}
	}
	return &langNode{tag: tag, at: l.at}, nil
}

// normalizeLang lower-cases a language tag and writes '_' as '-'.
func normalizeLang(tag string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(tag)), "_", "-")
}

// validLangTag checks the shape of a normalized tag: a primary subtag of 2
// to 8 letters and subtags of 1 to 8 letters or digits.
func validLangTag(tag string) bool {
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) < 1 || len(sub) > 8 || i == 0 && len(sub) < 2 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j]
			letter := 'a' <= c && c <= 'z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// langMatches reports whether the item language itemLang (normalized) falls
// in the range tag.
func langMatches(itemLang, tag string) bool {
	rest, ok := strings.CutPrefix(itemLang, tag)
	return ok && (rest == "" || rest[0] == '-')
}

// langOverlap reports whether some language tag falls in both ranges.
func langOverlap(a, b string) bool {
	return langMatches(a, b) || langMatches(b, a)
}
