package admin

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/notify"
)

// stamp is a time as the page shows it: relative to the page's time, with
// the absolute time for a tooltip and a machine-readable form for <time>.
type stamp struct {
	Rel  string // "5 min ago", "in 3 h", "—" for the zero time
	Abs  string // "2026-11-26 09:12 UTC"
	ISO  string // RFC 3339, for the datetime attribute
	Zero bool
}

// newStamp formats t as seen at now, in loc.
func newStamp(t, now time.Time, loc *time.Location) stamp {
	if t.IsZero() {
		return stamp{Rel: "—", Zero: true}
	}
	return stamp{
		Rel: RelativeTime(t, now),
		Abs: t.In(loc).Format("2006-01-02 15:04 MST"),
		ISO: t.UTC().Format(time.RFC3339),
	}
}

// RelativeTime renders t relative to now as the status page shows it:
// "just now", "12 min ago", "in 3 h", "5 d ago". The command line's tables
// use it too, so that both say the same.
func RelativeTime(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		if future {
			return "now"
		}
		return "just now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		s = fmt.Sprintf("%d d", int(d/(24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// duration renders d for people: "6h", "1d", "30m", "" for zero.
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// safeLink returns raw as notify.NormalizeLink makes it (an absolute http
// or https URL with a host, without user information), or "" when it is
// anything else: feed text decides links on the page, and nothing but a
// web page may be behind one (no javascript:, data:, file:).
// html/template escapes what is returned for its attribute.
func safeLink(raw string) string {
	link, _ := notify.NormalizeLink(raw)
	return link
}

// clean makes feed text one line of at most n characters, without control
// or formatting characters that could disguise it.
func clean(s string, n int) string {
	s = notify.CleanText(s)
	if n > 0 && utf8.RuneCountInString(s) > n {
		s = strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
	}
	return s
}

// ShortError renders an error message in at most n characters so that its
// cause, which comes last ("dial tcp 192.0.2.1:443: connect: connection
// refused"), stays whole: the context before it is dropped first, a part
// ending in ": " at a time, and marked "…"; only a last part longer than n
// is cut, at its end. The status page and `newswatch feeds list` show a
// feed's last error so.
func ShortError(s string, n int) string {
	s = notify.CleanText(s)
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	rest := s
	for {
		_, after, ok := strings.Cut(rest, ": ")
		if !ok {
			return clean(rest, n)
		}
		rest = after
		if utf8.RuneCountInString(rest) < n {
			return "…" + rest
		}
	}
}
