package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
	"github.com/newswatch/newswatch/notify/webhook"
)

// storyHead enqueues the first alert of a story (story 1 needs an item of
// it; the store's enqueue helper gives each alert its own item).
func storyHead(t *testing.T, st *store.Store, notifier, channel string) *model.Alert {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	s := &store.Story{Title: "Israel and Syria hold talks in Baku", CreatedAt: t0}
	if err := tx.NewStory(s); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	a := testAlert(1, "syria-israel", notifier, channel)
	a.Title, a.StoryID = "Israel and Syria hold talks in Baku", s.ID
	enqueue(t, st, a)
	return a
}

// alsoAlert is a later report of head's story, from outlet, due at due.
func alsoAlert(head *model.Alert, n int, outlet string, due time.Time) *model.Alert {
	a := testAlert(n, head.Rule, head.Notifier, head.Channel)
	a.Kind, a.ParentID, a.StoryID = model.KindAlso, head.ID, head.StoryID
	a.Feed, a.NextAttemptAt = outlet, due
	a.Title = outlet + " on the Baku talks"
	return a
}

func TestFollowUpsAreBatchedThreadReplies(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	settings(t, d, "slack").StoryUpdates = followup.Thread
	ctx := context.Background()

	head := storyHead(t, st, "slack", "#news")
	due := t0.Add(10 * time.Minute)
	enqueue(t, st, alsoAlert(head, 2, "Reuters", due), alsoAlert(head, 3, "Al-Monitor", due), alsoAlert(head, 4, "Arab News", due))

	// Before the batch is due only the first alert goes out; the
	// follow-ups are not late.
	if n, err := d.Drain(ctx, clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain before the batch is due: %d undelivered, %v; want none late", n, err)
	}
	posts := f.Messages()
	if len(posts) != 1 || posts[0].ThreadTS != "" {
		t.Fatalf("posts %+v, want the first alert alone", posts)
	}
	clk.Set(due)
	if n, err := d.Drain(ctx, clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain at the batch's time: %d undelivered, %v", n, err)
	}
	posts = f.Messages()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want the alert and one reply", len(posts))
	}
	reply := posts[1]
	if reply.ThreadTS != posts[0].TS || reply.Channel != "CNEWS" {
		t.Errorf("reply thread_ts %q channel %q; want %q in CNEWS", reply.ThreadTS, reply.Channel, posts[0].TS)
	}
	for _, outlet := range []string{"Reuters", "Al-Monitor", "Arab News"} {
		if !strings.Contains(reply.Text, outlet) || !strings.Contains(reply.Blocks, outlet+" on the Baku talks") {
			t.Errorf("reply does not name %s: %q", outlet, reply.Text)
		}
	}
	if !strings.HasPrefix(reply.Text, "Also reported by: ") {
		t.Errorf("reply text %q", reply.Text)
	}
	checkBlockKitJSON(t, []byte(reply.Blocks))
	for _, a := range alertsByID(t, st) {
		if a.Status != model.StatusDelivered {
			t.Errorf("alert %d (%s) is %s", a.ID, a.Kind, a.Status)
		}
		if a.Kind == model.KindAlso && a.RemoteID != reply.TS {
			t.Errorf("follow-up %d recorded as %q, want the reply %q", a.ID, a.RemoteID, reply.TS)
		}
	}
}

func TestFollowUpOfDeadAlertDies(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	settings(t, d, "slack").StoryUpdates = followup.Thread
	head := storyHead(t, st, "slack", "#missing-channel")
	enqueue(t, st, alsoAlert(head, 2, "Reuters", t0))
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 2 {
		t.Fatalf("Drain: %d undelivered, %v; want both dead", n, err)
	}
	for _, a := range alertsByID(t, st) {
		if a.Status != model.StatusDead {
			t.Errorf("alert %d (%s): %s, want dead", a.ID, a.Kind, a.Status)
		}
		if a.Kind == model.KindAlso && !strings.Contains(a.LastError, "dead letter") {
			t.Errorf("follow-up's reason %q", a.LastError)
		}
	}
	if n := f.RequestCount("#missing-channel"); n != 1 {
		t.Errorf("%d requests, want only the first alert's", n)
	}
}

// webhookSink records the payloads a webhook receives.
type webhookSink struct {
	mu       sync.Mutex
	payloads []webhook.Payload
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.payloads = append(w.payloads, p)
	w.mu.Unlock()
}

func TestFollowUpsWithoutThreads(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	sink := &webhookSink{}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	hook, err := webhook.New(webhook.Options{Name: "ops", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	d, _, logs := newTestDispatcher(t, st, clk, hook)
	settings(t, d, "ops").Limit = notify.Limit{} // no pacing: the fake clock stands still
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	first := storyHead(t, st, "ops", "")
	second := storyHead(t, st, "ops", "")
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain of the first alerts: %d undelivered, %v", n, err)
	}
	enqueue(t, st, alsoAlert(first, 3, "Reuters", t0), alsoAlert(second, 4, "Arab News", t0))
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		for _, a := range alertsByID(t, st) {
			t.Logf("alert %d %s parent %d: %s %s", a.ID, a.Kind, a.ParentID, a.Status, a.LastError)
		}
		t.Fatalf("Drain: %d undelivered, %v", n, err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	var also []webhook.Payload
	for _, p := range sink.payloads {
		if p.Kind == notify.KindAlso {
			also = append(also, p)
		}
	}
	if len(sink.payloads) != 3 || len(also) != 1 {
		t.Fatalf("payloads %+v; want two alerts and one follow-up message", sink.payloads)
	}
	if got := also[0].Alerts; len(got) != 2 || got[0].FollowsUp != first.Title || got[0].Story == "" || got[0].Story == got[1].Story {
		t.Errorf("follow-up payload alerts %+v", got)
	}
}

func TestDigestGroupsByStory(t *testing.T) {
	var alerts []*model.Alert
	for i, story := range []int64{5, 6, 5} {
		a := testAlert(i+1, "r", "console", "")
		a.ID, a.StoryID = int64(i+1), story
		alerts = append(alerts, a)
	}
	groups := notify.GroupByStory(notify.MessageOf(notify.KindDigest, alerts).Entries)
	if len(groups) != 2 || len(groups[0])+len(groups[1]) != 3 {
		t.Errorf("digest of two stories in %d groups: %+v", len(groups), groups)
	}
}
