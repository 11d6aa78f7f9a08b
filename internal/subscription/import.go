package subscription

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/notify"
)

// maxNameRunes bounds a feed name taken from a feed's title.
const maxNameRunes = 80

// FeedName makes a feed name of a title (a feed's, or an OPML outline's):
// one line of clean text of at most 80 characters, "" when the title has
// none.
func FeedName(title string) string {
	s := notify.CleanText(title)
	if utf8.RuneCountInString(s) > maxNameRunes {
		s = string([]rune(s)[:maxNameRunes-1]) + "…"
	}
	return strings.TrimSpace(s)
}

// Skipped is a subscription that Import leaves out, and why.
type Skipped struct {
	Subscription
	Reason string
}

// Import returns the subscriptions to add to a configuration whose feeds
// are configured, as [[feed]] tables in the order given. A subscription
// that is not an http(s) URL, or whose URL is configured already (or
// listed twice), is skipped; one without a name is named after its host;
// a name already taken gets a number: "Name (2)".
func Import(subs []Subscription, configured []config.Feed) (add []config.FeedTable, skipped []Skipped) {
	names := make(map[string]bool, len(configured)+len(subs))
	urls := make(map[string]string, len(configured)+len(subs))
	for _, f := range configured {
		names[f.Name], urls[f.URL] = true, f.Name
	}
	for _, s := range subs {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			skipped = append(skipped, Skipped{s, fmt.Sprintf("%q is not an http(s) URL", s.URL)})
			continue
		}
		if other, dup := urls[s.URL]; dup {
			skipped = append(skipped, Skipped{s, fmt.Sprintf("%s is already configured, as %q", s.URL, other)})
			continue
		}
		name := s.Name
		if name == "" {
			name = u.Hostname()
		}
		base := name
		for n := 2; names[name]; n++ {
			name = fmt.Sprintf("%s (%d)", base, n)
		}
		names[name], urls[s.URL] = true, name
		add = append(add, config.FeedTable{Name: name, URL: s.URL, Tags: s.Tags, Lang: s.Lang})
	}
	return add, skipped
}
