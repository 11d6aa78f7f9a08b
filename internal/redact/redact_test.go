package redact

import "testing"

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "https://www.timesofisrael.com/feed/", "https://www.timesofisrael.com/feed/"},
		{"user and password", "http://user:s3cret@feeds.example/rss", "http://feeds.example/rss"},
		{"user only", "https://token123@feeds.example/rss", "https://feeds.example/rss"},
		{"password with @", "http://user:p%40ss@w@feeds.example:8080/rss", "http://feeds.example:8080/rss"},
		{"no path", "http://user:pw@feeds.example", "http://feeds.example"},
		{"no path, query", "http://user:pw@feeds.example?apikey=k", "http://feeds.example?apikey=REDACTED"},
		{"raw # in password", "http://user:p#w@feeds.example/rss", "http://feeds.example/rss"},
		{"@ in path is not user information", "https://medium.com/feed/@someone", "https://medium.com/feed/@someone"},
		{"@ in query is not user information", "https://feeds.example/rss?from=a@b.example", "https://feeds.example/rss?from=a@b.example"},
		{"apikey", "https://api.example/feed?apikey=abc123&lang=en", "https://api.example/feed?apikey=REDACTED&lang=en"},
		{"every listed name", "https://x.example/f?key=1&apikey=2&api_key=3&token=4&access_token=5&secret=6&password=7&sig=8&signature=9",
			"https://x.example/f?key=REDACTED&apikey=REDACTED&api_key=REDACTED&token=REDACTED&access_token=REDACTED&secret=REDACTED&password=REDACTED&sig=REDACTED&signature=REDACTED"},
		{"case-insensitive", "https://x.example/f?APIKey=1&Token=2&SIG=3", "https://x.example/f?APIKey=REDACTED&Token=REDACTED&SIG=REDACTED"},
		{"similar names", "https://x.example/f?X-Api-Key=1&client_secret=2&X-Amz-Signature=3&auth_token=4&pwd=5",
			"https://x.example/f?X-Api-Key=REDACTED&client_secret=REDACTED&X-Amz-Signature=REDACTED&auth_token=REDACTED&pwd=REDACTED"},
		{"percent-encoded name", "https://x.example/f?api%5Fkey=1", "https://x.example/f?api%5Fkey=REDACTED"},
		{"harmless names kept", "https://x.example/f?format=rss&section=world&signup=1&tokens_left", "https://x.example/f?format=rss&section=world&signup=1&tokens_left"},
		{"empty value", "https://x.example/f?token=&a=1", "https://x.example/f?token=REDACTED&a=1"},
		{"name without value", "https://x.example/f?token", "https://x.example/f?token"},
		{"empty pairs kept", "https://x.example/f?a=1&&key=2&", "https://x.example/f?a=1&&key=REDACTED&"},
		{"fragment kept", "https://x.example/f?key=2#top", "https://x.example/f?key=REDACTED#top"},
		{"both", "http://u:pw@x.example/f?sig=abc", "http://x.example/f?sig=REDACTED"},
		{"file URL", "file:feeds/local.xml", "file:feeds/local.xml"},
		{"not a URL", "not a url", "not a url"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := URL(tc.in); got != tc.want {
				t.Errorf("URL(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if again := URL(URL(tc.in)); again != URL(tc.in) {
				t.Errorf("URL is not idempotent: %q, then %q", URL(tc.in), again)
			}
		})
	}
}

func TestText(t *testing.T) {
	raw := "http://user:hunter2@feeds.example/rss?token=t0k"
	tests := []struct {
		name, in string
		urls     []string
		want     string
	}{
		{"an error quoting the URL", `monitor: feed "X" (` + raw + `): HTTP 503`, []string{raw},
			`monitor: feed "X" (http://feeds.example/rss?token=REDACTED): HTTP 503`},
		{"twice, and a second URL", raw + " then " + raw + " then http://a:b@c.example/", []string{raw, "http://a:b@c.example/"},
			"http://feeds.example/rss?token=REDACTED then http://feeds.example/rss?token=REDACTED then http://c.example/"},
		{"nothing to hide", "HTTP 503", []string{raw, ""}, "HTTP 503"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in, tc.urls...); got != tc.want {
				t.Errorf("Text\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
