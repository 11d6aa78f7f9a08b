package notify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/store"
)

// healthAlert is a feed-health alert as package feedhealth writes it.
func healthAlert(feed string, recovery bool) *store.Alert {
	a := &store.Alert{
		Rule: HealthRule, Notifier: "slack", Severity: "notice",
		Title:     fmt.Sprintf("Feed %q is failing", feed),
		Link:      "https://" + strings.ToLower(strings.ReplaceAll(feed, " ", "")) + ".example/feed",
		Feed:      feed,
		Summary:   "No successful fetch for 6h 5m (9 failed attempts in a row). Last error: unexpected <html> & status 502.",
		Published: t0,
		CreatedAt: t0,
	}
	if recovery {
		a.Severity = "info"
		a.Title = fmt.Sprintf("Feed %q has recovered", feed)
		a.Summary = "Fetched successfully at 2026-11-26 08:00 UTC, after failing for 7h."
	}
	return a
}

func TestHealthAlertsAreHealthMessages(t *testing.T) {
	j := &job{kind: KindAlert, rule: HealthRule, alerts: []*store.Alert{healthAlert("Times of Israel", false)}, since: []time.Time{t0}}
	if m := j.message(); m.Kind != KindHealth || m.Entries[0].Severity != "notice" {
		t.Errorf("message of a feed-health alert: kind %q, entry severity %q", m.Kind, m.Entries[0].Severity)
	}
	other := &job{kind: KindAlert, rule: "syria", alerts: []*store.Alert{testAlert(1, "syria", "slack", "")}, since: []time.Time{t0}}
	if m := other.message(); m.Kind != KindAlert {
		t.Errorf("message of a rule's alert: kind %q", m.Kind)
	}
}

func TestRenderHealthAlert(t *testing.T) {
	j := &job{kind: KindAlert, rule: HealthRule, alerts: []*store.Alert{healthAlert("Times of Israel", false)}, since: []time.Time{t0}}
	blocks, fallback := slackStyle{}.render(j.message())
	checkBlockKit(t, blocks)
	texts := blockTexts(t, blocks)
	want := []string{
		`⚠️ Feed "Times of Israel" is failing`,
		"*<https://timesofisrael.example/feed|Times of Israel>* · <!date^" + fmt.Sprint(t0.Unix()) + "^{date_short_pretty} {time}|2026-11-26 08:00 UTC>\n" +
			"No successful fetch for 6h 5m (9 failed attempts in a row). Last error: unexpected &lt;html&gt; &amp; status 502.",
		"newswatch feed health",
	}
	if len(texts) != len(want) {
		t.Fatalf("texts = %q, want %d of them", texts, len(want))
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("text %d:\n got %q\nwant %q", i, texts[i], want[i])
		}
	}
	if fallback != `⚠️ Feed "Times of Israel" is failing` {
		t.Errorf("fallback = %q", fallback)
	}

	r := &job{kind: KindAlert, rule: HealthRule, alerts: []*store.Alert{healthAlert("Kan", true)}, since: []time.Time{t0}}
	if _, fallback := (slackStyle{}).render(r.message()); fallback != `✅ Feed "Kan" has recovered` {
		t.Errorf("recovery fallback = %q", fallback)
	}
}

func TestDispatchFoldsFeedHealth(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := newFakeSlack(t)
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, SlackOptions{}))
	settings(t, d, "slack").Limit = Limit{}
	var alerts []*store.Alert
	for i := range 11 {
		alerts = append(alerts, healthAlert(fmt.Sprintf("Feed %d", i), false))
	}
	alerts = append(alerts, healthAlert("Kan", true))
	for _, a := range alerts {
		a.Channel = "#ops"
	}
	enqueue(t, st, alerts...)
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain: %d undelivered, %v", n, err)
	}
	posts := f.Messages()
	if len(posts) != 1 {
		t.Fatalf("%d messages, want the burst folded into one", len(posts))
	}
	p := posts[0]
	if p.Text != "Feed health: 12 changes" {
		t.Errorf("text %q", p.Text)
	}
	checkBlockKitJSON(t, []byte(p.Blocks))
	blocks := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(p.Blocks)
	for _, want := range []string{"11 problems, 1 recovery", `✅ *<https://kan.example/feed|Feed \"Kan\" has recovered>*`, `⚠️ *<https://feed3.example/feed|Feed \"Feed 3\" is failing>*`} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %s:\n%s", want, blocks)
		}
	}
	if strings.Contains(blocks, "new match") || strings.Contains(blocks, "rule *") {
		t.Errorf("feed-health message rendered as rule matches:\n%s", blocks)
	}
}

func TestConsoleHealth(t *testing.T) {
	var out bytes.Buffer
	c := NewConsole(ConsoleOptions{Out: &out, Location: time.UTC})
	j := &job{kind: KindSummary, rule: HealthRule, since: []time.Time{t0, t0},
		alerts: []*store.Alert{healthAlert("Times of Israel", false), healthAlert("Kan", true)}}
	j.alerts[0].ID, j.alerts[1].ID = 1, 2
	if _, _, err := c.Notify(context.Background(), j.message()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"── feed health · 2 changes ─",
		"PROBLEM Feed \"Times of Israel\" is failing\nhttps://timesofisrael.example/feed · 2026-11-26 08:00 UTC\nNo successful fetch for 6h 5m",
		"RECOVERED Feed \"Kan\" has recovered\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, HealthRule) {
		t.Errorf("console output shows the internal rule name:\n%s", got)
	}
}
