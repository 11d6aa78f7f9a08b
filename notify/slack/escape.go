package slack

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/newswatch/newswatch/notify"
)

// Feed text reaches Slack cleaned (notify.CleanText) and then escaped
// (escapeSlack), so that it can never form a mention, a link or a date
// token; links go through notify.NormalizeLink and then safeLink. Only
// configuration can mention anyone (parseMention).

// escapeSlack escapes the three characters that Slack parses in text
// objects ("&", "<", ">"), so untrusted text can never form a mention, a
// link, a date token or an entity. It escapes "&" even when it already starts
// an entity: "&lt;!channel&gt;" in a feed must show as that text, not
// become "<!channel>".
func escapeSlack(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapedCost is how many characters r takes after escapeSlack.
func escapedCost(r rune) int {
	switch r {
	case '&':
		return 5
	case '<', '>':
		return 4
	}
	return 1
}

// safeLink returns raw as a URL that is safe to put inside Slack's
// "<url|label>" syntax, or ok false when it should not be linked at all. It
// is NormalizeLink's URL with "&" written as "&amp;" (Slack decodes entities
// in link targets too), so the result can neither end the link early nor
// change its label.
func safeLink(raw string) (link string, ok bool) {
	link, ok = notify.NormalizeLink(raw)
	if !ok {
		return "", false
	}
	link = strings.ReplaceAll(link, "&", "&amp;")
	if len(link) > notify.MaxLinkLength {
		return "", false
	}
	return link, true
}

// mentionPattern matches one Slack mention a notifier may be configured
// with: a special mention, a user group or a user, with an optional label.
var (
	mentionPattern = regexp.MustCompile(`^<(?:!here|!channel|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(?:\|[^<>|]*)?>$`)
	userGroupID    = regexp.MustCompile(`^S[A-Z0-9]+$`)
	userID         = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
)

// parseMention validates a configured mention and returns it in Slack's
// syntax: one or more mentions separated by spaces, each in Slack's syntax
// ("<!subteam^S0123ABC>", "<!subteam^S0123ABC|@analysts>", "<@U0123>",
// "<!here>") or a short form: "@here", "@channel", "@everyone", a bare user
// group ID ("S0123ABC") or user ID ("U0123ABC").
func parseMention(s string) (string, error) {
	fields := strings.Fields(s)
	for i, f := range fields {
		switch {
		case f == "@here" || f == "@channel" || f == "@everyone":
			fields[i] = "<!" + f[1:] + ">"
		case userGroupID.MatchString(f):
			fields[i] = "<!subteam^" + f + ">"
		case userID.MatchString(f):
			fields[i] = "<@" + f + ">"
		case mentionPattern.MatchString(f):
		default:
			return "", fmt.Errorf("notify: mention %q: want Slack mentions such as <!subteam^S…> (a user group), <@U…> (a user), <!here> or <!channel>", f)
		}
	}
	return strings.Join(fields, " "), nil
}
