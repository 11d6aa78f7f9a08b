package rules

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
)

// tokenFormsReference is analysis.Forms as first written: every prefix of
// the script's list is tried on every token. The test is here rather than
// in package analysis because it runs on the items rules' generator makes
// (gen_test.go) besides the fixture feeds.
func tokenFormsReference(dst []string, tok string) []string {
	dst = append(dst, tok)
	if tok == "" || tok[0] < utf8.RuneSelf {
		return dst
	}
	var prefixes []string
	switch r, _ := utf8.DecodeRuneInString(tok); {
	case r >= 0x0600 && r <= 0x06FF:
		prefixes = analysis.ArabicPrefixes
	case r >= 0x05D0 && r <= 0x05EA:
		prefixes = analysis.HebrewPrefixes
	default:
		return dst
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(tok, p); ok && utf8.RuneCountInString(rest) >= 2 {
			dst = append(dst, rest)
		}
	}
	return dst
}

// TestTokenFormsByLetter compares analysis.Forms with tokenFormsReference on
// every token of the fixture feeds and generated items, and on every
// prefix and pair of prefixes before short Arabic and Hebrew stems.
func TestTokenFormsByLetter(t *testing.T) {
	var toks []string
	add := func(text string) {
		for _, tok := range analysis.Analyze(text) {
			toks = append(toks, tok.Text, tok.Cased)
		}
	}
	for _, file := range []string{"arab48-arabic-2026-10-03.xml", "israeldefense-hebrew-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml"} {
		for _, it := range loadFeedItems(t, file) {
			add(it.Title)
			add(analysis.StripHTML(it.Summary))
		}
	}
	g := newGenerator(5, 1.01, 0)
	for range 200 {
		it := g.item()
		add(it.Title)
		add(analysis.StripHTML(it.Summary))
	}
	for _, list := range [][]string{analysis.ArabicPrefixes, analysis.HebrewPrefixes} {
		stems := []string{"ر", "ري", "رياض", "الرياض", "ۀب"}
		if list[0] == analysis.HebrewPrefixes[0] {
			stems = []string{"ב", "בי", "בית", "הבית"}
		}
		for _, p := range list {
			for _, q := range append([]string{""}, list...) {
				for _, s := range stems {
					toks = append(toks, p+q+s)
				}
			}
		}
	}
	withPrefix := 0
	for _, tok := range toks {
		got, want := analysis.Forms(nil, tok), tokenFormsReference(nil, tok)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: forms %q, want %q", tok, got, want)
		}
		if len(want) > 1 {
			withPrefix++
		}
	}
	if withPrefix < 500 {
		t.Fatalf("only %d of %d tokens have a prefix", withPrefix, len(toks))
	}
}
