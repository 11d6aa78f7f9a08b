package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFeedURLSecretsNeverShown configures feeds whose URLs carry a password
// (from the environment) and an API key, makes them fail in the ways that
// quote a URL (an HTTP error, a refused connection, a feed-health alert),
// and reads every channel newswatch shows things on: its logs, the output
// of once, feeds list (text and JSON) and alerts list, Slack, and the admin
// server's status page, metrics and probes. None may show either secret.
func TestFeedURLSecretsNeverShown(t *testing.T) {
	const (
		user     = "feedreader"
		password = "Pa55w0rdFromEnv"
		apiKey   = "ApiKeyValue4217"
	)
	slack := newFakeSlack(t)
	feeds := http.NewServeMux()
	feeds.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password || r.URL.Query().Get("apikey") != apiKey {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Private</title>
<item><guid>p1</guid><title>Syria and Israel open talks</title><link>https://private.example/p1</link><pubDate>%s</pubDate></item>
</channel></rss>`, time.Now().UTC().Format(time.RFC1123Z))
	})
	feeds.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(feeds)
	t.Cleanup(srv.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedHost := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	dir := t.TempDir()
	addr := freeAddr(t)
	writeFiles(t, dir, map[string]string{
		"config.toml": fmt.Sprintf(`
[daemon]
data_dir   = "data"
admin_addr = %[1]q

[log]
level = "debug"

[health]
feed_alert_after = "1ms"

[[feed]]
name = "Private"
url  = "http://%[2]s:${FEED_PASS}@%[3]s/private?apikey=${FEED_KEY}&lang=en"

[[feed]]
name = "Down"
url  = "http://%[2]s:${FEED_PASS}@%[3]s/down?apikey=${FEED_KEY}"

[[feed]]
name = "Gone"
url  = "http://%[2]s:${FEED_PASS}@%[4]s/feed?token=${FEED_KEY}"

[[notifier]]
name    = "slack"
type    = "slack"
token   = "xoxb-test-token"
channel = "#news"
api_url = "%[5]s/api/"
`, addr, user, host, closedHost, slack.URL()),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	cfgPath := filepath.Join(dir, "config.toml")
	env := map[string]string{"FEED_PASS": password, "FEED_KEY": apiKey}

	var shown []string // "channel: text"
	show := func(channel, text string) { shown = append(shown, channel+": "+text) }
	ctx := context.Background()
	for i := range 2 { // the second run finds the feeds failing long enough to alert
		code, stdout, stderr := runWithEnv(t, ctx, env, "once", "-config", cfgPath, "-drain", "10s")
		if code != 2 {
			t.Fatalf("once %d: exit %d, want 2 (two feeds fail)\n%s", i+1, code, stderr)
		}
		show(fmt.Sprintf("once %d stdout", i+1), stdout)
		show(fmt.Sprintf("once %d stderr", i+1), stderr)
	}
	for _, args := range [][]string{{"feeds", "list"}, {"feeds", "list", "-json"}, {"alerts", "list"}, {"alerts", "list", "-json"}} {
		code, stdout, stderr := runWithEnv(t, ctx, env, append(args, "-config", cfgPath)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		show(strings.Join(args, " "), stdout+stderr)
	}

	// The daemon, for its admin server.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := runWithEnv(t, runCtx, env, "run", "-config", cfgPath)
		done <- result{code, stderr}
	}()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		// The failing feeds back off after the runs of once: the page
		// shows their last errors from the database.
		code, body := get("/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon was not ready within 30s: %d\n%s", code, body)
		}
		select {
		case r := <-done:
			t.Fatalf("run exited with %d:\n%s", r.code, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	for _, path := range []string{"/", "/metrics", "/healthz", "/readyz", "/search?q=syria"} {
		_, body := get(path)
		show("GET "+path, body)
	}
	cancel()
	r := <-done
	show("run stderr", r.stderr)
	for _, m := range slack.Requests() {
		show("slack "+m.Channel, m.Text+"\n"+m.Blocks)
	}

	// The test shows what it means to show: the failures and the alert
	// are there, under the redacted URLs.
	all := strings.Join(shown, "\n")
	for _, want := range []string{"apikey=REDACTED", "503", "is failing", "Syria and Israel open talks"} {
		if !strings.Contains(all, want) {
			t.Errorf("no channel shows %q: the test did not see what it meant to", want)
		}
	}
	for _, s := range shown {
		for _, secret := range []string{password, apiKey, user + ":", user + "@"} {
			if i := strings.Index(s, secret); i >= 0 {
				channel, _, _ := strings.Cut(s, ": ")
				t.Errorf("%s shows the secret %q: …%s…", channel, secret, s[max(0, i-120):min(len(s), i+60)])
			}
		}
	}
}
