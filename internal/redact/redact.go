// Package redact owns how newswatch shows a URL that may carry a secret: a
// feed's URL can hold a password (http://user:pass@host/…) or an API key in
// its query (…?apikey=…), and such a URL is shown in logs, errors, the
// status page, `newswatch feeds list` and feed-health alerts. Everything
// that shows a feed's URL passes it through URL first; what newswatch
// fetches is the URL as configured.
package redact

import (
	"net/url"
	"strings"
)

// Mask stands in for the value of a secret-looking query parameter.
const Mask = "REDACTED"

// URL returns rawURL fit to be shown: without its user information (the
// "user:password@" before the host), and with the value of every query
// parameter whose name looks secret replaced by Mask (see secretParam).
// Everything else is kept byte for byte, so the result still reads as the
// URL the operator configured. A string that is not a URL is treated as one
// as far as it goes: the rules need only "://", "@", "/", "?", "&" and "#".
//
// A secret in the path (as in Slack's incoming-webhook URLs) is not
// recognised; no feed URL known to newswatch's users carries one there.
func URL(rawURL string) string {
	s := rawURL
	if i := strings.Index(s, "://"); i >= 0 {
		// The authority ends at the first "/" after the scheme: an "@" in
		// a path (https://medium.com/feed/@user) is not user information.
		// A password with a "/" of its own must be percent-encoded, as
		// RFC 3986 (section 3.2.1) says, to be read as one at all.
		rest := s[i+3:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if q := strings.IndexAny(rest[:end], "?#"); q >= 0 && !strings.Contains(rest[q:end], "@") {
			end = q
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			s = s[:i+3] + rest[at+1:]
		}
	}
	q := strings.IndexByte(s, '?')
	if q < 0 {
		return s
	}
	query, fragment := s[q+1:], ""
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query, fragment = query[:h], query[h:]
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:q+1])
	for i, pair := range strings.Split(query, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		name, _, hasValue := strings.Cut(pair, "=")
		if hasValue && secretParam(name) {
			b.WriteString(name + "=" + Mask)
			continue
		}
		b.WriteString(pair)
	}
	b.WriteString(fragment)
	return b.String()
}

// Text returns s with every occurrence of each of urls replaced by what URL
// makes of it: for text written before its URLs were redacted, such as a
// feed's last error recorded by an older newswatch, or an error of a
// library that quotes the URL it was given.
func Text(s string, urls ...string) string {
	for _, u := range urls {
		if u == "" {
			continue
		}
		if r := URL(u); r != u {
			s = strings.ReplaceAll(s, u, r)
		}
	}
	return s
}

// secretWords are the endings of query parameter names that hold secrets,
// compared in lower case with "-", "_" and "." removed: "apikey", "api_key",
// "X-Api-Key", "access_token", "client_secret", "X-Amz-Signature" all end in
// one. A harmless parameter that happens to match ("monkey") is only shown
// masked.
var secretWords = []string{"key", "token", "secret", "password", "passwd", "signature", "credential", "credentials"}

// secretNames are whole parameter names (normalised as for secretWords)
// that hold secrets but are too short to match as endings.
var secretNames = map[string]bool{"sig": true, "pwd": true, "pass": true, "auth": true, "session": true}

// secretParam reports whether a query parameter named name (as it appears
// in the URL, perhaps percent-encoded) looks like it holds a secret.
func secretParam(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	name = strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(name))
	if secretNames[name] {
		return true
	}
	for _, w := range secretWords {
		if strings.HasSuffix(name, w) {
			return true
		}
	}
	return false
}
