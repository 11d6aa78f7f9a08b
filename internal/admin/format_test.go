package admin

import "testing"

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
