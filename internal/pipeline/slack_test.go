package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// TestSlackActionsEndToEnd wires a configuration with a Slack bot that has
// an app_token: its alert carries buttons, a click on "Mute this story"
// arrives over Socket Mode and settles the story's later report, and
// /newswatch test searches the stored items with dryrun's matcher.
func TestSlackActionsEndToEnd(t *testing.T) {
	fake := slacktest.New(slacktest.Options{})
	t.Cleanup(fake.Close)
	fake.SetMembers("#news", "UALICE")

	var mu sync.Mutex
	items := map[string]string{"a": "", "b": ""} // by feed, its one item's XML
	item := func(guid, title string) string {
		return fmt.Sprintf(`<item><guid>%s</guid><title>%s</title><link>https://wire.example/baku-talks</link><pubDate>%s</pubDate></item>`,
			guid, title, time.Now().Add(-time.Minute).Format(time.RFC1123Z))
	}
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>%s</channel></rss>`,
			r.URL.Path, items[strings.TrimPrefix(r.URL.Path, "/")])
	}))
	t.Cleanup(feeds.Close)
	mu.Lock()
	items["a"] = item("a1", "Syria and Israel move toward normalization in Baku")
	mu.Unlock()

	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(`
[daemon]
data_dir   = "data"
admin_addr = ""

[stories]
reply_delay = "0"

[[notifier]]
name      = "slack"
type      = "slack"
token     = %q
app_token = "${SLACK_APP_TOKEN}"
channel   = "#news"
api_url   = %q

[[feed]]
name = "A"
url  = "%s/a"

[[feed]]
name = "B"
url  = "%s/b"
`, fake.Token(), fake.APIURL(), feeds.URL, feeds.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadEnv(path, func(k string) (string, bool) {
		if k == "SLACK_APP_TOKEN" {
			return slacktest.DefaultAppToken, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := rules.ParseQuery("normalization")
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "normalization", Query: "normalization", Enabled: true}, Query: q}})
	logs := &logtest.Buffer{}
	p, err := Open(context.Background(), cfg, Options{Log: slog.New(slog.NewTextHandler(logs, nil)),
		Rules: func() *rules.Set { return set }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ctx := context.Background()
	wait, cancelWait := context.WithTimeout(ctx, 30*time.Second)
	defer cancelWait()

	if _, err := p.Once(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	posts := fake.Messages()
	if len(posts) != 1 || !strings.Contains(posts[0].Blocks, "newswatch_mute") {
		t.Fatalf("posts %+v, want the alert with its buttons", posts)
	}
	alert := posts[0]

	listeners, err := p.listeners()
	if err != nil || len(listeners) != 1 {
		t.Fatalf("listeners: %d, %v", len(listeners), err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- listeners[0].Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()
	if err := fake.WaitSocket(wait, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Click(wait, slacktest.Click{Channel: "#news", TS: alert.TS, User: "UALICE", UserName: "alice",
		ActionID: "newswatch_mute"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitResponses(wait, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitRequests(wait, slacktest.MethodUpdate, 1); err != nil {
		t.Fatal(err)
	}

	// Another outlet carries the same article: a report of the muted
	// story, due at once, settled without a reply.
	mu.Lock()
	items["b"] = item("b1", "Israel, Syria edge toward normalization")
	mu.Unlock()
	if res, err := p.Once(ctx, 5*time.Second); err != nil || res.Undelivered != 0 {
		t.Fatalf("second Once: %+v, %v", res, err)
	}
	for _, m := range fake.Messages()[1:] {
		t.Errorf("posted after the mute: %+v", m)
	}
	all, err := p.Store.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Kind != model.KindAlso || all[0].SilenceID == 0 || all[0].Status != model.StatusDelivered {
		t.Errorf("alerts: %+v, want the report settled by the mute", all[0])
	}

	// /newswatch test reads both items.
	if _, err := fake.Slash(wait, slacktest.Slash{Channel: "#news", User: "UALICE", UserName: "alice",
		Command: "/newswatch", Text: "test normalization AND baku"}); err != nil {
		t.Fatal(err)
	}
	rs, err := fake.WaitResponses(wait, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := rs[1].Text; !strings.Contains(got, "`normalization AND baku` matches *1* of the 2 items") ||
		!strings.Contains(got, "Syria and Israel move toward normalization in Baku") {
		t.Errorf("answer: %q", got)
	}
}
