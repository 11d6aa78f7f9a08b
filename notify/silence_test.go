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
	"github.com/newswatch/newswatch/rules"
)

// addSilence records a silence through a Book, as a click in Slack does.
func addSilence(t *testing.T, book *silence.Book, s *store.Silence) *store.Silence {
	t.Helper()
	if err := book.Add(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMutedStoryGetsNothingMoreInItsChannel(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, outs, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	settings(t, d, "slack").StoryUpdates = followup.Thread
	book := &silence.Book{Store: st, Log: d.Log}
	d.Silences = book
	ctx := context.Background()

	head := storyHead(t, st, "slack", "#news")
	if n, err := d.Drain(ctx, clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain: %d undelivered, %v", n, err)
	}
	if outs.next(t).Result != notify.ResultDelivered {
		t.Fatal("the first alert was not delivered")
	}
	head = alertsByID(t, st)[head.ID]
	mute := addSilence(t, book, &store.Silence{Kind: store.SilenceMute, Notifier: "slack", Channel: "#news",
		ChannelID: head.RemoteChannel, StoryID: head.StoryID, Rule: head.Rule, AlertID: head.ID,
		CreatedBy: "@alice", CreatorID: "UALICE", CreatedAt: clk.Now()})

	// Later: two reports of the story, an alert of another rule for the
	// same story in the same channel, and what the mute must not touch:
	// the story in another channel, another story here.
	due := t0.Add(10 * time.Minute)
	otherRule := testAlert(5, "abraham-accords", "slack", "#news")
	otherRule.StoryID = head.StoryID
	byID := "CNEWS" // the same channel named by its ID
	sameByID := testAlert(6, "gulf", "slack", byID)
	sameByID.StoryID = head.StoryID
	elsewhere := testAlert(7, "normalization", "slack", "#other")
	elsewhere.StoryID = head.StoryID
	another := testAlert(8, head.Rule, "slack", "#news")
	enqueue(t, st, alsoAlert(head, 2, "Reuters", due), alsoAlert(head, 3, "Al-Monitor", due),
		otherRule, sameByID, elsewhere, another)
	clk.Set(due)
	if n, err := d.Drain(ctx, clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain after the mute: %d undelivered, %v", n, err)
	}

	var texts []string
	for _, p := range f.Messages()[1:] {
		texts = append(texts, p.ChannelID+": "+p.Text)
		if p.ThreadTS != "" {
			t.Errorf("a follow-up of the muted story went out: %+v", p)
		}
	}
	if len(texts) != 2 || !strings.Contains(strings.Join(texts, "\n"), "CNEWS: Alert 8") ||
		!strings.Contains(strings.Join(texts, "\n"), "COTHER: Alert 7") {
		t.Errorf("posts after the mute:\n%s\nwant only alert 8 (another story) and alert 7 (another channel)", strings.Join(texts, "\n"))
	}
	for _, a := range alertsByID(t, st) {
		settled := a.SilenceID == mute.ID
		wantSettled := a.StoryID == head.StoryID && a.ID != head.ID && a.Channel != "#other"
		if settled != wantSettled || a.Status != model.StatusDelivered {
			t.Errorf("alert %d (%s, %s, story %d): %s, silence %d; settled by the mute: %v", a.ID, a.Kind, a.Channel,
				a.StoryID, a.Status, a.SilenceID, wantSettled)
		}
		if settled && a.RemoteID != "" {
			t.Errorf("muted alert %d has a message: %q", a.ID, a.RemoteID)
		}
	}
	muted := 0
	for len(outs.ch) > 0 {
		if o := <-outs.ch; o.Result == notify.ResultMuted {
			muted += o.Alerts
		}
	}
	if muted != 4 {
		t.Errorf("%d alerts reported muted, want 4", muted)
	}
}

func TestSnoozedRuleAlertsAgainAfterItsTime(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	book := &silence.Book{Store: st, Log: d.Log}
	d.Silences = book
	// The rule's digest comes due during the snooze, at 08:30.
	d.Rules = func() []*rules.Rule {
		return []*rules.Rule{{Name: "syria-israel", Digest: "30 8 * * *", Enabled: true}}
	}
	ctx := context.Background()

	until := t0.Add(time.Hour)
	addSilence(t, book, &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news",
		ChannelID: "CNEWS", Rule: "syria-israel", CreatedBy: "@bob", CreatorID: "UBOB",
		CreatedAt: t0, Until: until})
	digest := testAlert(3, "syria-israel", "slack", "#news")
	digest.Digest = true // waits for the rule's digest: the snooze holds it too
	enqueue(t, st,
		testAlert(1, "syria-israel", "slack", "#news"),
		testAlert(2, "syria-israel", "slack", "#news"),
		digest,
		testAlert(4, "abraham-accords", "slack", "#news"), // another rule
		testAlert(5, "syria-israel", "slack", "#other"),   // another channel
	)
	if n, err := d.Drain(ctx, clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain while snoozed: %d undelivered, %v; want none late (held alerts are not late)", n, err)
	}
	posts := f.Messages()
	got := map[string]string{}
	for _, p := range posts {
		got[p.Channel] = p.Text
	}
	if len(posts) != 2 || got["#news"] != "Alert 4 — Times of Israel [abraham-accords]" ||
		got["#other"] != "Alert 5 — Times of Israel [syria-israel]" {
		t.Fatalf("posts while snoozed: %v", got)
	}
	held := func(digest *model.Alert) {
		t.Helper()
		for _, a := range alertsByID(t, st) {
			if a.ID == digest.ID {
				continue // still waiting for its digest
			}
			want := a.Rule == "syria-israel" && a.Channel == "#news"
			if want != (a.Status == model.StatusQueued) || (want && (!a.NextAttemptAt.Equal(until) || a.Digest)) {
				t.Errorf("alert %d (%s %s): %s, due %v, digest %v; held %v", a.ID, a.Rule, a.Channel, a.Status,
					a.NextAttemptAt, a.Digest, want)
			}
		}
	}
	held(digest) // waits for its digest

	// A minute before its end the digest is due, and held too; after the
	// end, one summary.
	clk.Set(until.Add(-time.Minute))
	if _, err := d.Drain(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Messages()); n != 2 {
		t.Fatalf("%d posts before the snooze ends", n)
	}
	held(&model.Alert{})
	clk.Set(until.Add(time.Second))
	if n, err := d.Drain(ctx, clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain after the snooze: %d undelivered, %v", n, err)
	}
	posts = f.Messages()
	if len(posts) != 3 {
		t.Fatalf("%d posts, want one summary more", len(posts))
	}
	summary := posts[2]
	if summary.Channel != "#news" || !strings.Contains(summary.Text, "3 matches for syria-israel while it was snoozed") {
		t.Errorf("summary: %q", summary.Text)
	}
	for _, want := range []string{"held while <@UBOB> snoozed the rule here", "Alert 1", "Alert 2", "Alert 3"} {
		if !strings.Contains(unescapeJSON(summary.Blocks), want) {
			t.Errorf("summary lacks %q: %s", want, summary.Blocks)
		}
	}
	checkBlockKitJSON(t, []byte(summary.Blocks))
	for _, a := range alertsByID(t, st) {
		if a.Status != model.StatusDelivered {
			t.Errorf("alert %d: %s", a.ID, a.Status)
		}
	}

	// The rule alerts again as usual.
	enqueue(t, st, testAlert(6, "syria-israel", "slack", "#news"))
	if _, err := d.Drain(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if posts = f.Messages(); len(posts) != 4 || posts[3].Text != "Alert 6 — Times of Israel [syria-israel]" {
		t.Errorf("after the snooze: %+v", posts[len(posts)-1])
	}
}

func TestRemovedSnoozeReleasesWhatItHeld(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	book := &silence.Book{Store: st, Log: d.Log}
	d.Silences = book
	ctx := context.Background()
	s := addSilence(t, book, &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news",
		Rule: "syria-israel", CreatedBy: "@bob", CreatedAt: t0, Until: t0.Add(7 * 24 * time.Hour)})
	enqueue(t, st, testAlert(1, "syria-israel", "slack", "#news"))
	if _, err := d.Drain(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Messages()); n != 0 {
		t.Fatalf("%d posts while snoozed", n)
	}
	clk.Advance(time.Hour)
	if _, released, err := book.Remove(ctx, s.ID, "admin", clk.Now()); err != nil || released != 1 {
		t.Fatalf("Remove: released %d, %v", released, err)
	}
	if _, err := d.Drain(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	posts := f.Messages()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "1 match for syria-israel while it was snoozed") {
		t.Fatalf("posts after the undo: %+v", posts)
	}
}

// unescapeJSON undoes the HTML escapes encoding/json puts in blocks.
func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}
