package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/store"
)

// storyHead enqueues the first alert of a story (story 1 needs an item of
// it; the store's enqueue helper gives each alert its own item).
func storyHead(t *testing.T, st *store.Store, notifier, channel string) *store.Alert {
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
func alsoAlert(head *store.Alert, n int, outlet string, due time.Time) *store.Alert {
	a := testAlert(n, head.Rule, head.Notifier, head.Channel)
	a.Kind, a.ParentID, a.StoryID = store.KindAlso, head.ID, head.StoryID
	a.Feed, a.NextAttemptAt = outlet, due
	a.Title = outlet + " on the Baku talks"
	return a
}

func TestFollowUpsAreBatchedThreadReplies(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := newFakeSlack(t)
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, SlackOptions{Name: "slack"}))
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
		if a.Status != store.StatusDelivered {
			t.Errorf("alert %d (%s) is %s", a.ID, a.Kind, a.Status)
		}
		if a.Kind == store.KindAlso && a.RemoteID != reply.TS {
			t.Errorf("follow-up %d recorded as %q, want the reply %q", a.ID, a.RemoteID, reply.TS)
		}
	}
}

func TestFollowUpOfDeadAlertDies(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := newFakeSlack(t)
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, SlackOptions{Name: "slack"}))
	settings(t, d, "slack").StoryUpdates = followup.Thread
	head := storyHead(t, st, "slack", "#missing-channel")
	enqueue(t, st, alsoAlert(head, 2, "Reuters", t0))
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 2 {
		t.Fatalf("Drain: %d undelivered, %v; want both dead", n, err)
	}
	for _, a := range alertsByID(t, st) {
		if a.Status != store.StatusDead {
			t.Errorf("alert %d (%s): %s, want dead", a.ID, a.Kind, a.Status)
		}
		if a.Kind == store.KindAlso && !strings.Contains(a.LastError, "dead letter") {
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
	payloads []WebhookPayload
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p WebhookPayload
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
	hook, err := NewWebhook(WebhookOptions{Name: "ops", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	d, _, logs := newTestDispatcher(t, st, clk, hook)
	settings(t, d, "ops").Limit = Limit{} // no pacing: the fake clock stands still
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
	var also []WebhookPayload
	for _, p := range sink.payloads {
		if p.Kind == KindAlso {
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

func TestFollowUpRendering(t *testing.T) {
	st := slackStyle{}
	entries := []Entry{
		{AlertID: 2, Title: "Talks resume", Link: "https://reuters.example/1", Feed: "Reuters", Story: "7", Parent: "Baku talks", Seen: t0},
		{AlertID: 3, Title: "Baku round two", Link: "https://al-monitor.example/2", Feed: "Al-Monitor", Story: "7", Parent: "Baku talks", Seen: t0},
	}
	thread := &Message{Kind: KindAlso, Rule: "r", ThreadTS: "1.1", Entries: entries}
	blocks, text := st.render(thread)
	checkBlockKit(t, blocks)
	if text != "Also reported by: Reuters, Al-Monitor" {
		t.Errorf("thread reply text %q", text)
	}
	out := &Message{Kind: KindAlso, Rule: "r", Entries: entries}
	blocks, text = st.render(out)
	checkBlockKit(t, blocks)
	raw, _ := json.Marshal(blocks)
	if text != "More reports of 1 story already alerted" || !strings.Contains(string(raw), "Baku talks") ||
		!strings.Contains(string(raw), "https://al-monitor.example/2|Al-Monitor") {
		t.Errorf("follow-up message %q: %s", text, raw)
	}
	upd := &Message{Kind: KindUpdate, Rule: "r", Entries: []Entry{{Title: "Talks end", Link: "https://x.example/1", Parent: "Talks resume"}}}
	blocks, text = st.render(upd)
	checkBlockKit(t, blocks)
	raw, _ = json.Marshal(blocks)
	if text != "Updated: Talks end" || !strings.Contains(string(raw), "was:") {
		t.Errorf("update %q: %s", text, raw)
	}
	var b strings.Builder
	c := NewConsole(ConsoleOptions{Out: &b, Location: time.UTC})
	if _, _, err := c.Notify(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "also reported") || !strings.Contains(b.String(), "also: Al-Monitor https://al-monitor.example/2") {
		t.Errorf("console:\n%s", b.String())
	}
}

func TestDigestGroupsByStory(t *testing.T) {
	j := &job{kind: KindDigest, rule: "r"}
	for i, story := range []int64{5, 6, 5} {
		a := testAlert(i+1, "r", "console", "")
		a.ID, a.StoryID = int64(i+1), story
		j.alerts = append(j.alerts, a)
		j.since = append(j.since, t0)
	}
	groups := groupEntries(j.message().Entries)
	if len(groups) != 2 || len(groups[0])+len(groups[1]) != 3 {
		t.Errorf("digest of two stories in %d groups: %+v", len(groups), groups)
	}
}

// TestFollowUpLineCapsOutlets: a story reported again by more outlets than
// one line holds lists as many as fit within maxLineChars, then counts the
// rest.
func TestFollowUpLineCapsOutlets(t *testing.T) {
	var entries []Entry
	for i := range 200 {
		entries = append(entries, Entry{
			AlertID: int64(i + 1), Title: "Talks resume", Story: "7", Parent: "Baku talks", Seen: t0,
			Link: fmt.Sprintf("https://outlet-%d.example/2026/11/27/baku-talks-resume-after-a-long-pause", i),
			Feed: fmt.Sprintf("Outlet number %d", i),
		})
	}
	lines := slackStyle{}.followUpLines(entries)
	if len(lines) != 1 {
		t.Fatalf("got %d lines for one story, want 1", len(lines))
	}
	line := lines[0]
	if n := utf8.RuneCountInString(line); n > maxLineChars {
		t.Errorf("line of %d characters, more than %d", n, maxLineChars)
	}
	listed := strings.Count(line, "|Outlet number ")
	if listed == 0 || listed == len(entries) {
		t.Fatalf("%d of %d outlets listed, want some but not all", listed, len(entries))
	}
	if want := fmt.Sprintf(" and %d more", len(entries)-listed); !strings.HasSuffix(line, want) {
		t.Errorf("line ends %q, want %q", line[len(line)-40:], want)
	}
}
