package analysis

import (
	"slices"
	"strings"
	"testing"
)

// texts returns the analysed forms of the tokens of s.
func texts(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // Text of each token
	}{
		{"lower case ASCII", "peace talks", []string{"peace", "talks"}},
		{"upper case folded", "Abraham ACCORDS", []string{"abraham", "accords"}},
		{"digits are letters", "G7 summit 2026", []string{"g7", "summit", "2026"}},
		{"punctuation separates", "Israel's PM, Netanyahu. (Jerusalem)/Tel-Aviv", []string{"israel", "s", "pm", "netanyahu", "jerusalem", "tel", "aviv"}},
		{"ASCII hyphen", "al-Sharaa", []string{"al", "sharaa"}},
		{"non-breaking hyphen", "Al\u2011Sharaa", []string{"al", "sharaa"}},
		{"en dash", "Syria–Israel", []string{"syria", "israel"}},
		{"typographic apostrophe", "Israel’s", []string{"israel", "s"}},
		{"NFKC ligature", "ﬁnancial", []string{"financial"}},
		{"NFKC full width", "ＩＳＲＡＥＬ", []string{"israel"}},
		{"NFKC fraction splits", "½", []string{"1", "2"}},
		{"NFKC black-letter", "ℌamas", []string{"hamas"}},
		{"full case folding", "Straße STRASSE", []string{"strasse", "strasse"}},
		{"dotted capital I", "İstanbul", []string{"istanbul"}},
		{"Greek final sigma", "ΟΔΥΣΣΕΥΣ Οδυσσευς", []string{"οδυσσευσ", "οδυσσευσ"}},
		{"precomposed accent", "café Élysée", []string{"cafe", "elysee"}},
		{"combining accent", "cafe\u0301", []string{"cafe"}},
		{"Arabic harakat", "مُحَمَّد", []string{"محمد"}},
		{"Hebrew niqqud", "שָׁלוֹם", []string{"שלום"}},
		{"Hebrew presentation form", "\uFB2Aלום", []string{"שלום"}},
		{"Hebrew gershayim separates", "צה״ל", []string{"צה", "ל"}},
		{"Arabic tatweel", "إسرائيـــل", []string{"اسرائيل"}},
		{"Arabic alef variants", "أحمد إسرائيل آمن ٱلله", []string{"احمد", "اسرائيل", "امن", "الله"}},
		{"Arabic alef maksura", "مصطفى", []string{"مصطفي"}},
		{"Arabic teh marbuta", "السعودية", []string{"السعوديه"}},
		{"Arabic hamza letters kept", "مسؤول رئيس", []string{"مسؤول", "رئيس"}},
		{"Arabic presentation form", "\uFEFB", []string{"لا"}},
		{"Arabic-Indic digits stay digits", "٢٠٢٦", []string{"٢٠٢٦"}},
		{"soft hyphen does not split", "normal\u00ADization", []string{"normalization"}},
		{"zero width non-joiner does not split", "می\u200Cخواهم", []string{"میخواهم"}},
		{"emoji separates", "peace🕊talks", []string{"peace", "talks"}},
		{"invalid UTF-8 separates", "ab\xffcd", []string{"ab", "cd"}},
		{"empty", "", nil},
		{"only separators", " -–.,!? ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := texts(Analyze(tc.in))
			if !slices.Equal(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
				t.Errorf("Analyze(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAnalyzeOffsetsAndCasedForm(t *testing.T) {
	tests := []struct {
		in    string
		spans []string // text[Start:End] of each token
		cased []string
	}{
		{"The Abraham Accords", []string{"The", "Abraham", "Accords"}, []string{"The", "Abraham", "Accords"}},
		{"US-Israel ties", []string{"US", "Israel", "ties"}, []string{"US", "Israel", "ties"}},
		{"İstanbul café", []string{"İstanbul", "café"}, []string{"Istanbul", "cafe"}},
		{"cafe\u0301 bar", []string{"cafe\u0301", "bar"}, []string{"cafe", "bar"}},
		{"Straße", []string{"Straße"}, []string{"Straße"}},
		{"وإسرائيلية تطبيع", []string{"وإسرائيلية", "تطبيع"}, []string{"واسرائيليه", "تطبيع"}},
		{"ABC½x", []string{"ABC½", "½x"}, []string{"ABC1", "2x"}},
		{"ͺ", []string{"ͺ"}, []string{"ι"}}, // folding turns a mark into a letter
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			toks := Analyze(tc.in)
			var spans, cased []string
			for _, tok := range toks {
				spans = append(spans, tc.in[tok.Start:tok.End])
				cased = append(cased, tok.Cased)
			}
			if !slices.Equal(spans, tc.spans) {
				t.Errorf("spans = %q, want %q", spans, tc.spans)
			}
			if !slices.Equal(cased, tc.cased) {
				t.Errorf("cased = %q, want %q", cased, tc.cased)
			}
		})
	}
}

// TestAnalyzeRealFeeds analyses every item of the Arabic and Hebrew fixture
// feeds and checks the invariants of tokens, and a few words known to be
// there.
func TestAnalyzeRealFeeds(t *testing.T) {
	want := map[string][]string{
		"arab48-arabic-2026-10-03.xml":        {"واسرائيليه", "الاسرائيلي", "السعوديه", "اسرائيل"},
		"israeldefense-hebrew-2026-10-03.xml": {"לישראל", "ישראל"},
		"kan11-hebrew-2026-10-03.xml":         {"ישראל", "הסעודית", "הישראלי"},
	}
	for file, words := range want {
		t.Run(file, func(t *testing.T) {
			seen := map[string]bool{}
			for _, it := range loadFeedItems(t, file) {
				for _, text := range []string{it.Title, StripHTML(it.Summary)} {
					toks := Analyze(text)
					checkTokenInvariants(t, text, toks)
					for _, tok := range toks {
						seen[tok.Text] = true
					}
				}
			}
			for _, w := range words {
				if !seen[w] {
					t.Errorf("no token %q in %s", w, file)
				}
			}
		})
	}
}

// checkTokenInvariants checks what every analysis must give: tokens in
// order, non-empty, within the text, made of letters and digits only, and
// unchanged when analysed again.
func checkTokenInvariants(t *testing.T, text string, toks []Token) {
	t.Helper()
	prevStart, prevEnd := 0, 0
	for _, tok := range toks {
		// Two tokens share bytes only when one code point became both
		// ("½" → 1, 2).
		if tok.Start < prevStart || tok.End < prevEnd || tok.End <= tok.Start || tok.End > len(text) {
			t.Fatalf("token %+v out of order or out of %q", tok, text)
		}
		prevStart, prevEnd = tok.Start, tok.End
		if tok.Text == "" || tok.Cased == "" {
			t.Fatalf("empty token %+v in %q", tok, text)
		}
		if again := texts(Analyze(tok.Text)); len(again) != 1 || again[0] != tok.Text {
			t.Fatalf("analysing token %q again gives %q", tok.Text, again)
		}
		if strings.ContainsFunc(tok.Text, func(r rune) bool { return !isTokenRune(r) }) {
			t.Fatalf("token %q has a separator", tok.Text)
		}
	}
}
