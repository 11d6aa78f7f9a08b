package rules

import (
	"testing"

	"github.com/newswatch/newswatch/internal/analysis"
)

// TestAnalyzerAppend checks that a reused analysis.Analyzer appends
// exactly the tokens analysis.Analyze returns, after whatever it analysed
// before and after the tokens already in dst. It is here rather than in
// package analysis because it runs on the items rules' generator makes
// (gen_test.go) besides the fixture feeds.
func TestAnalyzerAppend(t *testing.T) {
	g := newGenerator(11, 1.01, 0)
	texts := []string{"", " ", "The Abraham Accords", "İstanbul Straße ﬁne ½ ℌ", "وإسرائيلـية أحمد مسؤول",
		"צה״ל וישראל", "e\u0301clair", "\xff\xfe", "ǅ ᾳ \u0345", "UPPER lower MiXeD 123 ½"}
	for range 40 {
		it := g.item()
		texts = append(texts, it.Title, analysis.StripHTML(it.Summary))
	}
	for _, file := range []string{"arab48-arabic-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml"} {
		for _, it := range loadFeedItems(t, file) {
			texts = append(texts, it.Title, analysis.StripHTML(it.Summary))
		}
	}
	var a analysis.Analyzer
	var dst []analysis.Token
	for i, text := range texts {
		want := analysis.Analyze(text)
		prefix := analysis.Analyze(texts[(i+1)%len(texts)])
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
