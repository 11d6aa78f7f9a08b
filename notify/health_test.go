package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
	"github.com/newswatch/newswatch/notify/slack"
)

// healthAlert is a feed-health alert as package feedhealth writes it.
func healthAlert(feed string, recovery bool) *model.Alert {
	e := notifytest.HealthEntry(feed, recovery)
	return &model.Alert{Rule: notify.HealthRule, Notifier: "slack", Severity: e.Severity, Title: e.Title, Link: e.Link,
		Feed: e.Feed, Summary: e.Summary, Published: e.Published, CreatedAt: e.Seen}
}

func TestHealthAlertsAreHealthMessages(t *testing.T) {
	if m := notify.MessageOf(notify.KindAlert, []*model.Alert{healthAlert("Times of Israel", false)}); m.Kind != notify.KindHealth || m.Entries[0].Severity != "notice" {
		t.Errorf("message of a feed-health alert: kind %q, entry severity %q", m.Kind, m.Entries[0].Severity)
	}
	if m := notify.MessageOf(notify.KindAlert, []*model.Alert{testAlert(1, "syria", "slack", "")}); m.Kind != notify.KindAlert {
		t.Errorf("message of a rule's alert: kind %q", m.Kind)
	}
}

func TestDispatchFoldsFeedHealth(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	settings(t, d, "slack").Limit = notify.Limit{}
	var alerts []*model.Alert
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
