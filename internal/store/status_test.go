package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// statusFixture records, in one transaction, items of feed name seen at the
// given times, and one alert per (rule, notifier) pair for each item.
func statusFixture(t *testing.T, s *Store, name string, seen []time.Time, rule string, notifiers ...string) {
	t.Helper()
	f := feedNamed(t, s, name)
	tx := begin(t, s)
	for i, at := range seen {
		it := &model.Item{FeedID: f.ID, Identity: name + at.String() + string(rune('a'+i)), SeenAt: at}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
		for _, n := range notifiers {
			if err := tx.Enqueue(&model.Alert{ItemID: it.ID, Rule: rule, Notifier: n, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestPing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		if err := s.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Ping(ctx); err == nil {
			t.Error("Ping with a cancelled context succeeded")
		}
	})
}

func TestFeedActivity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "busy", "quiet", "gone")
		now := testTime.Truncate(time.Millisecond)
		statusFixture(t, s, "busy", []time.Time{now.Add(-48 * time.Hour), now.Add(-2 * time.Hour), now.Add(-time.Hour)}, "r")
		statusFixture(t, s, "gone", []time.Time{now}, "r")
		syncFeeds(t, s, "busy", "quiet") // "gone" is no longer configured

		got, err := s.FeedActivity(ctx, now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		busy, quiet := feedNamed(t, s, "busy"), feedNamed(t, s, "quiet")
		want := map[int64]FeedActivity{
			busy.ID:  {LastItemAt: now.Add(-time.Hour), ItemsSince: 2},
			quiet.ID: {},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FeedActivity = %+v, want %+v", got, want)
		}

		names, err := s.FeedNames(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 3 || names[busy.ID] != "busy" {
			t.Errorf("FeedNames = %v, want all three feeds, unconfigured ones included", names)
		}
	})
}

func TestRuleActivity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		now := testTime.Truncate(time.Millisecond)
		day := 24 * time.Hour
		// Two notifiers per item: each item counts once.
		statusFixture(t, s, "a", []time.Time{now.Add(-time.Minute), now.Add(-23 * time.Hour), now.Add(-day - time.Hour), now.Add(-6*day - time.Hour)}, "syria", "slack", "console")
		// Outside the window on both sides.
		statusFixture(t, s, "a", []time.Time{now.Add(-7*day - time.Hour), now.Add(time.Hour)}, "syria", "slack")
		statusFixture(t, s, "a", []time.Time{now.Add(-2 * day)}, "lebanon", "slack")

		got, err := s.RuleActivity(context.Background(), now, 7)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]RuleActivity{
			"syria":   {Days: []int{2, 1, 0, 0, 0, 0, 1}, LastAt: now.Add(-time.Minute)},
			"lebanon": {Days: []int{0, 0, 1, 0, 0, 0, 0}, LastAt: now.Add(-2 * day)},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("RuleActivity =\n%+v, want\n%+v", got, want)
		}
		if n := got["syria"].Total(1); n != 2 {
			t.Errorf("last 24h total = %d, want 2", n)
		}
		if n := got["syria"].Total(7); n != 4 {
			t.Errorf("7-day total = %d, want 4", n)
		}
		if empty, err := s.RuleActivity(context.Background(), now, 0); err != nil || len(empty) != 0 {
			t.Errorf("0 days: %v, %v", empty, err)
		}
	})
}

func TestOutboxAndAlertsWritten(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		now := testTime.Truncate(time.Millisecond)

		start, err := s.LastAlertID(ctx)
		if err != nil || start != 0 {
			t.Fatalf("LastAlertID of an empty outbox = %d, %v", start, err)
		}
		statusFixture(t, s, "a", []time.Time{now.Add(-time.Hour), now.Add(-time.Minute)}, "r", "slack", "console")
		counts, last, err := s.AlertsWrittenAfter(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"slack": 2, "console": 2}; !reflect.DeepEqual(counts, want) || last != 4 {
			t.Errorf("AlertsWrittenAfter(0) = %v, %d; want %v, 4", counts, last, want)
		}
		if counts, again, err := s.AlertsWrittenAfter(ctx, last); err != nil || len(counts) != 0 || again != last {
			t.Errorf("nothing new: %v, %d, %v", counts, again, err)
		}
		if id, err := s.LastAlertID(ctx); err != nil || id != last {
			t.Errorf("LastAlertID = %d, %v; want %d", id, err, last)
		}

		// Of slack's: the oldest is delivered, the other queued; console's
		// oldest is dead, the newest requeued after being dead.
		all, err := s.Alerts(ctx, AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]*model.Alert{}
		for _, a := range all {
			key := a.Notifier + "-old"
			if a.CreatedAt.Equal(now.Add(-time.Minute)) {
				key = a.Notifier + "-new"
			}
			byKey[key] = a
		}
		if err := s.MarkDelivered(ctx, byKey["slack-old"].ID, now, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDead(ctx, byKey["console-old"].ID, now, "gone"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDead(ctx, byKey["console-new"].ID, now, "gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Requeue(ctx, byKey["console-new"].ID, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// A digest alert waits for its digest, apart from the queue.
		tx := begin(t, s)
		if err := tx.Enqueue(&model.Alert{Rule: "daily", Notifier: "slack", Digest: true, CreatedAt: now.Add(-10 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		// Follow-ups collect their batch: counted apart from the alerts,
		// with when the first is due; an old one does not make the queue
		// look stuck.
		for _, due := range []time.Duration{20 * time.Minute, 5 * time.Minute} {
			if err := tx.Enqueue(&model.Alert{Rule: "r", Notifier: "slack", Kind: model.KindAlso, ParentID: byKey["slack-old"].ID,
				CreatedAt: now.Add(-2 * time.Hour), NextAttemptAt: now.Add(due)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		got, err := s.Outbox(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []OutboxCount{
			{Notifier: "console", Queued: 1, Dead: 1, OldestQueued: now.Add(time.Minute)},
			{Notifier: "slack", Queued: 1, FollowUps: 2, Digest: 1, OldestQueued: now.Add(-time.Minute), NextFollowUp: now.Add(5 * time.Minute)},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Outbox =\n%+v, want\n%+v", got, want)
		}
	})
}
