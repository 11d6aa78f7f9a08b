package canonical

import (
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"slices"
	"strings"
)

// redirector is a service whose links carry the address they lead to in a
// query parameter.
type redirector struct {
	hosts  []string // host names, lower case
	path   string   // the redirect endpoint's path; "" means any path
	params []string // parameters that may hold the target, in order of preference
}

// redirectors lists the redirect services Link unwraps. To add one, add a
// row and a case to TestLink.
var redirectors = []redirector{
	{hosts: []string{"news.google.com"}, path: "/news/url", params: []string{"url", "q"}},
	{hosts: []string{"news.google.com"}, path: "/url", params: []string{"url", "q"}},
	{hosts: []string{"www.google.com", "google.com"}, path: "/url", params: []string{"q", "url"}},
	{hosts: []string{"l.facebook.com", "lm.facebook.com", "l.messenger.com"}, path: "/l.php", params: []string{"u"}},
	{hosts: []string{"l.instagram.com"}, path: "/", params: []string{"u"}},
	{hosts: []string{"www.bing.com", "bing.com"}, path: "/news/apiclick.aspx", params: []string{"url"}},
	{hosts: []string{"out.reddit.com"}, params: []string{"url"}},
	{hosts: []string{"www.linkedin.com"}, path: "/redir/redirect", params: []string{"url"}},
	{hosts: []string{"slack-redir.net"}, path: "/link", params: []string{"url"}},
	{hosts: []string{"duckduckgo.com"}, path: "/l/", params: []string{"uddg"}},
	{hosts: []string{"t.umblr.com"}, path: "/redirect", params: []string{"z"}},
	{hosts: []string{"www.youtube.com"}, path: "/redirect", params: []string{"q"}},
	{hosts: []string{"flipboard.com"}, path: "/redirect", params: []string{"url"}},
}

// unwrap returns the target of a redirector link u, or nil when u is not
// one or its target is not an absolute http(s) URL. It looks at u's host
// and path in their canonical form, so that a canonical link is unwrapped
// exactly when the link it came from was.
func unwrap(u *url.URL, c parts) *url.URL {
	h, escaped, path := c.host, c.escaped, c.path
	for _, r := range redirectors {
		if !slices.Contains(r.hosts, h) || (r.path != "" && path != foldPath(r.path)) {
			continue
		}
		q := u.Query()
		for _, p := range r.params {
			if t := parseHTTP(strings.TrimSpace(q.Get(p))); t != nil {
				return t
			}
		}
	}
	switch {
	case h == "news.google.com":
		return googleNewsArticle(path)
	case strings.HasSuffix(h, ".cdn.ampproject.org"):
		return ampPath(path, []string{"/c/", "/v/", "/wp/", "/i/"})
	case h == "www.google.com" || h == "google.com":
		return ampPath(escaped, []string{"/amp/"}) // before folding drops "/amp"
	}
	return nil
}

// ampPath unwraps the AMP cache and AMP viewer form PREFIX[s/]HOST/PATH of
// an escaped path, where "s/" means https
// (https://amp.dev/documentation/guides-and-tutorials/learn/amp-caches-and-cors/amp-cache-urls).
// HOST must be a domain name with a dot.
func ampPath(path string, prefixes []string) *url.URL {
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(path, p)
		if !ok {
			continue
		}
		scheme := "http://"
		if r, ok := strings.CutPrefix(rest, "s/"); ok {
			scheme, rest = "https://", r
		}
		h, _, _ := strings.Cut(rest, "/")
		if !strings.Contains(strings.Trim(h, "."), ".") {
			return nil
		}
		return parseHTTP(scheme + rest)
	}
	return nil
}

// googleNewsArticle returns the article address inside a Google News
// article ID (the last path segment after "articles/" or "read/"), when the
// ID carries it. Such an ID is base64url-encoded protocol buffer data
// (https://protobuf.dev/programming-guides/encoding/) whose first
// length-delimited field that is an http(s) URL is the article. Newer IDs
// are opaque; they are left alone.
func googleNewsArticle(path string) *url.URL {
	var id string
	for _, marker := range []string{"/articles/", "/read/"} {
		if i := strings.LastIndex(path, marker); i >= 0 {
			id = path[i+len(marker):]
			break
		}
	}
	id, _, _ = strings.Cut(id, "/")
	if id == "" {
		return nil
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil {
		return nil
	}
	for len(data) > 0 {
		tag, n := binary.Uvarint(data)
		if n <= 0 {
			return nil
		}
		data = data[n:]
		switch tag & 7 {
		case 0: // varint
			_, n := binary.Uvarint(data)
			if n <= 0 {
				return nil
			}
			data = data[n:]
		case 2: // length-delimited
			size, n := binary.Uvarint(data)
			if n <= 0 || size > uint64(len(data)-n) {
				return nil
			}
			field := string(data[n : n+int(size)])
			data = data[n+int(size):]
			if strings.HasPrefix(field, "http://") || strings.HasPrefix(field, "https://") {
				if t := parseHTTP(field); t != nil {
					return t
				}
			}
		default:
			return nil
		}
	}
	return nil
}
