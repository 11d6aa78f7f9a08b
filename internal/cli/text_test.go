package cli

import (
	"strings"
	"testing"
	"time"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"Cell cleans", Cell("a\tb\x1b[31m <!channel>", 40), "a b[31m <!channel>"},
		{"Cell cuts", Cell("Syria and Israel", 6), "Syria…"},
		{"Clip", Clip("one\n  two three", 8), "one two…"},
		{"Clip short", Clip("one\ntwo", 8), "one two"},
		{"OrDash empty", OrDash(""), "-"},
		{"OrDash", OrDash("W/\"x\"\x00"), "W/\"x\""},
		{"Count one", Count(1, "feed", "feeds"), "1 feed"},
		{"Count many", Count(0, "feed", "feeds"), "0 feeds"},
		{"TableTime", TableTime(time.Date(2026, 11, 26, 9, 12, 30, 0, time.UTC), time.UTC), "2026-11-26 09:12"},
		{"TableTime zero", TableTime(time.Time{}, time.UTC), "-"},
		{"JSONTime", JSONTime(time.Date(2026, 11, 26, 11, 12, 0, 0, time.FixedZone("IST", 2*3600))), "2026-11-26T09:12:00Z"},
		{"JSONTime zero", JSONTime(time.Time{}), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestJSONLines(t *testing.T) {
	var b strings.Builder
	type line struct {
		Title string `json:"title"`
	}
	err := JSONLines(&b, []string{"a <b> & c", "d"}, func(s string) any { return line{s} })
	if want := "{\"title\":\"a <b> & c\"}\n{\"title\":\"d\"}\n"; err != nil || b.String() != want {
		t.Errorf("JSONLines wrote %q, %v; want %q", b.String(), err, want)
	}
}
