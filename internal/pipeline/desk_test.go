package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
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
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify/webhook"
	"github.com/newswatch/newswatch/rules"
)

// desk is what a newsroom desk runs, end to end, for the tests of what it
// reads: outlets' RSS feeds served on loopback, and every kind of
// notifier: a Slack bot ("bot", channel #desk) and a Slack incoming
// webhook ("hook", #hook) on the one fake Slack, a generic webhook
// ("siem") whose payloads are kept, and the console ("console"). Each
// once opens the pipeline from the configuration file, polls, drains and
// closes it, as `newswatch once` does.
type desk struct {
	dir    string
	slack  *slacktest.Server
	outlet *httptest.Server
	stdout *logtest.Buffer
	logs   *logtest.Buffer

	mu       sync.Mutex
	items    map[string][]deskItem // by outlet name
	payloads []webhook.Payload
}

// deskItem is one item of an outlet's feed. Description is written into
// the RSS as it is: escape what XML needs.
type deskItem struct {
	GUID, Title, Link, Description string
	Published                      time.Time
}

// newDesk starts the fakes and writes a configuration with the outlets
// (feeds of the same names), extra appended to it, and the rule file
// rulesTOML.
func newDesk(t *testing.T, outlets []string, extra, rulesTOML string) *desk {
	t.Helper()
	d := &desk{dir: t.TempDir(), slack: slacktest.Start(t, slacktest.Options{}),
		stdout: &logtest.Buffer{}, logs: &logtest.Buffer{}, items: map[string][]deskItem{}}
	d.outlet = httptest.NewServer(http.HandlerFunc(d.serveFeed))
	t.Cleanup(d.outlet.Close)
	siem := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p webhook.Payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		d.payloads = append(d.payloads, p)
		d.mu.Unlock()
	}))
	t.Cleanup(siem.Close)

	var cfg strings.Builder
	fmt.Fprintf(&cfg, `
[daemon]
data_dir   = "data"
admin_addr = ""

[rules]
dir = "rules.d"

[[notifier]]
name    = "bot"
type    = "slack"
token   = %q
channel = "#desk"
api_url = %q
rate    = 1000

[[notifier]]
name = "hook"
type = "slack-webhook"
url  = %q
rate = 1000

[[notifier]]
name = "siem"
type = "webhook"
url  = %q
rate = 1000

[[notifier]]
name = "console"
type = "console"

[notify]
default = ["bot", "hook", "siem", "console"]
`, d.slack.Token(), d.slack.APIURL(), d.slack.WebhookURL("#hook"), siem.URL+"/in")
	for _, name := range outlets {
		fmt.Fprintf(&cfg, "\n[[feed]]\nname = %q\nurl  = %q\n", name, d.outlet.URL+"/"+strings.ReplaceAll(name, " ", "-"))
	}
	cfg.WriteString("\n" + extra + "\n")
	writeFile(t, filepath.Join(d.dir, "config.toml"), cfg.String())
	writeFile(t, filepath.Join(d.dir, "rules.d", "desk.toml"), rulesTOML)
	return d
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// publish adds items to outlet's feed.
func (d *desk) publish(outlet string, items ...deskItem) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.items[outlet] = append(d.items[outlet], items...)
}

func (d *desk) serveFeed(w http.ResponseWriter, r *http.Request) {
	name := strings.ReplaceAll(strings.TrimPrefix(r.URL.Path, "/"), "-", " ")
	d.mu.Lock()
	items := d.items[name]
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link>`,
		html.EscapeString(name), strings.ToLower(strings.ReplaceAll(name, " ", "")))
	for _, it := range items {
		fmt.Fprintf(w, "<item><guid>%s</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate><description>%s</description></item>",
			html.EscapeString(it.GUID), it.Title, html.EscapeString(it.Link), it.Published.UTC().Format(time.RFC1123Z), it.Description)
	}
	io.WriteString(w, "</channel></rss>")
}

// once runs one `newswatch once` with the rules of the rules directory:
// every feed polled, the outbox drained for up to drain.
func (d *desk) once(t *testing.T, drain time.Duration) OnceResult {
	t.Helper()
	cfg, err := config.LoadEnv(filepath.Join(d.dir, "config.toml"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	set, diags := LoadRules(cfg, "")
	if diags.HasErrors() {
		t.Fatalf("rules: %v", diags)
	}
	log := slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := Open(context.Background(), cfg, Options{Log: log, Stdout: d.stdout, Version: "test", Rules: func() *rules.Set { return set }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := p.Once(context.Background(), drain)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// posts returns what readers see of the messages the fake Slack shows in
// channel ("#desk" for the bot, "#hook" for the webhook), in order.
func (d *desk) posts(t *testing.T, channel string) []slacktest.Message {
	t.Helper()
	var out []slacktest.Message
	for _, m := range d.slack.Messages() {
		if m.Channel == channel || m.ChannelID == d.slack.ChannelID(channel) {
			out = append(out, m)
		}
	}
	return out
}

// shown returns what a reader sees of m.
func shown(t *testing.T, m slacktest.Message) string {
	t.Helper()
	s, err := m.Shown()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// webhookPayloads returns the payloads the generic webhook received.
func (d *desk) webhookPayloads() []webhook.Payload {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]webhook.Payload(nil), d.payloads...)
}

// TestDeskSnippetKeepsEscapedText follows a description whose HTML holds
// escaped text (a security report naming a tag, Slack-like link syntax,
// an entity written out) from the feed through the store to every
// notifier: the reader sees the text the feed meant, not a gap where an
// "<iframe>" was dropped as a tag, nor "<b>" decoded twice.
func TestDeskSnippetKeepsEscapedText(t *testing.T) {
	d := newDesk(t, []string{"Wire"}, "", `
[[rule]]
name  = "exploits"
query = "exploit"
`)
	// The description's HTML, in CDATA as feeds send it: escaped text,
	// and one real tag.
	const description = `<![CDATA[<p>Bold is written &amp;lt;b&amp;gt; in <b>HTML</b>; see &lt;https://x.example|click&gt;. The exploit uses the &lt;iframe&gt; tag.</p>]]>`
	const want = `Bold is written &lt;b&gt; in HTML; see <https://x.example|click>. The exploit uses the <iframe> tag.`
	d.publish("Wire", deskItem{GUID: "w1", Title: "Browser exploit in the wild", Link: "https://wire.example/1",
		Description: description, Published: time.Now().Add(-time.Minute)})
	if res := d.once(t, 10*time.Second); !res.OK() {
		t.Fatalf("once: %+v\n%s", res, d.logs)
	}
	for _, channel := range []string{"#desk", "#hook"} {
		posts := d.posts(t, channel)
		if len(posts) != 1 {
			t.Fatalf("%s: %d messages, want 1", channel, len(posts))
		}
		if got := shown(t, posts[0]); !strings.Contains(got, "\n"+want+"\n") {
			t.Errorf("%s shows\n%s\nwant the line\n%s", channel, got, want)
		}
		if strings.Contains(posts[0].Blocks, "<iframe") || strings.Contains(posts[0].Blocks, "<https://x.example|click>") {
			t.Errorf("%s: feed text reached Slack unescaped: %s", channel, posts[0].Blocks)
		}
	}
	payloads := d.webhookPayloads()
	if len(payloads) != 1 || len(payloads[0].Alerts) != 1 || payloads[0].Alerts[0].Item.Summary != want {
		t.Errorf("webhook payloads %+v, want the summary %q", payloads, want)
	}
	if !strings.Contains(d.stdout.String(), "\n"+want+"\n") {
		t.Errorf("console printed\n%s\nwant the line\n%s", d.stdout, want)
	}
}

// TestDeskHeadlineOnce sends an item whose description is its title, as
// many feeds write it, and checks that a reader of Slack (bot and
// webhook) and of the console sees the headline once, linked in Slack.
func TestDeskHeadlineOnce(t *testing.T) {
	d := newDesk(t, []string{"Wire"}, "", `
[[rule]]
name  = "accords"
query = "accords"
`)
	const title = "Syria and Israel edge toward the Abraham Accords"
	d.publish("Wire", deskItem{GUID: "w1", Title: title, Link: "https://wire.example/1",
		Description: title, Published: time.Now().Add(-time.Minute)})
	if res := d.once(t, 10*time.Second); !res.OK() {
		t.Fatalf("once: %+v\n%s", res, d.logs)
	}
	for _, channel := range []string{"#desk", "#hook"} {
		posts := d.posts(t, channel)
		if len(posts) != 1 {
			t.Fatalf("%s: %d messages, want 1", channel, len(posts))
		}
		got := shown(t, posts[0])
		if n := strings.Count(got, title); n != 1 {
			t.Errorf("%s shows the headline %d times:\n%s", channel, n, got)
		}
		texts, err := posts[0].Texts()
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) == 0 || !strings.HasPrefix(texts[0], "*<https://wire.example/1|"+title+">*") {
			t.Errorf("%s: the message does not start with the linked headline: %q", channel, texts)
		}
	}
	if n := strings.Count(d.stdout.String(), title); n != 1 {
		t.Errorf("console shows the headline %d times:\n%s", n, d.stdout)
	}
}

// TestDeskOnceCountsFollowUps runs once twice: a story alerted by the
// first run is reported by a second outlet in the next, whose follow-ups
// wait for their batch ([stories] reply_delay, 10 minutes). They are not
// undelivered, and once's summary counts them with when the first goes.
func TestDeskOnceCountsFollowUps(t *testing.T) {
	d := newDesk(t, []string{"Wire", "Post"}, "", `
[[rule]]
name  = "accords"
query = "accords"
`)
	const title = "Syria and Israel edge toward the Abraham Accords"
	const text = "Officials in Damascus and Jerusalem said talks on joining the Abraham Accords resumed in Baku on Tuesday."
	d.publish("Wire", deskItem{GUID: "w1", Title: title, Link: "https://wire.example/1", Description: text, Published: time.Now().Add(-time.Hour)})
	if res := d.once(t, 10*time.Second); !res.OK() || res.FollowUps != 0 {
		t.Fatalf("first once: %+v\n%s", res, d.logs)
	}
	d.publish("Post", deskItem{GUID: "p1", Title: title, Link: "https://post.example/1", Description: text, Published: time.Now().Add(-time.Minute)})
	before := time.Now()
	res := d.once(t, 10*time.Second)
	if !res.OK() || res.Undelivered != 0 {
		t.Errorf("second once: %+v, want nothing undelivered\n%s", res, d.logs)
	}
	if res.FollowUps != 4 {
		t.Errorf("second once: %d queued follow-ups, want one for each of the 4 notifiers", res.FollowUps)
	}
	if due := res.NextFollowUp; due.Before(before.Add(9*time.Minute)) || due.After(time.Now().Add(10*time.Minute)) {
		t.Errorf("next follow-up due %v, want reply_delay (10m) after the poll", due)
	}
	if !strings.Contains(d.logs.String(), "undelivered_alerts=0 queued_follow_ups=4 next_follow_up_at=") {
		t.Errorf("once's summary does not count the follow-ups:\n%s", d.logs)
	}
}

// TestDeskReplyBroadcast: a denial reported by a second outlet joins the
// story a high rule alerted; its reply in the alert's thread is also sent
// to the channel, while a notice rule's reply stays in its thread, and a
// notifier's reply_broadcast = false keeps even a high rule's there.
func TestDeskReplyBroadcast(t *testing.T) {
	for _, tc := range []struct {
		name, severity, notifier string
		want                     string
	}{
		{"high rule", "high", "", "true"},
		{"notice rule", "notice", "", ""},
		{"high rule, notifier says no", "high", "reply_broadcast = false", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDesk(t, []string{"Wire", "Post"}, "[stories]\nreply_delay = \"0\"\n", fmt.Sprintf(`
[[rule]]
name     = "accords"
query    = "accords"
severity = %q
`, tc.severity))
			if tc.notifier != "" {
				cfg, err := os.ReadFile(filepath.Join(d.dir, "config.toml"))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(d.dir, "config.toml"),
					strings.Replace(string(cfg), "channel = \"#desk\"\n", "channel = \"#desk\"\n"+tc.notifier+"\n", 1))
			}
			const text = "Officials in Damascus and Jerusalem said talks on joining the Abraham Accords resumed in Baku on Tuesday."
			d.publish("Wire", deskItem{GUID: "w1", Title: "Syria and Israel edge toward the Abraham Accords", Link: "https://wire.example/1",
				Description: text, Published: time.Now().Add(-time.Hour)})
			if res := d.once(t, 10*time.Second); !res.OK() {
				t.Fatalf("first once: %+v\n%s", res, d.logs)
			}
			d.publish("Post", deskItem{GUID: "p1", Title: "Syria and Israel edge toward the Abraham Accords", Link: "https://post.example/1",
				Description: text, Published: time.Now().Add(-time.Minute)})
			if res := d.once(t, 10*time.Second); !res.OK() {
				t.Fatalf("second once: %+v\n%s", res, d.logs)
			}
			posts := d.posts(t, "#desk")
			if len(posts) != 2 || posts[1].ThreadTS != posts[0].TS {
				t.Fatalf("#desk: %+v, want the alert and a reply in its thread", posts)
			}
			if posts[1].ReplyBroadcast != tc.want {
				t.Errorf("reply_broadcast %q, want %q", posts[1].ReplyBroadcast, tc.want)
			}
		})
	}
}
