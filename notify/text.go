package notify

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Feed text is untrusted: a title may try to ping a channel ("<!channel>"),
// disguise a link ("<https://evil|bank.example>"), reorder what the reader
// sees with bidi overrides (the "Trojan Source" trick), or smuggle terminal
// escape sequences into a console. Everything that comes from a feed goes
// through CleanText before any notifier renders it, every link through
// NormalizeLink, and each notifier escapes the result for its medium (Slack's
// mrkdwn in package notify/slack).

// CleanText returns untrusted feed text s as one line that is safe to
// display, in Slack as on a terminal: invalid UTF-8 becomes U+FFFD; white
// space, including tabs, line breaks and the Unicode line and paragraph
// separators, becomes single spaces, trimmed at the ends; other control
// characters (C0 and C1, such as NUL or the ESC that starts terminal
// escape sequences), bidi embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069) and invisible characters with no place in prose (zero-width
// space, word joiner, BOM, invisible operators, Unicode tag characters outside
// an emoji flag sequence) are removed.
//
// Left-to-right and right-to-left marks (U+200E, U+200F, U+061C) are kept:
// they only steer neutral characters such as punctuation, cannot reorder
// strong text, and legitimate Arabic and Hebrew text uses them. Zero-width
// non-joiners and joiners (U+200C, U+200D) are kept between two visible
// characters, where Persian and Arabic words and emoji sequences need them,
// and removed elsewhere (leading, trailing, doubled, next to a space).
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	runes := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true // pending state: the last rune written was a space (or none yet)
	inFlag := false
	for i, r := range runes {
		switch {
		case r == 0x1F3F4: // WAVING BLACK FLAG starts a tag sequence (🏴 + tags + cancel tag)
			inFlag = true
		case r >= 0xE0020 && r <= 0xE007F:
			if !inFlag {
				continue
			}
			if r == 0xE007F { // CANCEL TAG ends the sequence
				inFlag = false
			}
		default:
			inFlag = false
		}
		switch {
		case isSpaceLike(r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		case isStripped(r):
			continue
		case r == 0x200C || r == 0x200D: // ZWNJ, ZWJ
			if space || i+1 >= len(runes) || !isVisible(runes[i+1]) {
				continue
			}
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// isSpaceLike reports whether r is shown as a plain space: white space
// (which includes \t, \n, \r and NEL) and line or paragraph separators.
func isSpaceLike(r rune) bool {
	return unicode.IsSpace(r) || r == 0x2028 || r == 0x2029
}

// isStripped reports whether r is an invisible character that CleanText
// removes outright.
func isStripped(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1 that are not white space
		return true
	case r >= 0x202A && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x200B, r == 0x2060, r == 0xFEFF, r == 0x180E: // ZWSP, WJ, BOM, MVS
		return true
	case r >= 0x2061 && r <= 0x2064: // invisible math operators
		return true
	case r >= 0xE0000 && r <= 0xE001F: // language tag and unassigned tag-block code points
		return true
	case r >= 0xFFF9 && r <= 0xFFFB: // interlinear annotation controls
		return true
	}
	return false
}

// isVisible reports whether r may follow a zero-width (non-)joiner: a
// character that is neither white space nor stripped nor itself a joiner.
func isVisible(r rune) bool {
	return !isSpaceLike(r) && !isStripped(r) && r != 0x200C && r != 0x200D
}

// Ellipsis ends text that Truncate cut.
const Ellipsis = "…"

// oneEach counts every rune as one character.
func oneEach(rune) int { return 1 }

// Truncate cuts s so that its cost, counted per rune by cost (nil: one per
// rune), is at most limit, ending it with "…" when it was cut. It prefers to cut at a word
// boundary in the last third of the allowed length (text without spaces,
// such as Chinese, is cut at any character), and never between a character
// and the combining marks, variation selectors or joiners that belong to it,
// so Arabic vowel marks and emoji sequences stay whole. Counting is in runes,
// never bytes, which is how Slack counts its limits.
func Truncate(s string, limit int, cost func(rune) int) string {
	if cost == nil {
		cost = oneEach
	}
	total := 0
	for _, r := range s {
		total += cost(r)
	}
	if total <= limit {
		return s
	}
	if limit < 1 {
		return ""
	}
	runes := []rune(s)
	budget := limit - 1 // room for the ellipsis
	n, used := 0, 0
	for n < len(runes) && used+cost(runes[n]) <= budget {
		used += cost(runes[n])
		n++
	}
	// Do not separate a character from what attaches to it.
	for n > 0 && n < len(runes) && (attaches(runes[n]) || runes[n-1] == 0x200D) {
		n--
	}
	// Prefer a word boundary when there is one reasonably near the cut.
	for i := n; i > n*2/3 && i > 0; i-- {
		if unicode.IsSpace(runes[i]) || unicode.IsSpace(runes[i-1]) {
			n = i
			break
		}
	}
	out := strings.TrimRightFunc(string(runes[:n]), unicode.IsSpace)
	// A trailing joiner or mark orphaned by the cut is dropped too.
	for out != "" {
		r, size := utf8.DecodeLastRuneInString(out)
		if r != 0x200C && r != 0x200D {
			break
		}
		out = out[:len(out)-size]
	}
	return out + Ellipsis
}

// attaches reports whether r belongs to the character before it: combining
// marks, variation selectors, zero-width joiners and emoji skin-tone
// modifiers.
func attaches(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) ||
		r == 0x200D || r == 0x200C ||
		(r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF) ||
		(r >= 0x1F3FB && r <= 0x1F3FF) ||
		(r >= 0xE0020 && r <= 0xE007F)
}

// MaxLinkLength bounds a URL, as written into a message, that notifiers are
// willing to link; longer ones are not linked, so that a hostile feed cannot
// crowd out the rest of a message or push it over Slack's text limits.
const MaxLinkLength = 2000

// NormalizeLink returns raw as an absolute http or https URL with a host in
// plain ASCII, or "" and ok false when it is anything else (javascript:,
// data:, mailto:, relative, malformed, too long): every link taken from
// feed text goes through it, in messages and on the admin page. Spaces,
// "|", "<", ">", quotes, control characters and non-ASCII characters are
// percent-encoded, internationalised host names become punycode, and user
// information is dropped, so that "https://bank.example@evil.example/"
// cannot pass for a bank's link.
func NormalizeLink(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxLinkLength {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host := u.Hostname()
	if host == "" {
		return "", false
	}
	if ascii, err := idna.Lookup.ToASCII(host); err == nil {
		if port := u.Port(); port != "" {
			u.Host = ascii + ":" + port
		} else {
			u.Host = ascii
		}
	} else if !isASCII(host) {
		return "", false
	}
	u.Scheme = scheme
	u.User = nil
	s := u.String()
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c >= 0x7F || c == '|' || c == '<' || c == '>' || c == '"' || c == '`' || c == '\\' || c == '^' || c == '{' || c == '}':
			b.WriteString(percent(c))
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() > MaxLinkLength {
		return "", false
	}
	return b.String(), true
}

func percent(c byte) string {
	const hex = "0123456789ABCDEF"
	return string([]byte{'%', hex[c>>4], hex[c&0xF]})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
