// Package canonical owns newswatch's canonical form of links: one spelling
// for every way feeds, aggregators and share buttons write the address of
// one article, so that identities and stories can compare links with ==.
//
// Link applies, in order:
//
//   - redirector links whose target is in the URL (Google News, Google,
//     Facebook, Bing and others; see redirectors) are replaced by their
//     target;
//   - the normalisations of RFC 3986, section 6.2.2: scheme and host in lower
//     case, percent-encoding with upper-case hex digits, unreserved
//     characters decoded; and of section 6.2.3: the scheme's default port
//     removed, an empty path made "/";
//   - the fragment, any user information and trailing slashes of the path
//     removed;
//   - tracking parameters removed (see tracking.go) and the remaining query
//     parameters sorted by name, keeping the order of repeated names;
//   - AMP variants folded onto the article: AMP cache and viewer URLs, a
//     trailing or leading /amp path segment, outputType=amp and amp=1.
//
// It never fetches anything: a redirect that only the server knows (t.co,
// feedproxy) stays as it is.
package canonical

import (
	"net/url"
	"slices"
	"strings"
)

// maxRedirects bounds how many redirector links one Link unwraps.
const maxRedirects = 4

// Link returns the canonical form of an absolute http or https link. Any
// other link (relative, another scheme, unparseable) is returned with its
// surrounding white space trimmed. Link is idempotent: Link(Link(s)) ==
// Link(s).
func Link(raw string) string {
	raw = strings.TrimSpace(raw)
	u := parseHTTP(raw)
	if u == nil {
		return raw
	}
	for i := 0; ; i++ {
		c := split(u)
		if i < maxRedirects {
			if target := unwrap(u, c); target != nil {
				u = target
				continue
			}
		}
		return format(u, c)
	}
}

// parts are the host and path of a URL in the forms both unwrap and format
// look at, computed once per URL.
type parts struct {
	host    string // see host
	escaped string // the path with normalised escapes
	path    string // escaped, folded by foldPath
}

func split(u *url.URL) parts {
	escaped := normEscapes(u.EscapedPath())
	return parts{host: host(u), escaped: escaped, path: foldPath(escaped)}
}

// parseHTTP parses s as an absolute http(s) URL with a host, or returns nil.
func parseHTTP(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return nil
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	if host(u) == "" {
		return nil
	}
	return u
}

// host is u's host name in lower case without trailing dots.
func host(u *url.URL) string {
	return strings.TrimRight(strings.ToLower(u.Hostname()), ".")
}

// format writes the canonical spelling of u, whose parts are c.
func format(u *url.URL, c parts) string {
	h := c.host
	if strings.Contains(h, ":") {
		h = "[" + h + "]" // an IPv6 literal
	}
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		h += ":" + port
	}
	query := sortedQuery(u.RawQuery)
	var b strings.Builder
	b.Grow(len(u.Scheme) + 3 + len(h) + len(c.path) + 1 + len(query))
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(h)
	b.WriteString(c.path)
	if query != "" {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String()
}

// sortedQuery returns the parameters of a raw query without the tracking
// ones and the AMP switches, with normalised escapes, sorted by name
// (stable, so that repeated names keep their order).
func sortedQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, text string }
	var params []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		part = normEscapes(part)
		key, value, _ := strings.Cut(part, "=")
		if isTracking(key) || isAMPSwitch(key, value) {
			continue
		}
		params = append(params, param{key, part})
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// normEscapes normalises the percent-encoding of a URL component (RFC 3986,
// section 6.2.2.2): escapes of unreserved characters are decoded, other
// escapes get upper-case hex digits, and bytes that may not appear
// unescaped (non-ASCII, controls, space) are escaped. A '%' that starts no
// escape is escaped itself.
func normEscapes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(v) {
				b.WriteByte(v)
			} else {
				writeEscape(&b, v)
			}
			i += 2
		case c == '%' || c <= ' ' || c >= 0x7f:
			writeEscape(&b, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

const upperHex = "0123456789ABCDEF"

func writeEscape(b *strings.Builder, c byte) {
	b.WriteByte('%')
	b.WriteByte(upperHex[c>>4])
	b.WriteByte(upperHex[c&15])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// isUnreserved reports whether c is an unreserved character of RFC 3986,
// section 2.3, which is the same escaped or not.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
