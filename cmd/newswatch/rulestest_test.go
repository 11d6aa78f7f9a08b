package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testRules is a rule file for the `rules test` tests: one English rule and
// one Hebrew rule limited to feeds tagged "europe".
const testRules = `
[[rule]]
name  = "accords"
query = "accords"

[[rule]]
name  = "netherlands"
query = "הולנד"
feeds = ["tag:europe"]
`

// i24Feed is a real Hebrew feed of three items, the first of which is
// about the Netherlands (בהולנד, "in the Netherlands", in its title and
// summary).
const i24Feed = "testdata/rulestest/i24news-hebrew-2026-10-03.xml"

// i24JSON is the -json output for i24Feed with testRules.
const i24JSON = `{"id":"1aaqkvn","title":"סערה בהולנד: מורה סירב ללמד ישראלי שסירב להגדיר את הלחימה כרצח עם | האזינו","matches":[{"rule":"netherlands","hits":[{"field":"title","text":"בהולנד"},{"field":"summary","text":"בהולנד"}]}]}
{"id":"sx2kqu","title":"במשרד התחבורה מאשימים את גורמי הביטחון: אין בנהלים שלנו מקרה של טייס שיעשה פיגוע","matches":[]}
{"id":"gjlr6y","title":"הטייס ההודי לנתניהו: \"הטייס השני נעמד להתפלל, מתוך כבוד לא הסתכלתי - ואז קיבלתי מכה חזקה\"","matches":[]}
`

// jsonLines are items as JSON Lines, with what -json prints for them.
const (
	jsonLines = `{"id":"a1","title":"Abraham Accords: two more states","summary":"<p>Talks go on</p>","published":"2026-10-03T09:12:00Z"}

{"link":"https://example.com/weather","title":"Weather"}
{"id":"a3","title":"Dutch: הולנד","feed":"Dutch News","categories":["europe"],"lang":"he","author":"A. B."}
`
	jsonLinesOut = `{"id":"a1","title":"Abraham Accords: two more states","matches":[{"rule":"accords","hits":[{"field":"title","text":"Accords"}]}]}
{"id":"https://example.com/weather","title":"Weather","matches":[]}
{"id":"a3","title":"Dutch: הולנד","matches":[]}
`
)

// rulesDir writes testRules into a new directory and returns its path.
func rulesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.toml"), []byte(testRules), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testConfig writes a configuration with one feed, tagged "europe", and
// returns its path.
func testConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	cfg := "[[feed]]\nname = \"Dutch News\"\nurl = \"https://example.com/nl.xml\"\ntags = [\"europe\"]\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRulesTestInputs(t *testing.T) {
	dir := rulesDir(t)
	feed, err := os.ReadFile(i24Feed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(feed)
	}))
	defer srv.Close()
	cfg := testConfig(t)
	jsonl := filepath.Join(t.TempDir(), "items.jsonl")
	if err := os.WriteFile(jsonl, []byte(jsonLines), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"feed file", "", []string{"-rules", dir, "-input", i24Feed, "-json"}, i24JSON},
		{"URL", "", []string{"-rules", dir, "-input", srv.URL + "/feed", "-json"}, i24JSON},
		{"JSON Lines file", "", []string{"-rules", dir, "-input", jsonl, "-json"}, jsonLinesOut},
		{"JSON Lines on stdin", jsonLines, []string{"-json", "-input", "-", "-rules", dir}, jsonLinesOut},
		{"one rule file", jsonLines, []string{"-rules", filepath.Join(dir, "test.toml"), "-input", "-", "-json"}, jsonLinesOut},
		{
			// With a feed name the netherlands rule's tag selector applies,
			// and the feed has no tags.
			"feed selectors apply with -feed", "", []string{"-rules", dir, "-input", i24Feed, "-json", "-feed", "i24NEWS"},
			strings.Replace(i24JSON, `[{"rule":"netherlands","hits":[{"field":"title","text":"בהולנד"},{"field":"summary","text":"בהולנד"}]}]`, "[]", 1),
		},
		{
			// The configuration tags the feed "europe", which the
			// netherlands rule selects.
			"feed tags from -config", jsonLines, []string{"-rules", dir, "-input", "-", "-json", "-config", cfg},
			strings.Replace(jsonLinesOut, `"title":"Dutch: הולנד","matches":[]`,
				`"title":"Dutch: הולנד","matches":[{"rule":"netherlands","hits":[{"field":"title","text":"הולנד"}]}]`, 1),
		},
		{"-feed from -config", "", []string{"-rules", dir, "-input", i24Feed, "-json", "-feed", "Dutch News", "-config", cfg}, i24JSON},
		{"no items", "\n", []string{"-rules", dir, "-input", "-", "-json"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.stdin, append([]string{"rules", "test"}, tc.args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			if out != tc.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tc.want)
			}
		})
	}
}

func TestRulesTestReport(t *testing.T) {
	code, out, errOut := runCmd(t, jsonLines, "rules", "test", "-rules", rulesDir(t), "-input", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	want := `[1] Abraham Accords: two more states
    id: a1
    MATCH accords: Accords (title)
[2] Weather
    id: https://example.com/weather
    no rule matched
[3] Dutch: הולנד
    id: a3
    no rule matched

3 items, 1 matched
`
	if out != want {
		t.Errorf("report:\n%s\nwant:\n%s", out, want)
	}
}

// TestRulesTestPrintsNoHiddenControls feeds rules test a feed item whose
// text holds bidi overrides and isolates (the "Trojan Source" trick, which
// makes a terminal show text in another order), a C1 escape and invisible
// tag characters: neither the report nor -json may print them raw.
func TestRulesTestPrintsNoHiddenControls(t *testing.T) {
	const hostile = "Accords \u202eevila\u202c \u2067sign\u2069 \u009b31m \U000e0041\u200b signed"
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.xml")
	doc := "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><item><guid>g\u202e1</guid><title>" +
		hostile + "</title><description>" + hostile + "</description></item></channel></rss>"
	if err := os.WriteFile(feed, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"-json"}} {
		code, out, errOut := runCmd(t, "", append([]string{"rules", "test", "-rules", rulesDir(t), "-input", feed}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errOut)
		}
		if !strings.Contains(out, "MATCH accords") && !strings.Contains(out, `"rule":"accords"`) {
			t.Errorf("%v: the item did not match, so its text was not shown:\n%s", args, out)
		}
		for _, r := range out + errOut {
			if r == 0x202e || r == 0x202c || r == 0x2067 || r == 0x2069 || r == 0x9b || r == 0xe0041 || r == 0x200b {
				t.Errorf("%v: output holds %U raw:\n%q", args, r, out)
			}
		}
	}
}

func TestRulesTestWarningsGoToStderr(t *testing.T) {
	dir := t.TempDir()
	rule := "[[rule]]\nname = \"r\"\nquery = \"syria or israel\"\n"
	if err := os.WriteFile(filepath.Join(dir, "r.toml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, `{"title":"Syria"}`, "rules", "test", "-rules", dir, "-input", "-", "-json")
	if code != 0 || !strings.Contains(errOut, filepath.Join(dir, "r.toml")+":3:16: warning: ") {
		t.Errorf("exit %d, stderr %q: want 0 and the warning", code, errOut)
	}
	if out != `{"id":"","title":"Syria","matches":[]}`+"\n" {
		t.Errorf("stdout %q", out)
	}
}

func TestRulesTestErrors(t *testing.T) {
	good := rulesDir(t)
	bad := t.TempDir()
	badRule := "[[rule]]\nname = \"r\"\nquery = '''\n  syria AND (israel OR\n'''\n"
	if err := os.WriteFile(filepath.Join(bad, "bad.toml"), []byte(badRule), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	notFeed := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(notFeed, []byte("<html><body>Moved</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		stdin  string
		args   []string
		stderr string // a substring of standard error
	}{
		{"rule error", "{}", []string{"-rules", bad, "-input", "-"}, filepath.Join(bad, "bad.toml") + ":"},
		{"missing rules", "{}", []string{"-rules", filepath.Join(bad, "nope"), "-input", "-"}, "no such file or directory"},
		{"bad JSON line", "{\"title\":\"a\"}\n{\"title\":\n", []string{"-rules", good, "-input", "-"}, "standard input:2: "},
		{"unknown JSON key", `{"titel":"a"}`, []string{"-rules", good, "-input", "-"}, `standard input:1: unknown key "titel" (the keys are id, title,`},
		{"JSON not an object", `["a"]`, []string{"-rules", good, "-input", "-"}, "standard input:1:1: want one JSON object per line, not an array"},
		{"bad date", `{"published":"yesterday"}`, []string{"-rules", good, "-input", "-"}, `"published" "yesterday" is not an RFC 3339 time`},
		{"not a feed", "", []string{"-rules", good, "-input", notFeed}, "not an RSS, Atom or JSON feed"},
		{"missing input file", "", []string{"-rules", good, "-input", filepath.Join(bad, "nope.xml")}, "no such file"},
		{"URL not found", "", []string{"-rules", good, "-input", srv.URL + "/feed"}, "404"},
		{"-feed not in -config", "{}", []string{"-rules", good, "-input", "-", "-feed", "BBC", "-config", testConfig(t)}, `-feed "BBC": the configuration has no feed of that name`},
		{"bad -config", "{}", []string{"-rules", good, "-input", "-", "-config", filepath.Join(bad, "nope.toml")}, "nope.toml"},
		{"no -rules", "", []string{"-input", "-"}, "-rules is required"},
		{"no -input", "", []string{"-rules", good}, "-input is required"},
		{"extra argument", "", []string{"-rules", good, "-input", "-", "extra"}, `unexpected argument "extra"`},
		{"unknown flag", "", []string{"-rules", good, "-input", "-", "-jsn"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.stdin, append([]string{"rules", "test"}, tc.args...)...)
			if code != 1 || out != "" || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q: want 1, nothing, and %q", code, out, errOut, tc.stderr)
			}
		})
	}
}

func TestRulesTestRuleErrorPosition(t *testing.T) {
	dir := t.TempDir()
	rule := "[[rule]]\nname = \"r\"\nseverity = \"urgent\"\nquery = \"x\"\n"
	if err := os.WriteFile(filepath.Join(dir, "r.toml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "{}", "rules", "test", "-rules", dir, "-input", "-", "-json")
	want := filepath.Join(dir, "r.toml") + ":3:12: severity \"urgent\" is not one of info, notice, high\n"
	if code != 1 || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errOut, want)
	}
}

func TestRulesUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"rules", "test", "-h"}, 0, "Usage: newswatch rules test"},
		{[]string{"rules", "-h"}, 0, "Usage: newswatch rules test|feedback [flags]\n\nWorks with rule files."},
		{[]string{"rules"}, 1, "newswatch rules: missing sub-command: test or feedback"},
		{[]string{"rules", "frob"}, 1, `newswatch rules: unknown sub-command "frob": want test or feedback`},
	}
	for _, tc := range tests {
		code, out, errOut := runCmd(t, "", tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and %q", tc.args, code, out, errOut, tc.code, tc.stderr)
		}
	}
}

// TestRulesTestReadsFeedsLikeTheDaemon gives rules test a real Arabic feed
// whose bytes are windows-1256 while its XML declaration says UTF-8. Told
// by -config that the feed is Arabic, the daemon's parser recovers its
// text, and so must rules test, or a rule that works in the daemon would
// seem not to.
func TestRulesTestReadsFeedsLikeTheDaemon(t *testing.T) {
	dir := t.TempDir()
	rule := "[[rule]]\nname = \"syria\"\nquery = \"سورية AND إسرائيل\"\n"
	cfg := "[[feed]]\nname = \"Arab48\"\nurl = \"https://www.arab48.com/rss\"\nlang = \"ar\"\n"
	writeTestFiles(t, dir, map[string]string{"syria.toml": rule, "config.toml": cfg})
	feed := "testdata/rulestest/DERIVED-arab48-windows-1256-bytes-declared-utf8.xml"
	code, out, errOut := runCmd(t, "", "rules", "test", "-rules", filepath.Join(dir, "syria.toml"), "-input", feed, "-json",
		"-config", filepath.Join(dir, "config.toml"), "-feed", "Arab48")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 25 {
		t.Errorf("%d items, want the feed's 25", len(lines))
	}
	want := `"title":"سورية: إسرائيل تقصف ريف درعا وتطلق النار على أحياء سكنية بالقنيطرة","matches":[{"rule":"syria",`
	if !strings.Contains(out, want) {
		t.Errorf("no match of the Syria item in:\n%s", out)
	}
}

// writeTestFiles creates files (name → contents) in dir.
func writeTestFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
