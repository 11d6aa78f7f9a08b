package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// newsSite serves the testdata site: a WordPress-like home page at /he/
// that links to its feeds, the feeds, and a page without any feed.
func newsSite(t *testing.T) *httptest.Server {
	t.Helper()
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "feeds", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	home, i24, makor := read("site-home.html"), read("i24news-hebrew-2026-10-03.xml"), read("makorrishon-hebrew-2026-10-03.xml")
	mux := http.NewServeMux()
	serve := func(path, ctype string, body []byte) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write(body)
		})
	}
	serve("/he/{$}", "text/html; charset=UTF-8", home)
	serve("/he/feed/", "application/rss+xml; charset=UTF-8", i24)
	serve("/he/comments/feed/", "application/rss+xml; charset=UTF-8", makor)
	serve("/makor.xml", "text/xml", makor)
	serve("/about", "text/html", []byte("<!doctype html><html><head><title>About</title></head><body>No feed here.</body></html>"))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// configWithComments is a configuration file a person wrote, with the
// comments and layout that 'feeds add' must keep.
const configWithComments = `# newswatch configuration — edited by hand.
#
# Secrets come from the environment.

[daemon]
data_dir = "data"   # relative to this file
admin_addr = ""

[rules]
dir = "rules.d"

# Israeli outlets, checked every 10 minutes.
[[feed]]
name     = "Kan 11"
url      = "https://www.kan.org.il/rss"   # public broadcaster
schedule = "*/10 * * * *"

[[notifier]]
name    = "slack"
type    = "slack"
token   = "${SLACK_TOKEN}"
channel = "#news"
# trailing comment, no newline at the end`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": text, "rules.d/a.toml": "[[rule]]\nname = \"a\"\nquery = \"syria\"\n"})
	return filepath.Join(dir, "config.toml")
}

func loadTestConfig(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.LoadEnv(path, func(k string) (string, bool) {
		return map[string]string{"SLACK_TOKEN": "xoxb-1"}[k], k == "SLACK_TOKEN"
	})
	if err != nil {
		t.Fatalf("the configuration does not load: %v", err)
	}
	return cfg
}

func TestFeedsAdd(t *testing.T) {
	site := newsSite(t)
	path := writeConfig(t, configWithComments)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SLACK_TOKEN": "xoxb-1"}
	ctx := context.Background()

	// A site's home page: its first announced feed is added.
	code, stdout, stderr := runWithEnv(t, ctx, env, "feeds", "add", site.URL+"/he/", "-tags", "mideast, hebrew", "-expect-every", "12h", "-config", path)
	if code != 0 {
		t.Fatalf("feeds add: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(configWithComments+"\n")) {
		t.Errorf("the file's original text was not kept byte for byte:\n%s", data)
	}
	added := string(data[len(configWithComments):])
	for _, want := range []string{
		"# Added (found on " + site.URL + "/he/) by `newswatch feeds` on ",
		// The short name of the site, not the feed's 56-character title.
		"[[feed]]\nname = \"i24NEWS\"\n",
		"url  = \"" + site.URL + "/he/feed/\"\n",
		"tags = [\"mideast\", \"hebrew\"]\n",
		"expect_every = \"12h\"\n",
	} {
		if !strings.Contains(added, want) {
			t.Errorf("appended text lacks %q:\n%s", want, added)
		}
	}
	if !strings.Contains(stderr, "found the feed "+site.URL+"/he/feed/ on "+site.URL+"/he/") ||
		!strings.Contains(stderr, "also links to "+site.URL+"/he/comments/feed/") {
		t.Errorf("stderr does not tell what was found:\n%s", stderr)
	}
	if !strings.Contains(stdout, ", 3 items now)") || !strings.Contains(stdout, "a running newswatch polls it within seconds") {
		t.Errorf("stdout:\n%s", stdout)
	}
	cfg := loadTestConfig(t, path)
	if len(cfg.Feeds) != 2 || cfg.Feeds[1].ExpectEvery != 12*time.Hour || !reflect.DeepEqual(cfg.Feeds[1].Tags, []string{"mideast", "hebrew"}) {
		t.Errorf("feeds after add: %+v", cfg.Feeds)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode after add: %v, want 0640", info.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".config.toml.newswatch-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// The same feed again, by its page or its own URL: refused.
	for _, u := range []string{site.URL + "/he/", site.URL + "/he/feed/"} {
		if code, _, stderr := runWithEnv(t, ctx, env, "feeds", "add", u, "-config", path); code != 1 || !strings.Contains(stderr, "already configured") {
			t.Errorf("adding %s twice: exit %d\n%s", u, code, stderr)
		}
	}
	// A name that is taken: refused.
	if code, _, stderr := runWithEnv(t, ctx, env, "feeds", "add", site.URL+"/makor.xml", "-name", "Kan 11", "-config", path); code != 1 || !strings.Contains(stderr, `a feed named "Kan 11" is already configured`) {
		t.Errorf("taken name: exit %d\n%s", code, stderr)
	}
	// A page without a feed.
	if code, _, stderr := runWithEnv(t, ctx, env, "feeds", "add", site.URL+"/about", "-config", path); code != 1 || !strings.Contains(stderr, "links to no feed") {
		t.Errorf("page without a feed: exit %d\n%s", code, stderr)
	}
	// -dry-run prints and writes nothing.
	before, _ := os.ReadFile(path)
	code, stdout, _ = runWithEnv(t, ctx, env, "feeds", "add", site.URL+"/makor.xml", "-name", "Makor Rishon", "-lang", "he", "-dry-run", "-config", path)
	if after, _ := os.ReadFile(path); code != 0 || !bytes.Equal(before, after) || !strings.Contains(stdout, "name = \"Makor Rishon\"\nurl  = \""+site.URL+"/makor.xml\"\nlang = \"he\"\n") {
		t.Errorf("dry run: exit %d, file changed %v\n%s", code, !bytes.Equal(before, after), stdout)
	}
	// Bad flags are refused before anything is fetched.
	if code, _, _ := runWithEnv(t, ctx, env, "feeds", "add", site.URL+"/makor.xml", "-schedule", "every day", "-config", path); code != 1 {
		t.Errorf("bad -schedule: exit %d", code)
	}
}

func TestFeedsAddKeepsAWeirdNameAndFollowsSymlinks(t *testing.T) {
	site := newsSite(t)
	target := writeConfig(t, configWithComments)
	link := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	// No SLACK_TOKEN here: the file does not load in this environment,
	// but the change adds no problem of its own.
	name := `Makor "Rishon" ${HOME} \ מקור`
	code, _, stderr := runWithEnv(t, context.Background(), map[string]string{}, "feeds", "add", site.URL+"/makor.xml", "-name", name, "-config", link)
	if code != 0 {
		t.Fatalf("feeds add: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "does not load here") {
		t.Errorf("no note about the environment:\n%s", stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v", err)
	}
	cfg := loadTestConfig(t, target)
	if got := cfg.Feeds[len(cfg.Feeds)-1].Name; got != name {
		t.Errorf("name read back = %q, want %q", got, name)
	}

	// A change that breaks the file is not written.
	before, _ := os.ReadFile(target)
	code, _, stderr = runWithEnv(t, context.Background(), map[string]string{}, "feeds", "add", site.URL+"/he/feed/", "-tags", "not a tag!", "-config", link)
	if after, _ := os.ReadFile(target); code != 1 || !bytes.Equal(before, after) || !strings.Contains(stderr, "nothing was written") || !strings.Contains(stderr, "tag") {
		t.Errorf("invalid tag: exit %d, file changed %v\n%s", code, !bytes.Equal(before, after), stderr)
	}
}

func TestFeedsImportExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"SLACK_TOKEN": "xoxb-1"}
	path := writeConfig(t, strings.Replace(configWithComments,
		`url      = "https://www.kan.org.il/rss"`, `url      = "https://www.timesofisrael.com/feed/"`, 1))
	opml := filepath.Join("testdata", "feeds", "feedly-export.opml")

	code, stdout, stderr := runWithEnv(t, ctx, env, "feeds", "import", opml, "-config", path)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "imported 8 feeds") || !strings.Contains(stdout, "(2 skipped)") {
		t.Errorf("import stdout:\n%s", stdout)
	}
	for _, want := range []string{
		`skipped "The Times of Israel": https://www.timesofisrael.com/feed/ is already configured, as "Kan 11"`,
		`skipped "Newsletter (Kill the Newsletter)": "feed://kill-the-newsletter.example/feeds/abc.xml" is not an http(s) URL`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("import stderr lacks %s:\n%s", want, stderr)
		}
	}
	cfg := loadTestConfig(t, path)
	type feed struct {
		Name, URL string
		Tags      []string
	}
	var got []feed
	for _, f := range cfg.Feeds[1:] {
		got = append(got, feed{f.Name, f.URL, f.Tags})
	}
	want := []feed{
		{"The Jerusalem Post", "https://www.jpost.com/rss/rssfeedsfrontpage.aspx", []string{"middle-east"}},
		{"Middle East Eye", "https://www.middleeasteye.net/rss", []string{"middle-east"}},
		{"BBC News - Middle East", "https://feeds.bbci.co.uk/news/world/middle_east/rss.xml", []string{"middle-east"}},
		{"Google News - Syria Israel normalization", "https://news.google.com/rss/search?q=Syria+Israel+normalization&hl=en-US&gl=US&ceid=US:en", []string{"middle-east"}},
		{"BBC News عربي", "https://feeds.bbci.co.uk/arabic/rss.xml", []string{"عربي"}},
		{"عنب بلدي", "https://www.enabbaladi.net/feed", []string{"عربي"}},
		{"SANA", "https://sana.sy/en/?feed=rss2", []string{"syria-wire"}},
		{"Ynetnews", "https://www.ynetnews.com/Integration/StoryRss3089.xml", nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("imported feeds =\n%+v\nwant\n%+v", got, want)
	}
	if !strings.Contains(mustRead(t, path), "# trailing comment, no newline at the end\n\n# Imported from "+opml) {
		t.Error("the import was not appended after the file's last line")
	}

	// Importing again adds nothing.
	if code, stdout, _ := runWithEnv(t, ctx, env, "feeds", "import", opml, "-config", path); code != 0 || !strings.Contains(stdout, "nothing to import: 10 feeds skipped") {
		t.Errorf("second import: exit %d\n%s", code, stdout)
	}

	// Export, then import the export into an empty configuration: the
	// same feeds, names, URLs and tags, the tags as folders.
	exported := filepath.Join(t.TempDir(), "export.opml")
	if code, _, stderr := runWithEnv(t, ctx, env, "feeds", "export", "-o", exported, "-config", path); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	text := mustRead(t, exported)
	for _, want := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<opml version="2.0">`, `<docs>http://opml.org/spec2.opml</docs>`,
		`xmlUrl="https://news.google.com/rss/search?q=Syria+Israel+normalization&amp;hl=en-US&amp;gl=US&amp;ceid=US:en"`, `category="middle-east"`,
		`<outline text="middle-east" title="middle-east">` + "\n" + `      <outline text="The Jerusalem Post"`} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %s:\n%s", want, text)
		}
	}
	empty := writeConfig(t, "[daemon]\nadmin_addr = \"\"\n")
	if code, _, stderr := runWithEnv(t, ctx, env, "feeds", "import", exported, "-config", empty); code != 0 {
		t.Fatalf("import of the export: exit %d\n%s", code, stderr)
	}
	again := loadTestConfig(t, empty)
	if len(again.Feeds) != len(cfg.Feeds) {
		t.Fatalf("round trip: %d feeds, want %d", len(again.Feeds), len(cfg.Feeds))
	}
	byName := map[string]config.Feed{}
	for _, f := range again.Feeds { // in the order of the export's folders
		byName[f.Name] = f
	}
	for _, a := range cfg.Feeds {
		b := byName[a.Name]
		if a.Name != b.Name || a.URL != b.URL || !reflect.DeepEqual(a.Tags, b.Tags) || a.Lang != b.Lang {
			t.Errorf("round trip of feed %q: %+v, want %+v", a.Name, b, a)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestFeedsList(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"SLACK_TOKEN": "xoxb-1"}
	path := writeConfig(t, configWithComments+"\n\n[[feed]]\nname = \"Makor\"\nurl = \"https://makor.example/rss\"\nenabled = false\n")

	// Before any daemon ran: no database, every feed new or disabled.
	code, stdout, stderr := runWithEnv(t, ctx, env, "feeds", "list", "-config", path)
	if code != 0 {
		t.Fatalf("feeds list: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "NAME    STATE     LAST SUCCESS") || !strings.Contains(stdout, "Kan 11  new") || !strings.Contains(stdout, "Makor   disabled") {
		t.Errorf("list without a database:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "data")); err == nil {
		t.Error("feeds list created the data directory")
	}

	// A failing feed, as the daemon records it.
	cfg := loadTestConfig(t, path)
	st, err := store.Open(ctx, filepath.Join(cfg.Daemon.DataDir, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: "Kan 11", URL: "https://www.kan.org.il/rss"}, {Name: "Makor", URL: "https://makor.example/rss"}}); err != nil {
		t.Fatal(err)
	}
	f, err := st.Feed(ctx, "Kan 11")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f.LastFetchAt, f.LastSuccessAt, f.ConsecutiveFailures, f.LastStatus = now.Add(-time.Minute), now.Add(-3*time.Hour), 4, 503
	f.LastError, f.NextAttemptAt = "HTTP 503 Service Unavailable\x1b[31m", now.Add(30*time.Minute)
	if err := st.SaveFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, stdout, _ = runWithEnv(t, ctx, env, "feeds", "list", "-config", path)
	if code != 0 {
		t.Fatalf("feeds list: exit %d", code)
	}
	for _, want := range []string{"Kan 11  failing", "3 h ago", "in 3", "(backoff)", "HTTP 503 Service Unavailable"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b") {
		t.Error("an escape sequence from feed state reached the terminal")
	}

	code, stdout, _ = runWithEnv(t, ctx, env, "feeds", "list", "-json", "-config", path)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("feeds list -json: exit %d\n%s", code, stdout)
	}
	var got format.FeedRecord
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "Kan 11" || got.State != "failing" || got.ConsecutiveFailures != 4 || got.LastStatus != 503 ||
		got.LastSuccessAt == "" || got.HeldUntil == "" || got.NextPollAt == "" || got.Schedule != "*/10 * * * *" {
		t.Errorf("JSON line = %+v", got)
	}
}

func TestFeedsTest(t *testing.T) {
	site := newsSite(t)
	ctx := context.Background()
	code, stdout, stderr := runWithEnv(t, ctx, nil, "feeds", "test", site.URL+"/he/", "-n", "2")
	if code != 0 {
		t.Fatalf("feeds test: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"found on:  " + site.URL + "/he/\n", "feed:      " + site.URL + "/he/feed/\n",
		"title:     i24NEWS - חדשות מתפרצות", "format:    rss 2.0", "no ETag nor Last-Modified",
		"items:     3 (the newest 2 shown; -n 0 shows all)", "the page also links to " + site.URL + "/he/comments/feed/",
		"PUBLISHED         TITLE",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("feeds test output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runWithEnv(t, ctx, nil, "feeds", "test", site.URL+"/makor.xml", "-json", "-n", "0")
	var out format.FeedTestRecord
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil {
		t.Fatalf("feeds test -json: exit %d, %v\n%s", code, err, stdout)
	}
	if out.Items != 4 || len(out.Shown) != 4 || out.FoundOn != "" || out.Format != "rss 2.0" || out.Shown[0].Identity == "" {
		t.Errorf("JSON = %+v", out)
	}
	if code, _, stderr := runWithEnv(t, ctx, nil, "feeds", "test", site.URL+"/about"); code != 1 || !strings.Contains(stderr, "links to no feed") {
		t.Errorf("page without a feed: exit %d\n%s", code, stderr)
	}
	if code, _, _ := runWithEnv(t, ctx, nil, "feeds", "test", "ftp://x.example/feed"); code != 1 {
		t.Errorf("ftp URL: exit %d", code)
	}
}

func TestFeedsUsage(t *testing.T) {
	ctx := context.Background()
	if code, _, stderr := runWithEnv(t, ctx, nil, "feeds"); code != 1 || !strings.Contains(stderr, "missing sub-command") {
		t.Errorf("feeds: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runWithEnv(t, ctx, nil, "feeds", "remove"); code != 1 || !strings.Contains(stderr, `unknown sub-command "remove"`) {
		t.Errorf("feeds remove: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runWithEnv(t, ctx, nil, "feeds", "add", "-h"); code != 0 || !strings.Contains(stderr, "Usage: newswatch feeds add URL") {
		t.Errorf("feeds add -h: exit %d\n%s", code, stderr)
	}
}
