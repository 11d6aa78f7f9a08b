package canonical

import (
	"net"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Site returns the site an absolute http(s) link belongs to, so that two
// links can be told to be of one outlet: the registrable domain of its
// host by the Public Suffix List (its public suffix and one label more:
// www.example.co.uk and feeds.example.co.uk are example.co.uk, while
// a.blogspot.com and b.blogspot.com are two sites). A host that has no
// registrable domain (an IP address, localhost, a public suffix itself)
// is its own site, with its port unless that is the scheme's default.
// Site returns "" for any other link (relative, another scheme,
// unparseable). A feed's item whose link is on the feed's own site is the
// outlet's own report (see story.Item.OwnsLink).
func Site(link string) string {
	u := parseHTTP(strings.TrimSpace(link))
	if u == nil {
		return ""
	}
	h := host(u)
	if net.ParseIP(h) == nil {
		if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
			return d
		}
	}
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		return net.JoinHostPort(h, port)
	}
	return h
}

// SameSite reports whether links a and b are of one site (Site), neither
// being without one.
func SameSite(a, b string) bool {
	s := Site(a)
	return s != "" && Site(b) == s
}
