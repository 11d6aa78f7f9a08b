package canonical

import "testing"

func TestSite(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{"https://www.example.co.uk/news/1", "example.co.uk"},
		{"http://feeds.example.co.uk/rss.xml", "example.co.uk"},
		{"https://WWW.Example.COM./a", "example.com"},
		{"https://outlet-a.example/2026/12/07/story", "outlet-a.example"},
		{"https://a.blogspot.com/post", "a.blogspot.com"},
		{"https://b.blogspot.com/post", "b.blogspot.com"},
		{"http://127.0.0.1:8080/feed.xml", "127.0.0.1:8080"},
		{"http://127.0.0.1:80/feed.xml", "127.0.0.1"},
		{"https://[::1]:8443/a", "[::1]:8443"},
		{"http://localhost:9000/a", "localhost:9000"},
		{"https://co.uk/a", "co.uk"},
		{"  https://www.example.com/a  ", "example.com"},
		{"file:feeds/a.xml", ""},
		{"/relative/path", ""},
		{"ftp://example.com/a", ""},
		{"", ""},
	} {
		t.Run(tc.link, func(t *testing.T) {
			if got := Site(tc.link); got != tc.want {
				t.Errorf("Site(%q) = %q, want %q", tc.link, got, tc.want)
			}
		})
	}
}

func TestSameSite(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://feeds.example.co.uk/news/rss.xml", "https://www.example.co.uk/news/world-1", true},
		{"https://example.com/feed", "https://example.org/a", false},
		{"http://127.0.0.1:8080/feed.xml", "http://127.0.0.1:8080/a", true},
		{"http://127.0.0.1:8080/feed.xml", "http://127.0.0.1:8081/a", false},
		{"file:feeds/a.xml", "file:feeds/b.xml", false},
		{"", "", false},
	} {
		if got := SameSite(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSite(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
