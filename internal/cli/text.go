package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/notify"
)

// Feed text printed to a terminal is cleaned of control characters (see
// notify.CleanText), so that a title cannot send escape sequences to it.

// Cell makes s fit a table cell: one clean line of at most n characters,
// without tabs that would break the alignment.
func Cell(s string, n int) string {
	s = notify.CleanText(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return strings.TrimSpace(s)
}

// Clip puts s on one line of at most n characters, marking a cut with "…".
func Clip(s string, n int) string {
	r := []rune(OneLine(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// OneLine collapses runs of white space, newlines included, to one space.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// OrDash is s cleaned, or "-" when it is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return notify.CleanText(s)
}

// Plural returns one when n is 1, else many.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count says how many of a thing there are: "1 feed", "3 feeds".
func Count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, many))
}

// TableTime is t in loc to the minute, as tables show times; "-" for the
// zero time.
func TableTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// JSONTime is t in RFC 3339 UTC, as JSON output writes times; "" for the
// zero time, which omitempty leaves out.
func JSONTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// JSONLines writes one JSON object per element of s, the one line makes
// of it, without escaping HTML characters (JSON Lines output is read by
// scripts, not browsers).
func JSONLines[T any](w io.Writer, s []T, line func(T) any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range s {
		if err := enc.Encode(line(v)); err != nil {
			return err
		}
	}
	return nil
}
