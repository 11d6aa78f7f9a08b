package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify/slack"
)

// TestRequeuedAlertDoesNotExpireAtOnce: an alert written long ago and
// requeued by `alerts retry` counts max_age from the requeue, so that it is
// delivered instead of dying again at once.
func TestRequeuedAlertDoesNotExpireAtOnce(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0.Add(48 * time.Hour))
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Name: "slack"}))
	ids := enqueue(t, st, testAlert(1, "r", "slack", "#news")) // written at t0, 48h ago
	ctx := context.Background()
	if err := st.MarkDead(ctx, ids[0], t0.Add(25*time.Hour), "expired"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Requeue(ctx, ids[0], clk.Now()); err != nil || n != 1 {
		t.Fatalf("requeue: %d, %v", n, err)
	}
	// A failed attempt moves the due time but not the queue time.
	if err := st.MarkRetry(ctx, ids[0], clk.Now(), "timeout"); err != nil {
		t.Fatal(err)
	}
	undelivered, err := d.Drain(ctx, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if a := alertsByID(t, st)[ids[0]]; undelivered != 0 || a.Status != model.StatusDelivered {
		t.Errorf("requeued alert: %s (%s), %d undelivered; want delivered", a.Status, a.LastError, undelivered)
	}
}
