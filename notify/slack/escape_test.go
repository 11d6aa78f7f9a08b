package slack

import (
	"github.com/newswatch/newswatch/notify"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestEscapeUntrustedText runs hostile and legitimate feed text through the
// same path a title takes into Slack mrkdwn (CleanText, then escapeSlack).
func TestEscapeUntrustedText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"channel mention", "Breaking <!channel> now", "Breaking &lt;!channel&gt; now"},
		{"here mention", "<!here> look", "&lt;!here&gt; look"},
		{"everyone via subteam syntax", "<!subteam^S123|@all>", "&lt;!subteam^S123|@all&gt;"},
		{"user mention", "ping <@U123>", "ping &lt;@U123&gt;"},
		{"disguised link", "<https://evil.example|Your bank>", "&lt;https://evil.example|Your bank&gt;"},
		{"date token", "<!date^0^{date}|x>", "&lt;!date^0^{date}|x&gt;"},
		{"already escaped entity is escaped again", "AT&amp;T &lt;!channel&gt;", "AT&amp;amp;T &amp;lt;!channel&amp;gt;"},
		{"ampersand", "Q&A", "Q&amp;A"},
		{"right-to-left override removed", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"every embedding and isolate removed", "a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i", "abcdefghi"},
		{"terminal escape and NUL removed", "Is\x00rael \x1b[31mred\x1b[0m\a", "Israel [31mred[0m"},
		{"C1 control removed", "a\u0085b\u009bc", "a bc"},
		{"line breaks become spaces", "one\r\ntwo\tthree\u2028four", "one two three four"},
		{"zero-width space and BOM removed", "\ufeffAbra\u200bham\u2060 Accords", "Abraham Accords"},
		{"invalid UTF-8 replaced", "ok\xffok", "ok\uFFFDok"},
		{"tag characters outside a flag removed", "hi\U000E0041\U000E0042", "hi"},
		{"Arabic kept", "اتفاقيات أبراهام والتطبيع", "اتفاقيات أبراهام والتطبيع"},
		{"Hebrew with niqqud kept", "הֶסְכֵּמֵי אַבְרָהָם", "הֶסְכֵּמֵי אַבְרָהָם"},
		{"right-to-left mark kept", "ישראל\u200F: סוריה", "ישראל\u200F: סוריה"},
		{"Arabic letter mark kept", "سوريا\u061C 2026", "سوريا\u061C 2026"},
		{"Persian zero-width non-joiner kept", "می\u200Cخواهم", "می\u200Cخواهم"},
		{"emoji zero-width joiner kept", "👨\u200D👩\u200D👧 family", "👨\u200D👩\u200D👧 family"},
		{"stray joiners removed", "\u200Dstart \u200C\u200Cmid\u200D", "start mid"},
		{"England flag tag sequence kept", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := escapeSlack(notify.CleanText(tc.in))
			if got != tc.want {
				t.Errorf("got  %+q\nwant %+q", got, tc.want)
			}
			for _, bad := range []string{"<!", "<@", "<http", "\u202E", "\x1b"} {
				if strings.Contains(got, bad) {
					t.Errorf("output %+q still contains %+q", got, bad)
				}
			}
		})
	}
}

func TestSafeLink(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain https", "https://www.timesofisrael.com/liveblog/", "https://www.timesofisrael.com/liveblog/", true},
		{"query ampersand is an entity", "https://example.com/?a=1&b=2", "https://example.com/?a=1&amp;b=2", true},
		{"spaces and pipe encoded", "https://example.com/a b|c?q=x y|z", "https://example.com/a%20b%7Cc?q=x%20y%7Cz", true},
		{"angle brackets cannot end the link", "https://example.com/?q=<x>|label", "https://example.com/?q=%3Cx%3E%7Clabel", true},
		{"scheme and host case", "HTTPS://Example.COM/Path", "https://example.com/Path", true},
		{"internationalised host", "https://موقع.وزارة-الاتصالات.مصر/خبر", "https://xn--4gbrim.xn----ymcbaaajlc6dj7bxne2c.xn--wgbh1c/%D8%AE%D8%A8%D8%B1", true},
		{"user info dropped", "https://bank.example@evil.example/login", "https://evil.example/login", true},
		{"surrounding space trimmed", "  http://example.com/x  ", "http://example.com/x", true},
		{"javascript scheme", "javascript:alert(document.cookie)", "", false},
		{"javascript scheme mixed case", "JaVaScRiPt://%0aalert(1)", "", false},
		{"data scheme", "data:text/html,<script>alert(1)</script>", "", false},
		{"mailto", "mailto:x@example.com", "", false},
		{"relative", "/news/1", "", false},
		{"scheme-relative", "//evil.example/x", "", false},
		{"no host", "https:///path", "", false},
		{"control character", "https://example.com/\nx", "", false},
		{"empty", "", "", false},
		{"too long", "https://example.com/" + strings.Repeat("a", notify.MaxLinkLength), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := safeLink(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("safeLink(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
			if strings.ContainsAny(got, " |<>\"") {
				t.Errorf("link %q holds a character that would break <url|label>", got)
			}
		})
	}
}

// TestLinkTextUnsafeShownAsText checks that an unsafe link leaves the title
// as visible, escaped text instead of a link.
func TestLinkTextUnsafeShownAsText(t *testing.T) {
	got := linkText("javascript:alert(1)", escapeSlack("Click <here>"))
	if got != "Click &lt;here&gt;" {
		t.Errorf("got %q", got)
	}
	got = linkText("https://example.com/a b", "Title")
	if got != "<https://example.com/a%20b|Title>" {
		t.Errorf("got %q", got)
	}
}

// plainCost counts every rune as one character, as notify.Truncate does
// without a cost.
func plainCost(rune) int { return 1 }

func TestTruncate(t *testing.T) {
	arabic := strings.Repeat("اتفاقيات أبراهام للتطبيع بين سوريا وإسرائيل ", 20) // 880 runes
	hebrew := strings.Repeat("שָׁלוֹם עֲלֵיכֶם ", 40)
	tests := []struct {
		name  string
		in    string
		limit int
		cost  func(rune) int
	}{
		{"arabic snippet", arabic, notify.SnippetChars, plainCost},
		{"arabic header", arabic, maxHeaderChars, escapedCost},
		{"hebrew with niqqud", hebrew, 101, plainCost},
		{"no spaces", strings.Repeat("以色列叙利亚关系正常化", 40), notify.SnippetChars, plainCost},
		{"escaping counted", strings.Repeat("<&> ", 100), maxHeaderChars, escapedCost},
		{"emoji sequences", strings.Repeat("👨\u200D👩\u200D👧 ", 100), 50, plainCost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := notify.Truncate(tc.in, tc.limit, tc.cost)
			if !utf8.ValidString(got) {
				t.Fatalf("invalid UTF-8: %q", got)
			}
			cost := 0
			for _, r := range got {
				cost += tc.cost(r)
			}
			if cost > tc.limit {
				t.Errorf("cost %d > limit %d", cost, tc.limit)
			}
			if cost < tc.limit/2 {
				t.Errorf("cost %d: cut far too short for limit %d", cost, tc.limit)
			}
			if !strings.HasSuffix(got, notify.Ellipsis) {
				t.Fatalf("cut text %q does not end with an notify.Ellipsis", got)
			}
			kept := strings.TrimSuffix(got, notify.Ellipsis)
			if !strings.HasPrefix(tc.in, kept) {
				t.Fatalf("%q is not a prefix of the input", kept)
			}
			next, _ := utf8.DecodeRuneInString(tc.in[len(kept):])
			if unicode.In(next, unicode.Mn, unicode.Me) || next == 0x200D {
				t.Errorf("cut between a character and its mark or joiner (next rune %U)", next)
			}
			if strings.ContainsRune(tc.in, ' ') && next != ' ' {
				t.Errorf("text with spaces was not cut on a word boundary (next rune %q)", next)
			}
		})
	}
	if got := notify.Truncate("short", 10, plainCost); got != "short" {
		t.Errorf("short text changed: %q", got)
	}
	if got := notify.Truncate("exactly10!", 10, plainCost); got != "exactly10!" {
		t.Errorf("text at the limit changed: %q", got)
	}
}

func TestParseMention(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"<!subteam^S0123ABC>", "<!subteam^S0123ABC>", true},
		{"S0123ABC", "<!subteam^S0123ABC>", true},
		{"<@U0123>", "<@U0123>", true},
		{"U0123", "<@U0123>", true},
		{"@here", "<!here>", true},
		{"<!channel>", "<!channel>", true},
		{"@everyone", "<!everyone>", true},
		{"here", "", false},
		{"<!subteam^S1> <!channel>", "<!subteam^S1> <!channel>", true},
		{"  <!subteam^S1|@analysts>  @here ", "<!subteam^S1|@analysts> <!here>", true},
		{"<!subteam^S1> here", "", false},
		{"<!subteam^S1|a|b>", "", false},
		{"<https://evil|x>", "", false},
		{"@analysts", "", false},
	}
	for _, tc := range tests {
		got, err := parseMention(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("parseMention(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
