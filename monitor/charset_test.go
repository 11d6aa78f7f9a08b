package monitor

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHasForbiddenXMLChar holds the word-at-a-time scan to the plain
// reading of XML 1.0's Char production, at every position of the word and
// across the ends of words.
func TestHasForbiddenXMLChar(t *testing.T) {
	naive := func(b []byte) bool {
		for len(b) > 0 {
			r, n := utf8.DecodeRune(b)
			if !allowedXMLRune(r) {
				return true
			}
			b = b[n:]
		}
		return false
	}
	pieces := []string{"a", "é", "\t", "\n", "\r", "\x00", "\x1f", " ", "\x7f", "\uFFFD", "\uFFFE", "\uFFFF", "\uEFBF", "\uF000", "ש", "😀"}
	for _, tc := range []struct {
		name string
		text string
		want bool
	}{
		{"empty", "", false},
		{"ASCII with line breaks and tabs", strings.Repeat("line\tof text\r\n", 9), false},
		{"NUL in the first word", "ab\x00" + strings.Repeat("x", 20), true},
		{"control in the tail", strings.Repeat("x", 16) + "\x01", true},
		{"U+FFFE across two words", "1234567\uFFFE", true},
		{"U+FFFF at the end", strings.Repeat("y", 13) + "\uFFFF", true},
		{"U+FFFD is allowed", strings.Repeat("\uFFFD", 9), false},
		{"U+EFBF is allowed", "123456\uEFBF\uEFBF", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasForbiddenXMLChar([]byte(tc.text)); got != tc.want || naive([]byte(tc.text)) != tc.want {
				t.Errorf("hasForbiddenXMLChar(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20000 {
			var b strings.Builder
			for range rng.IntN(40) {
				if rng.IntN(8) == 0 {
					b.WriteString(pieces[rng.IntN(len(pieces))])
				} else {
					b.WriteString(pieces[rng.IntN(3)])
				}
			}
			text := []byte(b.String())
			if got, want := hasForbiddenXMLChar(text), naive(text); got != want {
				t.Fatalf("hasForbiddenXMLChar(%q) = %v, want %v", text, got, want)
			}
		}
	})
}

// BenchmarkHasForbiddenXMLChar scans a clean 150 KB document, as every
// changed document is scanned.
func BenchmarkHasForbiddenXMLChar(b *testing.B) {
	doc := []byte(strings.Repeat("<item><title>Delegations meet in Baku, report 17</title>\n<description>&lt;p&gt;Talks on water, officials said.&lt;/p&gt;</description></item>\n", 1200))
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if hasForbiddenXMLChar(doc) {
			b.Fatal("clean document reported")
		}
	}
}
