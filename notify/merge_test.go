package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/silence"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
)

// An article that matches several rules is one message per destination,
// and a later report of its story one reply under it: these tests drive
// the Dispatcher through the real slack-go client against the fake Slack.

// match is a rule that matched an article, and where it sends.
type match struct {
	rule, severity, channel string
	hit                     string
}

// article records an item of feed "Wire" (of a new story when story is 0)
// and queues an alert of each match for notifier "slack"; it returns the
// alerts.
func article(t *testing.T, st *store.Store, story int64, title string, matches ...match) []*model.Alert {
	t.Helper()
	it := addItem(t, st, story, title)
	var alerts []*model.Alert
	for _, m := range matches {
		alerts = append(alerts, &model.Alert{Rule: m.rule, Notifier: "slack", Channel: m.channel, Severity: m.severity,
			ItemID: it.ID, StoryID: it.StoryID, Title: title, Link: it.Link, Feed: "Wire",
			Summary: "Officials said talks resumed on Tuesday.", Published: t0.Add(-time.Minute),
			Hits: []model.Hit{{Field: "title", Text: m.hit}}, CreatedAt: t0})
	}
	enqueue(t, st, alerts...)
	return alerts
}

// addItem records an item of feed "Wire" in story, or in a new story when
// story is 0.
func addItem(t *testing.T, st *store.Store, story int64, title string) *model.Item {
	t.Helper()
	ctx := context.Background()
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: "Wire", URL: "https://wire.example/feed", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	feeds, err := st.Feeds(ctx)
	if err != nil || len(feeds) != 1 {
		t.Fatalf("feeds %v, %v", feeds, err)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if story == 0 {
		s := &store.Story{Title: title, CreatedAt: t0}
		if err := tx.NewStory(s); err != nil {
			t.Fatal(err)
		}
		story = s.ID
	}
	link := "https://wire.example/" + strings.ReplaceAll(strings.ToLower(title), " ", "-")
	it := &model.Item{FeedID: feeds[0].ID, Identity: "guid:" + title, Title: title, Link: link, StoryID: story, SeenAt: t0}
	if err := tx.AddItem(it); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return it
}

// mergeDispatcher is a Dispatcher with a Slack bot "slack" of f's that
// mentions @here on high messages and threads follow-ups.
func mergeDispatcher(t *testing.T, st *store.Store, clk *fakeClock, f *slacktest.Server) *notify.Dispatcher {
	t.Helper()
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack", Mention: "<!here>"}))
	settings(t, d, "slack").StoryUpdates = followup.Thread
	return d
}

func drainAll(t *testing.T, d *notify.Dispatcher, clk *fakeClock) {
	t.Helper()
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain: %d undelivered, %v", n, err)
	}
}

func TestArticleOfSeveralRulesIsOneMessage(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d := mergeDispatcher(t, st, clk, f)

	const title = "Syria and Israel edge toward the Abraham Accords"
	first := article(t, st, 0, title,
		match{"normalization", "notice", "", "normalization"},
		match{"accords", "high", "#news", "Abraham Accords"},
		match{"syria-watch", "info", "#desk", "Syria"})
	drainAll(t, d, clk)

	news, desk := postsIn(f, "CNEWS"), postsIn(f, "CDESK")
	if len(news) != 1 || len(desk) != 1 {
		t.Fatalf("#news %d messages, #desk %d; want one each:\n%+v", len(news), len(desk), f.Messages())
	}
	got := shownText(t, news[0])
	for _, want := range []string{
		"rules *accords* (high), *normalization* (notice) · severity *high*",
		`"Abraham Accords" (title), normalization (title)`,
	} {
		if !strings.Contains(blockText(t, news[0]), want) {
			t.Errorf("#news message lacks %q:\n%s", want, blockText(t, news[0]))
		}
	}
	if !strings.HasPrefix(news[0].Text, "<!here> 🔴 ") || !strings.HasSuffix(news[0].Text, "[accords, normalization]") {
		t.Errorf("#news text %q: want the mention of a high rule, and both rules", news[0].Text)
	}
	if n := strings.Count(got, title); n != 1 {
		t.Errorf("#news shows the headline %d times:\n%s", n, got)
	}
	checkBlockKitJSON(t, []byte(news[0].Blocks))
	if text := blockText(t, desk[0]); strings.Contains(text, "*accords*") || !strings.Contains(text, "rule *syria-watch* · severity *info*") ||
		strings.Contains(desk[0].Text, "<!here>") {
		t.Errorf("#desk message is not syria-watch's alone: %s %s", desk[0].Text, desk[0].Blocks)
	}

	all := alertsByID(t, st)
	for _, a := range first {
		got := all[a.ID]
		want := news[0].TS
		if a.Channel == "#desk" {
			want = desk[0].TS
		}
		if got.Status != model.StatusDelivered || got.RemoteID != want {
			t.Errorf("alert %d (%s): %s as %q, want delivered as %q", a.ID, a.Rule, got.Status, got.RemoteID, want)
		}
	}

	// Another outlet reports the story: one reply under the message, for
	// both its rules, and one under #desk's.
	due := t0.Add(10 * time.Minute)
	report := addItem(t, st, first[0].StoryID, "Reuters on the Baku talks")
	var later []*model.Alert
	for _, a := range first {
		later = append(later, &model.Alert{Kind: model.KindAlso, ParentID: a.ID, Rule: a.Rule, Notifier: "slack",
			Channel: a.Channel, Severity: a.Severity, ItemID: report.ID, StoryID: a.StoryID, Title: report.Title,
			Link: report.Link, Feed: "Reuters", Hits: a.Hits, CreatedAt: t0.Add(time.Minute), NextAttemptAt: due})
	}
	enqueue(t, st, later...)
	clk.Set(due)
	drainAll(t, d, clk)

	news, desk = postsIn(f, "CNEWS"), postsIn(f, "CDESK")
	if len(news) != 2 || len(desk) != 2 {
		t.Fatalf("#news %d messages, #desk %d; want the alert and one reply each", len(news), len(desk))
	}
	reply := news[1]
	if reply.ThreadTS != news[0].TS || strings.Count(reply.Blocks, "Reuters on the Baku talks") != 1 ||
		reply.Text != "Also reported by: Reuters" {
		t.Errorf("#news reply %q in thread %q: %s", reply.Text, reply.ThreadTS, reply.Blocks)
	}
	if reply.ReplyBroadcast != "true" {
		t.Errorf("the reply for a high rule is not sent to the channel too: %q", reply.ReplyBroadcast)
	}
	if desk[1].ThreadTS != desk[0].TS {
		t.Errorf("#desk reply in thread %q, want %q", desk[1].ThreadTS, desk[0].TS)
	}
	all = alertsByID(t, st)
	for _, r := range later {
		want := reply.TS
		if r.Channel == "#desk" {
			want = desk[1].TS
		}
		if got := all[r.ID]; got.Status != model.StatusDelivered || got.RemoteID != want {
			t.Errorf("follow-up %d (%s): %s as %q, want delivered as %q", r.ID, r.Rule, got.Status, got.RemoteID, want)
		}
	}
}

// TestSilencedRuleLeavesTheArticle: a rule snoozed in the channel is not
// sent there even when its alert would share a message with another
// rule's: the message names the other rule alone, the snoozed alert is
// held.
func TestSilencedRuleLeavesTheArticle(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d := mergeDispatcher(t, st, clk, f)
	book := &silence.Book{Store: st, Log: d.Log}
	d.Silences = book
	snooze := addSilence(t, book, &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news",
		Rule: "accords", CreatedBy: "@alice", CreatedAt: t0, Until: t0.Add(time.Hour)})

	alerts := article(t, st, 0, "Syria and Israel edge toward the Abraham Accords",
		match{"normalization", "notice", "", "normalization"},
		match{"accords", "high", "", "Abraham Accords"})
	drainAll(t, d, clk)

	news := postsIn(f, "CNEWS")
	if len(news) != 1 {
		t.Fatalf("%d messages, want one", len(news))
	}
	if text := blockText(t, news[0]); strings.Contains(text, "*accords*") || strings.Contains(news[0].Text, "<!here>") ||
		!strings.Contains(text, "rule *normalization* · severity *notice*") {
		t.Errorf("the message speaks for the snoozed rule: %s %s", news[0].Text, news[0].Blocks)
	}
	all := alertsByID(t, st)
	if a := all[alerts[0].ID]; a.Status != model.StatusDelivered || a.RemoteID != news[0].TS {
		t.Errorf("normalization's alert: %s as %q", a.Status, a.RemoteID)
	}
	if a := all[alerts[1].ID]; a.Status != model.StatusQueued || a.SilenceID != snooze.ID {
		t.Errorf("accords' alert: %s, silence %d; want held by the snooze %d", a.Status, a.SilenceID, snooze.ID)
	}
}

// postsIn returns the messages f shows in the channel of ID id.
func postsIn(f *slacktest.Server, id string) []slacktest.Message {
	var out []slacktest.Message
	for _, m := range f.Messages() {
		if m.ChannelID == id {
			out = append(out, m)
		}
	}
	return out
}

// blockText returns the texts of m's blocks, one a line.
func blockText(t *testing.T, m slacktest.Message) string {
	t.Helper()
	texts, err := m.Texts()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(texts, "\n")
}

func shownText(t *testing.T, m slacktest.Message) string {
	t.Helper()
	s, err := m.Shown()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestArticleOfSeveralRulesAfterARestart: a message of two rules that
// failed is retried as one message by the next process, and both alerts
// are recorded with it.
func TestArticleOfSeveralRulesAfterARestart(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	f.Script("#news", slacktest.Reply{Status: 503})
	alerts := article(t, st, 0, "Syria and Israel edge toward the Abraham Accords",
		match{"normalization", "notice", "", "normalization"},
		match{"accords", "high", "", "Abraham Accords"})
	if n, err := mergeDispatcher(t, st, clk, f).Drain(context.Background(), clk.Now()); err != nil || n != 2 {
		t.Fatalf("Drain: %d undelivered, %v; want both waiting for their retry", n, err)
	}
	for _, a := range alertsByID(t, st) {
		if a.Status != model.StatusQueued || a.Attempts != 1 {
			t.Errorf("alert %d (%s): %s after %d attempts, want queued after one", a.ID, a.Rule, a.Status, a.Attempts)
		}
	}

	clk.Advance(time.Hour)
	drainAll(t, mergeDispatcher(t, st, clk, f), clk)
	news := postsIn(f, "CNEWS")
	if len(news) != 1 || f.RequestCount("#news") != 2 {
		t.Fatalf("%d messages shown of %d requests, want one shown of two", len(news), f.RequestCount("#news"))
	}
	if text := blockText(t, news[0]); !strings.Contains(text, "rules *accords* (high), *normalization* (notice)") {
		t.Errorf("the retried message does not name both rules:\n%s", text)
	}
	all := alertsByID(t, st)
	for _, a := range alerts {
		if got := all[a.ID]; got.Status != model.StatusDelivered || got.RemoteID != news[0].TS {
			t.Errorf("alert %d (%s): %s as %q, want delivered as %q", a.ID, a.Rule, got.Status, got.RemoteID, news[0].TS)
		}
	}
}
