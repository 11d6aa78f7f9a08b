package canonical

import (
	"net/url"
	"strings"
	"testing"
)

func TestLink(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// RFC 3986 normalisation.
		{"scheme and host case", "HTTPS://Example.ORG/News/Item", "https://example.org/News/Item"},
		{"default https port", "https://example.org:443/a", "https://example.org/a"},
		{"default http port", "http://example.org:80", "http://example.org/"},
		{"other port kept", "http://example.org:8080/a", "http://example.org:8080/a"},
		{"https on port 80 kept", "https://example.org:80/a", "https://example.org:80/a"},
		{"IPv6 literal", "http://[::1]:80/a#x", "http://[::1]/a"},
		{"trailing dot of host", "https://example.org./a", "https://example.org/a"},
		{"fragment", "https://example.org/a#comments", "https://example.org/a"},
		{"user information", "https://user:secret@example.org/a", "https://example.org/a"},
		{"white space", "  https://example.org/a \n", "https://example.org/a"},
		{"trailing slash", "https://example.org/2026/10/03/story/", "https://example.org/2026/10/03/story"},
		{"escape case", "https://www.arab48.com/%d8%a3%d8%ae", "https://www.arab48.com/%D8%A3%D8%AE"},
		{"raw UTF-8 path escaped", "https://www.arab48.com/أخ", "https://www.arab48.com/%D8%A3%D8%AE"},
		{"unreserved unescaped", "https://example.org/%7Euser/a%2Db", "https://example.org/~user/a-b"},
		{"reserved stays escaped", "https://example.org/a%2fb?x=%3d", "https://example.org/a%2Fb?x=%3D"},
		{"empty query", "https://example.org/a?", "https://example.org/a"},

		// Query: tracking parameters dropped, the rest sorted.
		{"utm", "https://example.org/a?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://example.org/a"},
		{"utm upper case", "https://example.org/a?UTM_Source=rss&id=7", "https://example.org/a?id=7"},
		{"click ids", "https://example.org/a?fbclid=IwAR0&gclid=Cj0&msclkid=1&id=3", "https://example.org/a?id=3"},
		{"mailchimp", "https://example.org/a?mc_cid=abc&mc_eid=def", "https://example.org/a"},
		{"ref", "https://example.org/a?ref=twitter&page=2", "https://example.org/a?page=2"},
		{"guardian CMP", "https://www.theguardian.com/world/2026/oct/03/story?CMP=share_btn_tw", "https://www.theguardian.com/world/2026/oct/03/story"},
		{"bbc ns_", "https://www.bbc.co.uk/news/world-123?ns_mchannel=social&ns_source=twitter", "https://www.bbc.co.uk/news/world-123"},
		{"sorted", "https://example.org/a?b=2&a=1&c=3", "https://example.org/a?a=1&b=2&c=3"},
		{"repeated names keep order", "https://example.org/a?tag=z&id=1&tag=a", "https://example.org/a?id=1&tag=z&tag=a"},
		{"empty parameters", "https://example.org/a?&&id=1&", "https://example.org/a?id=1"},
		{"value escapes", "https://example.org/s?q=israel%20syria", "https://example.org/s?q=israel%20syria"},

		// AMP variants.
		{"amp suffix", "https://www.example.com/news/123/amp", "https://www.example.com/news/123"},
		{"amp suffix slash", "https://www.example.com/2026/10/03/story/amp/", "https://www.example.com/2026/10/03/story"},
		{"amp prefix", "https://www.example.com/amp/news/123", "https://www.example.com/news/123"},
		{"outputType=amp", "https://www.washingtonpost.com/world/2026/10/03/story/?outputType=amp", "https://www.washingtonpost.com/world/2026/10/03/story"},
		{"amp=1", "https://example.org/a?amp=1&id=2", "https://example.org/a?id=2"},
		{"amp word in a path kept", "https://example.org/ampere/amplifier", "https://example.org/ampere/amplifier"},
		{"amp cache", "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/123/amp/", "https://www.example.com/news/123"},
		{"amp cache http", "https://example-org.cdn.ampproject.org/c/example.org/a", "http://example.org/a"},
		{"google amp viewer", "https://www.google.com/amp/s/www.example.com/news/123.amp", "https://www.example.com/news/123.amp"},

		// Redirectors.
		{"google news url", "https://news.google.com/news/url?sa=t&url=https://www.ynetnews.com/article/abc%3Futm_source%3Drss&ct=ga", "https://www.ynetnews.com/article/abc"},
		{"google news article id",
			"https://news.google.com/rss/articles/CBMiRGh0dHBzOi8vd3d3LnRpbWVzb2Zpc3JhZWwuY29tL2lzcmFlbC1hbmQtc3lyaWEtYWdyZWUtc2VjdXJpdHktdGFsa3Mv0gEA?oc=5",
			"https://www.timesofisrael.com/israel-and-syria-agree-security-talks"},
		{"google news opaque id kept", "https://news.google.com/rss/articles/AU_yqLOPAQUE?oc=5", "https://news.google.com/rss/articles/AU_yqLOPAQUE?oc=5"},
		{"google url", "https://www.google.com/url?rct=j&sa=t&url=https%3A%2F%2Fwww.aljazeera.com%2Fnews%2F2026%2F10%2F3%2Fstory&ct=ga", "https://www.aljazeera.com/news/2026/10/3/story"},
		{"google q", "https://www.google.com/url?q=https://example.org/a&sa=D", "https://example.org/a"},
		{"facebook", "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.org%2Fa%3Ffbclid%3Dx&h=AT0", "https://example.org/a"},
		{"bing news", "https://www.bing.com/news/apiclick.aspx?ref=FexRss&url=https%3a%2f%2fwww.arabnews.com%2fnode%2f1&c=1", "https://www.arabnews.com/node/1"},
		{"nested", "https://www.google.com/url?q=" + url.QueryEscape("https://l.facebook.com/l.php?u="+url.QueryEscape("https://example.org/a")), "https://example.org/a"},
		{"redirector without target", "https://www.google.com/url?q=not-a-link", "https://www.google.com/url?q=not-a-link"},
		{"redirector to another scheme", "https://l.facebook.com/l.php?u=javascript:alert(1)", "https://l.facebook.com/l.php?u=javascript:alert(1)"},

		// Not canonicalised.
		{"relative", "/relative/path#frag", "/relative/path#frag"},
		{"not a URL", "not a url %zz", "not a url %zz"},
		{"tag URI", "tag:example.org,2026:1", "tag:example.org,2026:1"},
		{"mailto", "mailto:desk@example.org", "mailto:desk@example.org"},
		{"no host", "https:///a", "https:///a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Link(tc.in)
			if got != tc.want {
				t.Errorf("Link(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if again := Link(got); again != got {
				t.Errorf("not idempotent: Link(%q) = %q", got, again)
			}
		})
	}
}

// TestLinkEquivalents checks that the spellings one story gets in real
// feeds and share links meet in one canonical link.
func TestLinkEquivalents(t *testing.T) {
	groups := [][]string{
		{
			"https://www.timesofisrael.com/israel-and-syria-agree-security-talks/",
			"https://www.timesofisrael.com/israel-and-syria-agree-security-talks/?utm_source=dlvr.it&utm_medium=twitter",
			"https://WWW.TIMESOFISRAEL.COM/israel-and-syria-agree-security-talks/amp/",
			"https://www-timesofisrael-com.cdn.ampproject.org/c/s/www.timesofisrael.com/israel-and-syria-agree-security-talks/amp/",
			"https://news.google.com/rss/articles/CBMiRGh0dHBzOi8vd3d3LnRpbWVzb2Zpc3JhZWwuY29tL2lzcmFlbC1hbmQtc3lyaWEtYWdyZWUtc2VjdXJpdHktdGFsa3Mv0gEA?oc=5&hl=en-US",
			"https://www.timesofisrael.com:443/israel-and-syria-agree-security-talks#comments",
		},
		{
			"https://kan.org.il/content/kan-news/politic/1106412/",
			"https://kan.org.il/content/kan-news/politic/1106412?fbclid=IwAR2x",
		},
	}
	for _, g := range groups {
		want := Link(g[0])
		for _, s := range g[1:] {
			if got := Link(s); got != want {
				t.Errorf("Link(%q) = %q, want %q like %q", s, got, want, g[0])
			}
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"https://example.org/a?b=2&a=1#x",
		"HTTP://EXAMPLE.ORG:80/%7e/amp/",
		"https://news.google.com/rss/articles/CBMiRGh0dHBzOi8vd3d3LnRpbWVzb2Zpc3JhZWwuY29tL2lzcmFlbC1hbmQtc3lyaWEtYWdyZWUtc2VjdXJpdHktdGFsa3Mv0gEA?oc=5",
		"https://www.google.com/url?q=https://x.example/amp/amp/?amp=1",
		"https://x.cdn.ampproject.org/c/s/x.example/a",
		"https://[::1]:443/%zz",
		"https://www.arab48.xn--com---qch2ahckb7ctxb1kqiscb9ag/%D8%A3",
		"https://example.org/a?utm_source=x&&ref=y&z",
		"http://example.org/%",
		"https://href.li/?https://example.org/a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Link(s)
		if again := Link(c); again != c {
			t.Errorf("not idempotent:\n  Link(%q) = %q\n  Link(%q) = %q", s, c, c, again)
		}
		if c == strings.TrimSpace(s) {
			return // left as it was (or already canonical)
		}
		if u, err := url.Parse(c); err != nil || u.Fragment != "" || (u.Scheme != "http" && u.Scheme != "https") {
			t.Errorf("Link(%q) = %q: not an http(s) URL without fragment (%v)", s, c, err)
		}
	})
}
