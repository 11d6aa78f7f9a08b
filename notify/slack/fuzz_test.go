package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
)

// FuzzRenderAlert renders arbitrary feed text and checks the invariants the
// escaping promises: valid UTF-8 within Block Kit's limits, and no Slack
// syntax ("<…>") but the links and date tokens the renderer wrote itself,
// each well formed.
func FuzzRenderAlert(f *testing.F) {
	f.Add("<!channel> Breaking", "&lt;!here&gt; <b>x</b>", "https://example.com/a b|c", "Feed <@U1>", "<!date^1^{x}|y>")
	f.Add("\u202Einvoice\u202C", "\x1b[2J", "javascript:alert(1)", "", "Abraham Accords")
	f.Add("اتفاقيات أبراهام", "הֶסְכֵּמֵי אַבְרָהָם", "https://موقع.مصر/خبر?a=1&b=<2>", "بي بي سي", "تطبيع")
	f.Fuzz(func(t *testing.T, title, summary, link, feed, hit string) {
		m := notifytest.AlertMessage(notify.Entry{AlertID: 1, Title: title, Summary: summary, Link: link, Feed: feed,
			Published: notifytest.Published, Hits: []model.Hit{{Field: "title", Text: hit}}})
		blocks, fallback := style{}.render(m)
		raw, err := json.Marshal(blocks)
		if err != nil {
			t.Fatal(err)
		}
		var decoded []map[string]any
		if err := json.Unmarshal(raw, &decoded); err != nil {
			t.Fatal(err)
		}
		texts := []string{fallback}
		walkTexts(decoded, &texts)
		for _, s := range texts {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
			if n := utf8.RuneCountInString(s); n > maxTextChars {
				t.Fatalf("text of %d characters", n)
			}
			checkSlackSyntax(t, s)
		}
	})
}

// checkSlackSyntax fails t if s holds "<…>" syntax other than a well-formed
// http(s) link with a label or a date token.
func checkSlackSyntax(t *testing.T, s string) {
	t.Helper()
	for rest := s; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		end := strings.IndexByte(rest[i:], '>')
		if end < 0 {
			t.Fatalf("unclosed < in %q", s)
		}
		token := rest[i+1 : i+end]
		switch {
		case strings.HasPrefix(token, "!date^"):
		case strings.HasPrefix(token, "http://"), strings.HasPrefix(token, "https://"):
			url, _, ok := strings.Cut(token, "|")
			if !ok || strings.ContainsAny(url, " <") {
				t.Fatalf("malformed link %q in %q", token, s)
			}
		default:
			t.Fatalf("feed text became Slack syntax %q in %q", token, s)
		}
		rest = rest[i+end+1:]
	}
}

func BenchmarkRenderAlert(b *testing.B) {
	m := notifytest.AlertMessage(notifytest.SampleEntry(1))
	m.Entries[0].Summary = strings.Repeat("<p>Officials said <b>normalization</b> talks resumed on Tuesday.</p>", 20)
	for b.Loop() {
		style{}.render(m)
	}
}

func BenchmarkSplitDigest(b *testing.B) {
	m := notifytest.ListMessage(notify.KindDigest, 1000, 40)
	for b.Loop() {
		style{}.split(m)
	}
}
