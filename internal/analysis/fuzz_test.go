package analysis

import (
	"testing"
	"unicode/utf8"
)

// FuzzAnalyze checks the invariants of analysis on any text, HTML or not.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"The Abraham Accords", "İstanbul Straße ﬁne ½ ℌ", "وإسرائيلـية أحمد مسؤول", "צה״ל וישראל",
		"e\u0301clair", "<p>Hi</p><script>x</script>&amp;", "\xff\xfe", "ǅ ᾳ \u0345",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range []string{text, StripHTML(text)} {
			toks := Analyze(s)
			checkTokenInvariants(t, s, toks)
			for _, tok := range toks {
				if !utf8.ValidString(tok.Text) || !utf8.ValidString(tok.Cased) {
					t.Fatalf("invalid UTF-8 in %+v", tok)
				}
				if len(Forms(nil, tok.Text)) > MaxForms {
					t.Fatalf("too many forms of %q", tok.Text)
				}
			}
		}
	})
}
