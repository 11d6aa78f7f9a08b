package admin

import (
	"strings"
	"testing"
)

// TestSafeLink: the page links only to web pages, and a link cannot pass
// for another host through user information.
func TestSafeLink(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"https", "https://www.timesofisrael.com/liveblog/?p=1", "https://www.timesofisrael.com/liveblog/?p=1"},
		{"spaces around", "  http://example.com/a  ", "http://example.com/a"},
		{"javascript", "javascript:alert(1)", ""},
		{"data", "data:text/html,<script>alert(1)</script>", ""},
		{"file", "file:///etc/passwd", ""},
		{"relative", "/2026/11/27/story", ""},
		{"user information dropped", "https://bank.example@evil.example/login", "https://evil.example/login"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeLink(tc.raw); got != tc.want {
				t.Errorf("safeLink(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

// TestShortError: a long error keeps its cause whole and loses its context
// first, so the page never shows a cut-off middle ("…no suc…").
func TestShortError(t *testing.T) {
	long := strings.Repeat("x", 50)
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{"fits", "HTTP 503 Service Unavailable", 40, "HTTP 503 Service Unavailable"},
		{"context dropped", "fetch https://www.arab48.com/rss: lookup www.arab48.com on 127.0.0.53:53: no such host", 60,
			"…lookup www.arab48.com on 127.0.0.53:53: no such host"},
		{"down to the cause", "lookup " + long + ".example on 127.0.0.53:53: no such host", 30, "…no such host"},
		{"a cause too long is cut at its end", "feed: " + long, 20, "xxxxxxxxxxxxxxxxxxx…"},
		{"no context to drop", long, 10, "xxxxxxxxx…"},
		{"one line", "HTTP 500\n\x1b[31mInternal", 40, "HTTP 500 [31mInternal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ShortError(tc.s, tc.n)
			if got != tc.want {
				t.Errorf("ShortError(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
			}
			if n := len([]rune(got)); n > tc.n {
				t.Errorf("ShortError is %d characters, more than %d", n, tc.n)
			}
		})
	}
}
