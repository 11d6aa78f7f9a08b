package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
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

// OneLine puts feed text s on one line that is safe to print to a
// terminal: runs of white space become one space, and control, bidi
// override and invisible characters are removed (notify.CleanText).
func OneLine(s string) string {
	return notify.CleanText(s)
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
// scripts, not browsers), but with every control and format character
// escaped (see WriteJSON).
func JSONLines[T any](w io.Writer, s []T, line func(T) any) error {
	for _, v := range s {
		if err := WriteJSON(w, line(v), ""); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes v as JSON and a newline, indented by indent ("" for one
// line), without escaping HTML characters. Unlike encoding/json it also
// escapes, as \uXXXX, the control characters above ASCII (C1: a terminal
// may take U+009B for an escape sequence) and the format characters
// (bidi overrides and isolates such as U+202E, zero-width and tag
// characters): feed text printed to a terminal cannot reorder or hide
// what it shows, and whoever decodes the JSON gets the text unchanged.
func WriteJSON(w io.Writer, v any, indent string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeInvisible(b.Bytes()))
	return err
}

// escapeInvisible rewrites the C1 control and format (Cf) characters in
// the JSON text js as \u escapes; JSON allows them only inside strings,
// where the escape means the same character.
func escapeInvisible(js []byte) []byte {
	hidden := func(r rune) bool { return r >= 0x80 && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)) }
	if !bytes.ContainsFunc(js, hidden) {
		return js
	}
	out := make([]byte, 0, len(js)+32)
	for len(js) > 0 {
		r, n := utf8.DecodeRune(js)
		if !hidden(r) {
			out = append(out, js[:n]...)
		} else if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		js = js[n:]
	}
	return out
}
