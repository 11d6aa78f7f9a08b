package rules

import (
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// domainTerm parses the value of domain:NAME. Matching is by DNS label
// suffix: domain:reuters.com matches reuters.com and www.reuters.com but not
// notreuters.com. A leading "www." is ignored on both sides, and
// internationalized names are compared in their ASCII (punycode) form.
func domainTerm(l lexeme) (node, error) {
	host, err := normalizeHost(l.text)
	if err != nil || strings.ContainsAny(l.text, "/*:") {
		return nil, &SyntaxError{Offset: l.at, Msg: fmt.Sprintf("domain: takes a host name like reuters.com, not %q", l.text)}
	}
	return &domainNode{host: host, at: l.at}, nil
}

// normalizeHost lower-cases host, converts it to ASCII and removes a
// trailing dot and a leading "www.".
func normalizeHost(host string) (string, error) {
	host = strings.TrimSuffix(host, ".")
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return "", err
	}
	// Invalid input can give an A-label that does not decode again.
	if again, err := idna.Lookup.ToASCII(ascii); err != nil || again != ascii {
		return "", fmt.Errorf("rules: invalid host name %q", host)
	}
	ascii = strings.TrimPrefix(ascii, "www.")
	if !validHost(ascii) {
		return "", fmt.Errorf("rules: invalid host name %q", host)
	}
	return ascii, nil
}

// validHost reports whether host is dot-separated non-empty labels of ASCII
// letters, digits, '-' and '_'.
func validHost(host string) bool {
	for _, label := range strings.Split(host, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// hostInDomain reports whether host is domain or a subdomain of it.
func hostInDomain(host, domain string) bool {
	if host == "" {
		return false
	}
	rest, ok := strings.CutSuffix(host, domain)
	return ok && (rest == "" || strings.HasSuffix(rest, "."))
}
