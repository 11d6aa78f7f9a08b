package notify_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
)

// readCounter counts the outbox's reads of queued alerts by ID.
type readCounter struct {
	notify.Outbox
	reads atomic.Int64
}

func (c *readCounter) AlertsIn(ctx context.Context, ids []int64) ([]*model.Alert, error) {
	c.reads.Add(1)
	return c.Outbox.AlertsIn(ctx, ids)
}

// A queue longer than WholeJobs keeps only the head's alerts whole; the
// others are read again when their turn comes, and every message still
// carries its alerts' text, in order, a folded summary included.
func TestDispatchLongQueueReadsAlertsAgain(t *testing.T) {
	st, _ := openStore(t)
	counter := &readCounter{Outbox: st}
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, counter, clk, newTestSlack(t, f, slack.BotOptions{}))
	settings(t, d, "slack").Limit = notify.Limit{} // no pacing, to keep the test fast

	single := notify.WholeJobs + 20 // each of its own rule: none folds
	var alerts []*model.Alert
	for i := range single {
		alerts = append(alerts, testAlert(i, fmt.Sprintf("rule-%03d", i), "slack", "#news"))
	}
	const burst = 30 // one rule, all beyond the whole head: folded
	for i := range burst {
		alerts = append(alerts, testAlert(1000+i, "burst", "slack", "#news"))
	}
	enqueue(t, st, alerts...)

	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain: %d undelivered, %v", n, err)
	}
	posts := f.Messages()
	if len(posts) != single+1 {
		t.Fatalf("%d messages, want %d alerts and one summary", len(posts), single)
	}
	for i, p := range posts[:single] {
		want := fmt.Sprintf("Alert %d", i)
		if !strings.Contains(p.Text, want) || !strings.Contains(p.Blocks, fmt.Sprintf("https://example.com/news/%d", i)) {
			t.Fatalf("message %d: %q, want the text and link of %q", i, p.Text, want)
		}
	}
	summary := posts[single]
	if !strings.Contains(summary.Text, fmt.Sprintf("%d new matches for burst", burst)) {
		t.Errorf("last message %q, want the summary of %d", summary.Text, burst)
	}
	for _, title := range []string{"Alert 1000", "Alert 1029"} {
		if !strings.Contains(summary.Blocks, title) {
			t.Errorf("summary does not show %q", title)
		}
	}
	// 20 light single alerts and the summary: one read each.
	if got := counter.reads.Load(); got != int64(single-notify.WholeJobs+1) {
		t.Errorf("%d reads of queued alerts by ID, want %d", got, single-notify.WholeJobs+1)
	}
	for id, a := range alertsByID(t, st) {
		if a.Status != model.StatusDelivered {
			t.Errorf("alert %d is %s", id, a.Status)
		}
	}
}
