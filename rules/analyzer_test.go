package rules

import (
	"testing"
)

// TestAnalyzerAppend checks that a reused Analyzer appends exactly the
// tokens Analyze returns, after whatever it analysed before and after the
// tokens already in dst.
func TestAnalyzerAppend(t *testing.T) {
	g := newGenerator(11, 1.01, 0)
	texts := []string{"", " ", "The Abraham Accords", "İstanbul Straße ﬁne ½ ℌ", "وإسرائيلـية أحمد مسؤول",
		"צה״ל וישראל", "e\u0301clair", "\xff\xfe", "ǅ ᾳ \u0345", "UPPER lower MiXeD 123 ½"}
	for range 40 {
		it := g.item()
		texts = append(texts, it.Title, StripHTML(it.Summary))
	}
	for _, file := range []string{"arab48-arabic-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml"} {
		for _, it := range loadFeedItems(t, file) {
			texts = append(texts, it.Title, StripHTML(it.Summary))
		}
	}
	var a Analyzer
	var dst []Token
	for i, text := range texts {
		want := Analyze(text)
		prefix := Analyze(texts[(i+1)%len(texts)])
		dst = append(dst[:0], prefix...)
		dst = a.Append(dst, text)
		if !sameTokens(dst[:len(prefix)], prefix) {
			t.Fatalf("text %d: Append changed the tokens already in dst", i)
		}
		if got := dst[len(prefix):]; !sameTokens(got, want) {
			t.Fatalf("text %d %.40q: Append gave\n%v\nAnalyze\n%v", i, text, got, want)
		}
	}
}
