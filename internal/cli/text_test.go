package cli

import (
	"encoding/json"
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
		{"OneLine", OneLine(" one\n\ttwo \u202eowt\u202c \u2066x\u2069\u009b "), "one two owt x"},
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

// TestWriteJSONEscapesHiddenCharacters checks that control and format
// characters leave WriteJSON as escapes, and that the JSON still decodes
// to the text given.
func TestWriteJSONEscapesHiddenCharacters(t *testing.T) {
	in := "a\u202eb\u2067c\u2069 \u009b31m \U000e0041\u200b \u200f עברית <b>&"
	var b strings.Builder
	if err := WriteJSON(&b, map[string]string{"t": in}, ""); err != nil {
		t.Fatal(err)
	}
	want := `{"t":"a\u202eb\u2067c\u2069 \u009b31m \udb40\udc41\u200b \u200f עברית <b>&"}` + "\n"
	if b.String() != want {
		t.Errorf("WriteJSON wrote\n%s\nwant\n%s", b.String(), want)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(b.String()), &out); err != nil || out["t"] != in {
		t.Errorf("decoded %q, %v; want %q", out["t"], err, in)
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
