package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/slacktest"
)

// fakeSlack is the fake Slack, with an incoming webhook for the "hook"
// notifier.
type fakeSlack struct {
	*slacktest.Server
	hook string // the webhook's URL
}

func newFakeSlack(t *testing.T) *fakeSlack {
	s := slacktest.Start(t, slacktest.Options{})
	return &fakeSlack{Server: s, hook: s.WebhookURL("#hook")}
}

// texts returns the fallback texts of the bot posts and the webhook posts.
func (f *fakeSlack) texts() (posts, hooks []string) {
	for _, m := range f.Messages() {
		if m.Method == slacktest.MethodWebhook {
			hooks = append(hooks, m.Text)
		} else {
			posts = append(posts, m.Text)
		}
	}
	return posts, hooks
}

// newsServer serves an RSS, an Atom and a JSON feed whose items can be
// changed between polls.
type newsServer struct {
	mu     sync.Mutex
	rss    []newsItem
	atom   []newsItem
	json   []newsItem
	server *httptest.Server
}

type newsItem struct {
	ID, Title, Summary string
	Published          time.Time
}

func newNewsServer(t *testing.T) *newsServer {
	n := &newsServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rss", func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		defer n.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>`)
		for _, it := range n.rss {
			fmt.Fprintf(w, `<item><title>%s</title><link>https://wire.example/%s</link><guid>%s</guid><pubDate>%s</pubDate><description>%s</description></item>`,
				it.Title, it.ID, it.ID, it.Published.UTC().Format(time.RFC1123Z), it.Summary)
		}
		fmt.Fprint(w, `</channel></rss>`)
	})
	mux.HandleFunc("GET /atom", func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		defer n.mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Gazette</title><id>urn:gazette</id><updated>2026-11-27T00:00:00Z</updated>`)
		for _, it := range n.atom {
			fmt.Fprintf(w, `<entry><title>%s</title><id>urn:gazette:%s</id><link href="https://gazette.example/%s"/><updated>%s</updated><summary>%s</summary></entry>`,
				it.Title, it.ID, it.ID, it.Published.UTC().Format(time.RFC3339), it.Summary)
		}
		fmt.Fprint(w, `</feed>`)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		defer n.mu.Unlock()
		type jsonItem struct {
			ID            string `json:"id"`
			URL           string `json:"url"`
			Title         string `json:"title"`
			Summary       string `json:"summary"`
			DatePublished string `json:"date_published"`
		}
		feed := struct {
			Version string     `json:"version"`
			Title   string     `json:"title"`
			Items   []jsonItem `json:"items"`
		}{Version: "https://jsonfeed.org/version/1.1", Title: "Daily", Items: []jsonItem{}}
		for _, it := range n.json {
			feed.Items = append(feed.Items, jsonItem{ID: it.ID, URL: "https://daily.example/" + it.ID, Title: it.Title, Summary: it.Summary, DatePublished: it.Published.UTC().Format(time.RFC3339)})
		}
		w.Header().Set("Content-Type", "application/feed+json")
		json.NewEncoder(w).Encode(feed)
	})
	n.server = httptest.NewServer(mux)
	t.Cleanup(n.server.Close)
	return n
}

func (n *newsServer) addRSS(it newsItem) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rss = append([]newsItem{it}, n.rss...)
}

// e2eSetup writes a configuration and rules for the news and Slack fakes
// and returns the configuration's path.
func e2eSetup(t *testing.T, news *newsServer, slack *fakeSlack) string {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`
[daemon]
data_dir   = "data"
backfill   = "24h"
admin_addr = ""

[log]
level = "warn"

[[feed]]
name = "Wire"
url  = "%[1]s/rss"
tags = ["mideast"]

[[feed]]
name = "Gazette"
url  = "%[1]s/atom"
tags = ["mideast"]

[[feed]]
name = "Daily"
url  = "%[1]s/json"

[[notifier]]
name    = "slack"
type    = "slack"
token   = "${TEST_SLACK_TOKEN}"
channel = "#news"
api_url = "%[2]s/api/"

[[notifier]]
name = "hook"
type = "slack-webhook"
url  = "%[3]s"

[notify]
default = ["slack"]
`, news.server.URL, slack.URL(), slack.hook)
	writeFiles(t, dir, map[string]string{
		"config.toml": config,
		"rules.d/watch.toml": `
[[rule]]
name  = "syria-israel"
query = '(syria OR سوريا) AND (israel OR إسرائيل) AND (normaliz* OR تطبيع)'
feeds = ["tag:mideast"]

[[rule]]
name   = "abraham-accords"
query  = '"abraham accords"'
notify = ["hook"]
`,
	})
	return filepath.Join(dir, "config.toml")
}

// runWithEnv runs newswatch in-process with the given environment.
func runWithEnv(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	sio := &IO{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
	code := run(ctx, args, sio)
	return code, stdout.String(), stderr.String()
}

func TestEndToEndOnce(t *testing.T) {
	news := newNewsServer(t)
	slack := newFakeSlack(t)
	now := time.Now()
	recent, old := now.Add(-time.Hour), now.Add(-72*time.Hour)
	news.rss = []newsItem{
		{ID: "w1", Title: "Syria and Israel move toward normalization", Summary: "Talks in Baku.", Published: recent},
		{ID: "w2", Title: "Weather in Damascus", Summary: "Sunny and mild.", Published: recent},
		{ID: "w3", Title: "Syria, Israel and normalization: an old story", Summary: "From the archive.", Published: old},
	}
	news.atom = []newsItem{
		{ID: "g1", Title: "سوريا وإسرائيل: محادثات التطبيع تتقدم", Summary: "مصادر دبلوماسية.", Published: recent},
		{ID: "g2", Title: "Oman joins the Abraham Accords", Summary: "A new member.", Published: recent},
	}
	news.json = []newsItem{
		// Daily is not tagged mideast: syria-israel ignores it.
		{ID: "d1", Title: "Syria Israel normalization, explained", Summary: "An explainer.", Published: recent},
		{ID: "d2", Title: "Five years of the Abraham Accords", Summary: "Analysis.", Published: recent},
	}
	cfgPath := e2eSetup(t, news, slack)
	env := map[string]string{"TEST_SLACK_TOKEN": "xoxb-test-token"}
	ctx := context.Background()

	code, stdout, stderr := runWithEnv(t, ctx, env, "once", "-config", cfgPath, "-drain", "10s")
	if code != 0 {
		t.Fatalf("first once: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	posts, hooks := slack.texts()
	wantPosts := []string{"Syria and Israel move toward normalization", "سوريا وإسرائيل: محادثات التطبيع تتقدم"}
	wantHooks := []string{"Oman joins the Abraham Accords", "Five years of the Abraham Accords"}
	assertDelivered(t, "bot posts", posts, wantPosts)
	assertDelivered(t, "webhook posts", hooks, wantHooks)
	for _, p := range slack.Messages() {
		if p.Method == slacktest.MethodPost && (p.Channel != "#news" || p.Token != "xoxb-test-token") {
			t.Errorf("post to channel %q with token %q", p.Channel, p.Token)
		}
	}

	code, _, stderr = runWithEnv(t, ctx, env, "once", "-config", cfgPath, "-drain", "10s")
	if code != 0 {
		t.Fatalf("second once: exit %d\n%s", code, stderr)
	}
	posts2, hooks2 := slack.texts()
	if len(posts2) != len(posts) || len(hooks2) != len(hooks) {
		t.Fatalf("a second once with nothing new sent more: %q %q", posts2[len(posts):], hooks2[len(hooks):])
	}

	news.addRSS(newsItem{ID: "w4", Title: "Israel and Syria sign a normalization framework", Summary: "In Washington.", Published: time.Now()})
	code, _, stderr = runWithEnv(t, ctx, env, "once", "-config", cfgPath, "-drain", "10s")
	if code != 0 {
		t.Fatalf("third once: exit %d\n%s", code, stderr)
	}
	posts3, hooks3 := slack.texts()
	assertDelivered(t, "bot posts after a new item", posts3[len(posts):], []string{"Israel and Syria sign a normalization framework"})
	if len(hooks3) != len(hooks) {
		t.Errorf("the new item also went to the webhook: %q", hooks3[len(hooks):])
	}
}

// assertDelivered checks that every text in got mentions exactly one of the
// wanted titles and each title is mentioned exactly once.
func assertDelivered(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d:\n%s", what, len(got), len(want), strings.Join(got, "\n---\n"))
	}
	seen := map[string]int{}
	for _, text := range got {
		for _, w := range want {
			if strings.Contains(text, w) {
				seen[w]++
			}
		}
	}
	for _, w := range want {
		if seen[w] != 1 {
			t.Errorf("%s: %q delivered %d times; messages:\n%s", what, w, seen[w], strings.Join(got, "\n---\n"))
		}
	}
}

func TestEndToEndRun(t *testing.T) {
	news := newNewsServer(t)
	slack := newFakeSlack(t)
	news.rss = []newsItem{{ID: "w1", Title: "Syria and Israel move toward normalization", Published: time.Now().Add(-time.Minute)}}
	cfgPath := e2eSetup(t, news, slack)
	env := map[string]string{"TEST_SLACK_TOKEN": "xoxb-test-token"}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runWithEnv(t, ctx, env, "run", "-config", cfgPath)
		done <- result{code, stdout, stderr}
	}()

	deadline := time.After(30 * time.Second)
	for {
		posts, _ := slack.texts()
		if len(posts) > 0 {
			assertDelivered(t, "bot posts", posts, []string{"Syria and Israel move toward normalization"})
			break
		}
		select {
		case r := <-done:
			t.Fatalf("run exited early with %d:\n%s", r.code, r.stderr)
		case <-deadline:
			t.Fatal("no alert reached Slack within 30s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	r := <-done
	if r.code != 0 {
		t.Errorf("run after cancel: exit %d\n%s", r.code, r.stderr)
	}
}

func TestOnceExitStatus(t *testing.T) {
	news := newNewsServer(t)
	slack := newFakeSlack(t)
	cfgPath := e2eSetup(t, news, slack)
	env := map[string]string{"TEST_SLACK_TOKEN": "xoxb-test-token"}

	t.Run("bad config", func(t *testing.T) {
		code, stdout, stderr := runWithEnv(t, context.Background(), map[string]string{}, "once", "-config", cfgPath)
		if code != 1 || stdout != "" || !strings.Contains(stderr, "TEST_SLACK_TOKEN") {
			t.Errorf("unset variable: exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("failing feed", func(t *testing.T) {
		news.server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/atom" {
				http.Error(w, "down", http.StatusInternalServerError)
				return
			}
			http.NotFound(w, r)
		})
		code, _, stderr := runWithEnv(t, context.Background(), env, "once", "-config", cfgPath, "-drain", "1s")
		if code != 2 {
			t.Errorf("failing feeds: exit %d, want 2\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "Gazette") || !strings.Contains(stderr, "/atom") {
			t.Errorf("the failing feed is not named with its URL:\n%s", stderr)
		}
	})
}
