package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
)

// countingOutbox counts the alerts each read of the outbox returns.
type countingOutbox struct {
	notify.Outbox
	mu    sync.Mutex
	reads int // reads of new alerts (DueAlertsAfter)
	rows  map[int64]int
}

func (c *countingOutbox) count(alerts []*model.Alert) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.rows = map[int64]int{}
	}
	for _, a := range alerts {
		c.rows[a.ID]++
	}
}

func (c *countingOutbox) DueAlertsAfter(ctx context.Context, now time.Time, after int64, limit int) ([]*model.Alert, int64, error) {
	as, next, err := c.Outbox.DueAlertsAfter(ctx, now, after, limit)
	c.count(as)
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return as, next, err
}

func (c *countingOutbox) DueAlertsIn(ctx context.Context, now time.Time, ids []int64) ([]*model.Alert, error) {
	as, err := c.Outbox.DueAlertsIn(ctx, now, ids)
	c.count(as)
	return as, err
}

func (c *countingOutbox) DueFollowUps(ctx context.Context, now time.Time, parents []int64) ([]*model.Alert, error) {
	as, err := c.Outbox.DueFollowUps(ctx, now, parents)
	c.count(as)
	return as, err
}

func (c *countingOutbox) readCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// readTwice returns the alerts that reads returned more than once.
func (c *countingOutbox) readTwice() map[int64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int64]int{}
	for id, n := range c.rows {
		if n > 1 {
			out[id] = n
		}
	}
	return out
}

// TestDispatchReadsEachAlertOnce wakes a dispatcher again and again while
// it holds a backlog its destination sends slowly: no read returns an
// alert it already holds, however many polls wake it (it read every held
// alert again on each wake, which made a backlog cost O(polls × backlog)).
func TestDispatchReadsEachAlertOnce(t *testing.T) {
	st, _ := openStore(t)
	c := &countingOutbox{Outbox: st}
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, c, clk, newTestSlack(t, f, slack.BotOptions{}))
	d.FoldThreshold = -1
	settings(t, d, "slack").Limit = notify.Limit{Rate: 1, Burst: 1} // the clock stands still: one message
	var backlog []*model.Alert
	for i := range 40 {
		backlog = append(backlog, testAlert(i, "r", "slack", ""))
	}
	enqueue(t, st, backlog...)
	run(t, d)
	for i := range 10 {
		enqueue(t, st, testAlert(100+i, "r", "slack", ""))
		d.Wake()
		target := c.readCount() + 1
		waitFor(t, "a read after the wake", func() bool { return c.readCount() >= target })
	}
	waitFor(t, "the sweeps of a few ticks", func() bool { return c.readCount() >= 30 })
	if twice := c.readTwice(); len(twice) > 0 {
		t.Errorf("alerts read more than once (id: reads): %v", twice)
	}
	if n := f.RequestCount("#news"); n != 1 {
		t.Errorf("%d messages, want 1 (the burst)", n)
	}
}

// TestDispatchFindsAlertsThatComeDueLater runs a dispatcher and checks that
// the alerts its reads of new alerts pass over are sent once due: one due
// later, a follow-up waiting for its parent, and a dead letter queued again
// by another process (`newswatch alerts retry`).
func TestDispatchFindsAlertsThatComeDueLater(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, out, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	settings(t, d, "slack").StoryUpdates = followup.Thread
	settings(t, d, "slack").Limit = notify.Limit{}
	ctx := context.Background()

	dead := enqueue(t, st, testAlert(1, "r", "slack", "#news"))[0]
	if err := st.MarkDead(ctx, dead, t0, "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	later := testAlert(2, "r", "slack", "#news")
	later.NextAttemptAt = t0.Add(10 * time.Minute)
	enqueue(t, st, later)
	run(t, d)

	// The first alert of a story and a later report, queued at once: the
	// follow-up waits for the first alert's delivery, then replies under it.
	head := storyHead(t, st, "slack", "#news")
	enqueue(t, st, alsoAlert(head, 3, "Reuters", t0))
	d.Wake()
	for range 2 {
		if o := out.next(t); o.Result != notify.ResultDelivered {
			t.Fatalf("outcome %+v, want delivered", o)
		}
	}
	posts := f.Messages()
	if len(posts) != 2 || posts[1].ThreadTS != posts[0].TS {
		t.Fatalf("posts %+v, want the story's alert and a reply under it", posts)
	}

	clk.Advance(10 * time.Minute)
	if o := out.next(t); o.Result != notify.ResultDelivered || o.Rule != "r" {
		t.Fatalf("outcome %+v, want the alert due later delivered", o)
	}
	if n, err := st.Requeue(ctx, dead, clk.Now()); err != nil || n != 1 {
		t.Fatalf("requeue: %d, %v", n, err)
	}
	if o := out.next(t); o.Result != notify.ResultDelivered {
		t.Fatalf("outcome %+v, want the requeued alert delivered", o)
	}
	got := postTitles(f.Messages())
	if strings.Join(got[2:], ",") != "Alert 2,Alert 1" {
		t.Errorf("Slack shows %v, want the alert due later, then the requeued one", got)
	}
	for _, a := range alertsByID(t, st) {
		if a.Status != model.StatusDelivered {
			t.Errorf("alert %d (%s): %s, want delivered", a.ID, a.Title, a.Status)
		}
	}
}
