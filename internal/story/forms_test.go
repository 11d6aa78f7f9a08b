package story

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
)

// appendFormsReference is appendForms as first written: every prefix of
// the script's list is tried on every word.
func appendFormsReference(dst []string, w string) []string {
	r, _ := utf8.DecodeRuneInString(w)
	var prefixes []string
	switch {
	case r >= 0x05D0 && r <= 0x05EA:
		prefixes = hebrewPrefixes
	case r >= 0x0620 && r <= 0x064A:
		prefixes = arabicPrefixes
	default:
		return appendForms(dst, w) // Latin and others: no prefixes
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= 3 {
			dst = append(dst, rest)
		}
	}
	return dst
}

// TestAppendForms compares appendForms with appendFormsReference on every
// word of the golden inputs and on every prefix (and pair of prefixes)
// before Hebrew and Arabic stems of one to four letters.
func TestAppendForms(t *testing.T) {
	var words []string
	for _, x := range extractInputs(t) {
		for _, text := range []string{x.title, analysis.StripHTML(x.summary)} {
			for _, tok := range analysis.Analyze(text) {
				words = append(words, tok.Text)
			}
		}
	}
	for _, list := range [][]string{hebrewPrefixes, arabicPrefixes} {
		stems := []string{"ב", "בי", "בית", "הבית"}
		if list[0] == arabicPrefixes[0] {
			stems = []string{"ر", "ري", "رياض", "الرياض", "لبيت"}
		}
		for _, p := range list {
			for _, q := range append([]string{""}, list...) {
				for _, s := range stems {
					words = append(words, p+q+s)
				}
			}
		}
	}
	hebrew, arabic := 0, 0
	for _, w := range words {
		got, want := appendForms(nil, w), appendFormsReference(nil, w)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: forms %q, want %q", w, got, want)
		}
		if len(want) > 0 {
			switch r, _ := utf8.DecodeRuneInString(w); {
			case r >= 0x05D0 && r <= 0x05EA:
				hebrew++
			case r >= 0x0620 && r <= 0x064A:
				arabic++
			}
		}
	}
	if hebrew < 100 || arabic < 100 {
		t.Fatalf("only %d Hebrew and %d Arabic words with other forms", hebrew, arabic)
	}
}
