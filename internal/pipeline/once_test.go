package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/rules"
)

// world is a configuration with a feed served on loopback, one that
// nobody serves, a rule and the console notifier.
type world struct {
	cfg    *config.Config
	set    *rules.Set
	log    *slog.Logger
	logs   *logtest.Buffer
	stdout *logtest.Buffer
}

func newWorld(t *testing.T, adminAddr string) *world {
	t.Helper()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>w1</guid><title>Syria and Israel move toward normalization</title><link>https://wire.example/1</link><pubDate>%s</pubDate></item>
</channel></rss>`, time.Now().Add(-time.Minute).Format(time.RFC1123Z))
	}))
	t.Cleanup(feed.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(`
[daemon]
data_dir   = "data"
admin_addr = %q

[[feed]]
name = "Wire"
url  = "%s/rss"

[[feed]]
name = "Gone"
url  = "http://%s/rss"
`, adminAddr, feed.URL, closed)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadEnv(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	q, err := rules.ParseQuery("syria")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{cfg: cfg, logs: &logtest.Buffer{}, stdout: &logtest.Buffer{},
		set: rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "syria", Query: "syria", Enabled: true}, Query: q}})}
	w.log = slog.New(slog.NewTextHandler(w.logs, nil))
	return w
}

func (w *world) open(t *testing.T, rulesNow func() *rules.Set) *Pipeline {
	t.Helper()
	p, err := Open(context.Background(), w.cfg, Options{Log: w.log, Rules: rulesNow, Stdout: w.stdout, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestOnce(t *testing.T) {
	w := newWorld(t, "")
	p := w.open(t, func() *rules.Set { return w.set })
	res, err := p.Once(context.Background(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res != (OnceResult{Feeds: 2, FailedFeeds: 1}) || res.OK() {
		t.Errorf("Once = %+v (OK %v), want 2 feeds, 1 failed, all alerts delivered", res, res.OK())
	}
	if !strings.Contains(w.stdout.String(), "Syria and Israel move toward normalization") {
		t.Errorf("the console did not print the alert:\n%s", w.stdout)
	}
	if !strings.Contains(w.logs.String(), `msg="once: done" feeds=2 failed_feeds=1 undelivered_alerts=0`) {
		t.Errorf("no summary in the log:\n%s", w.logs)
	}

	// Again: the failing feed now backs off and still counts as failed;
	// the item alerted once.
	res, err = p.Once(context.Background(), 5*time.Second)
	if err != nil || res.FailedFeeds != 1 || res.Undelivered != 0 {
		t.Errorf("second Once = %+v, %v", res, err)
	}
	if n := strings.Count(w.stdout.String(), "Syria and Israel move toward normalization"); n != 1 {
		t.Errorf("the alert was printed %d times", n)
	}
}
