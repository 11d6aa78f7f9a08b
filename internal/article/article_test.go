package article

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(name, "windows-1256") {
		if b, err = charmap.Windows1256.NewDecoder().Bytes(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestExtract(t *testing.T) {
	pageURL, _ := url.Parse("https://news.example/2026/11/26/paris-talks")
	tests := []struct {
		name  string
		file  string
		title string
		want  []string // the article's sentences
		not   []string // menus, related links, comments, footers, scripts
	}{
		{
			name:  "english news page",
			file:  "news-en.html",
			title: "Syria and Israel open security talks in Paris",
			want: []string{
				"Senior Syrian and Israeli security officials met in Paris on Wednesday",
				"the agenda included the first steps toward normalization between the two countries.",
				"A second round is expected in early December, the diplomats said, possibly in Baku.",
			},
			not: []string{"Newsletters", "Subscribe for $1", "Most read", "Ten cafes in Beirut",
				"Golan patrols resume", "Total fantasy", "Why not Geneva", "All rights reserved",
				"Cookie settings", "tracking pixel", "dataLayer", "Markets rally"},
		},
		{
			name:  "hebrew page, right to left",
			file:  "news-he.html",
			title: "שיחות ביטחון בין ישראל לסוריה נפתחו בפריז",
			want: []string{
				"בכירים ישראלים וסורים נפגשו ביום רביעי בפריז",
				"צעדים ראשונים לקראת נורמליזציה בין שתי המדינות.",
				"וכי כל דיון בנורמליזציה יבוא רק אחרי הסכם ביטחוני.",
			},
			not: []string{"הירשמו למינוי", "ספורט", "כתבות נוספות", "הסכמי אברהם בני שש", "שטויות", "הנקראים ביותר", "כל הזכויות שמורות"},
		},
		{
			name:  "arabic page in windows-1256, right to left",
			file:  "news-ar-windows-1256.html",
			title: "محادثات أمنية بين سوريا وإسرائيل في باريس",
			want: []string{
				"التقى مسؤولون أمنيون سوريون وإسرائيليون في باريس",
				"الخطوات الأولى نحو التطبيع بين البلدين.",
				"ومن المتوقع عقد جولة ثانية في أوائل كانون الأول",
			},
			not: []string{"الرئيسية", "اتصل بنا", "استئناف الدوريات في الجولان", "كلام فارغ", "جميع الحقوق محفوظة"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Extract(readPage(t, tc.file), pageURL, Options{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !strings.Contains(a.Title, tc.title) {
				t.Errorf("Title = %q, want it to contain %q", a.Title, tc.title)
			}
			for _, s := range tc.want {
				if !strings.Contains(a.Text, s) {
					t.Errorf("text lacks %q; text:\n%s", s, a.Text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(a.Text, s) {
					t.Errorf("text has %q, which is not the article; text:\n%s", s, a.Text)
				}
			}
			if a.Truncated {
				t.Error("Truncated = true for a short article")
			}
			for line := range strings.SplitSeq(a.Text, "\n") {
				if strings.TrimSpace(line) != line || line == "" || strings.Contains(line, "  ") {
					t.Errorf("line %q is not tidy", line)
				}
			}
		})
	}
}

func TestExtractNoArticle(t *testing.T) {
	tests := []struct {
		name string
		page []byte
		want error
	}{
		{"paywall stub", readPage(t, "paywall.html"), ErrPaywall},
		{"page that is all script", readPage(t, "script-only.html"), ErrNoText},
		{"empty page", []byte(""), ErrNoText},
		{"a few words", []byte("<html><body><p>Page not found.</p></body></html>"), ErrNoText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Extract(tc.page, nil, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Extract = %q, %v; want %v", a.Text, err, tc.want)
			}
		})
	}
}

// A page that declares itself not free but shows the whole article (as
// publishers do for search engines) is the article.
func TestExtractPaidButWhole(t *testing.T) {
	page := strings.Replace(string(readPage(t, "news-en.html")), `"isAccessibleForFree":true`, `"isAccessibleForFree":"False"`, 1)
	a, err := Extract([]byte(page), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, "normalization") {
		t.Errorf("text:\n%s", a.Text)
	}
	if _, err := Extract([]byte(page), nil, Options{MinPaidRunes: 100000}); !errors.Is(err, ErrPaywall) {
		t.Errorf("with MinPaidRunes over its length: %v, want ErrPaywall", err)
	}
}

func TestExtractCap(t *testing.T) {
	var body strings.Builder
	body.WriteString("<html><body><article><h1>Long</h1>")
	for range 400 {
		body.WriteString("<p>Senior officials said the talks on normalization would continue for many weeks, and that no one expected quick results. سوريا وإسرائيل.</p>")
	}
	body.WriteString("</article></body></html>")
	const max = 10000
	a, err := Extract([]byte(body.String()), nil, Options{MaxTextBytes: max})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Truncated || len(a.Text) > max || len(a.Text) < max/2 {
		t.Errorf("Truncated %v, %d bytes; want cut to at most %d", a.Truncated, len(a.Text), max)
	}
	if !utf8.ValidString(a.Text) || !strings.HasSuffix(a.Text, ".") {
		t.Errorf("cut text does not end at a paragraph: …%q", a.Text[len(a.Text)-40:])
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"one two three", 9, "one two"},
		{"αβγδ", 5, "αβ"}, // never half a rune
		{"αβγδ", 4, "αβ"},
		{"first line\nsecond", 14, "first line"},
		{"abcdefghij", 4, "abcd"},
	}
	for _, tc := range tests {
		if got := cut(tc.s, tc.max); got != tc.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}
