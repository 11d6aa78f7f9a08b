package subscription

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/newswatch/newswatch/notify"
)

// maxShortName is the longest name ShortName proposes: a feed's name is
// written in rules (feeds = ["…"]), shown in alerts and typed in commands.
const maxShortName = 40

// titleSeparators split a feed title into its parts: "i24NEWS - Breaking
// news from the Middle East", "World news | The Guardian".
var titleSeparators = []string{" - ", " – ", " — ", " | ", " :: ", " » ", " · ", " • "}

// SiteName returns the name an HTML page gives its site: the content of
// <meta property="og:site_name">, else of <meta name="application-name">;
// "" when it gives none.
func SiteName(page []byte) string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return ""
	}
	var og, app string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "meta" {
			continue
		}
		var property, name, content string
		for _, a := range n.Attr {
			switch strings.ToLower(a.Key) {
			case "property":
				property = strings.ToLower(strings.TrimSpace(a.Val))
			case "name":
				name = strings.ToLower(strings.TrimSpace(a.Val))
			case "content":
				content = a.Val
			}
		}
		switch {
		case property == "og:site_name" && og == "":
			og = notify.CleanText(content)
		case name == "application-name" && app == "":
			app = notify.CleanText(content)
		}
	}
	if og != "" {
		return og
	}
	return app
}

// ShortName proposes a short name for a feed, from the name its site gives
// itself (siteName, from the page the feed was found on; may be "") and
// the feed's title, whose site is at siteURL:
//
//   - the site's name, when it has one of at most 40 characters;
//   - else, of a title in parts ("i24NEWS - Breaking news from …"), the
//     part that names the site's host (i24news.tv);
//   - else the title, when it is short;
//   - else its first part, or its first words, cut at 40 characters;
//   - else, without a title, the host without "www.".
func ShortName(siteName, title, siteURL string) string {
	if s := notify.CleanText(siteName); s != "" && utf8.RuneCountInString(s) <= maxShortName {
		return s
	}
	host := ""
	if u, err := url.Parse(siteURL); err == nil {
		host = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	title = notify.CleanText(title)
	if title == "" {
		return host
	}
	parts := splitTitle(title)
	if len(parts) > 1 {
		squashedHost := squashName(host)
		for _, p := range parts {
			if sp := squashName(p); len(sp) >= 3 && strings.Contains(squashedHost, sp) {
				return cutName(p)
			}
		}
	}
	if utf8.RuneCountInString(title) <= maxShortName {
		return title
	}
	return cutName(parts[0])
}

// splitTitle splits a title at its separators into non-empty parts.
func splitTitle(title string) []string {
	parts := []string{title}
	for _, sep := range titleSeparators {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []string{title}
	}
	return out
}

// squashName keeps the letters and digits of s, in lower case, so that
// "Al Jazeera" is found in aljazeera.com.
func squashName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// cutName cuts s to at most maxShortName characters, at a word boundary
// where there is one, marking the cut with "…".
func cutName(s string) string {
	if utf8.RuneCountInString(s) <= maxShortName {
		return s
	}
	r := []rune(s)[:maxShortName-1]
	cut := string(r)
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > maxShortName/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}
