package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// enqueue writes alerts in one committed transaction, for an item of feed
// "a", and returns them with their ids set.
func enqueue(t testing.TB, s *Store, alerts ...*model.Alert) []*model.Alert {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Feed(ctx, "a"); errors.Is(err, ErrNotFound) {
		syncFeeds(t, s, "a")
	}
	f := feedNamed(t, s, "a")
	tx := begin(t, s)
	for _, a := range alerts {
		if a.ItemID == 0 {
			it := &model.Item{FeedID: f.ID, Identity: time.Now().String(), SeenAt: testTime}
			if err := tx.AddItem(it); err != nil {
				t.Fatal(err)
			}
			a.ItemID = it.ID
		}
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return alerts
}

func alertIDs(alerts []*model.Alert) []int64 {
	ids := []int64{}
	for _, a := range alerts {
		ids = append(ids, a.ID)
	}
	return ids
}

func dueIDs(t testing.TB, s *Store, now time.Time) []int64 {
	t.Helper()
	due, err := s.DueAlerts(context.Background(), now, 0)
	if err != nil {
		t.Fatal(err)
	}
	return alertIDs(due)
}

func alertByID(t testing.TB, s *Store, id int64) *model.Alert {
	t.Helper()
	all, err := s.Alerts(context.Background(), AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("alert %d not found", id)
	return nil
}

func TestOutboxLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := testTime.Truncate(time.Millisecond)
		a := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now})[0]
		if a.Status != model.StatusQueued || !a.NextAttemptAt.Equal(now) {
			t.Fatalf("enqueued alert: status %q, next attempt %v", a.Status, a.NextAttemptAt)
		}

		if got := dueIDs(t, s, now.Add(-time.Millisecond)); len(got) != 0 {
			t.Errorf("due before it was created: %v", got)
		}
		if got := dueIDs(t, s, now); !reflect.DeepEqual(got, []int64{a.ID}) {
			t.Fatalf("due at creation = %v, want [%d]", got, a.ID)
		}

		// A failed attempt holds it back until next.
		next := now.Add(30 * time.Second)
		if err := s.MarkRetry(ctx, a.ID, next, "slack: 503"); err != nil {
			t.Fatal(err)
		}
		if got := dueIDs(t, s, now.Add(time.Second)); len(got) != 0 {
			t.Errorf("due before its retry time: %v", got)
		}
		if got := dueIDs(t, s, next); !reflect.DeepEqual(got, []int64{a.ID}) {
			t.Errorf("due at retry time = %v, want [%d]", got, a.ID)
		}
		got := alertByID(t, s, a.ID)
		if got.Attempts != 1 || got.LastError != "slack: 503" || !got.NextAttemptAt.Equal(next) {
			t.Errorf("after retry: attempts %d, error %q, next %v", got.Attempts, got.LastError, got.NextAttemptAt)
		}
		if err := s.MarkRetry(ctx, a.ID, next.Add(time.Minute), "slack: 429"); err != nil {
			t.Fatal(err)
		}
		if got := alertByID(t, s, a.ID); got.Attempts != 2 {
			t.Errorf("attempts after two retries = %d", got.Attempts)
		}

		delivered := next.Add(time.Minute)
		if err := s.MarkDelivered(ctx, a.ID, delivered, "1764148320.000100", "C024BE91L"); err != nil {
			t.Fatal(err)
		}
		if got := dueIDs(t, s, delivered.Add(time.Hour)); len(got) != 0 {
			t.Errorf("delivered alert still due: %v", got)
		}
		got = alertByID(t, s, a.ID)
		if got.Status != model.StatusDelivered || !got.DeliveredAt.Equal(delivered) ||
			got.RemoteID != "1764148320.000100" || got.RemoteChannel != "C024BE91L" {
			t.Errorf("after delivery: %+v", got)
		}
		// A delivered alert is never queued again.
		if n, err := s.Requeue(ctx, a.ID, delivered); err != nil || n != 0 {
			t.Errorf("Requeue(delivered) = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestDeadLettersAndRequeue(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := testTime.Truncate(time.Millisecond)
		as := enqueue(t, s,
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now},
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now},
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now},
		)
		for _, a := range as[:2] {
			if err := s.MarkRetry(ctx, a.ID, now.Add(time.Second), "timeout"); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkDead(ctx, a.ID, now.Add(time.Minute), "channel_not_found"); err != nil {
				t.Fatal(err)
			}
		}
		if got := dueIDs(t, s, now.Add(time.Hour)); !reflect.DeepEqual(got, []int64{as[2].ID}) {
			t.Errorf("due with two dead = %v, want [%d]", got, as[2].ID)
		}
		dead, err := s.Alerts(ctx, AlertFilter{Status: model.StatusDead})
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) != 2 || dead[0].LastError != "channel_not_found" || !dead[0].DeadAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("dead letters = %+v", dead)
		}

		later := now.Add(2 * time.Hour)
		if n, err := s.Requeue(ctx, as[0].ID, later); err != nil || n != 1 {
			t.Fatalf("Requeue(%d) = %d, %v", as[0].ID, n, err)
		}
		got := alertByID(t, s, as[0].ID)
		if got.Status != model.StatusQueued || got.Attempts != 0 || !got.NextAttemptAt.Equal(later) || !got.DeadAt.IsZero() {
			t.Errorf("requeued alert: %+v", got)
		}
		if n, err := s.Requeue(ctx, 0, later); err != nil || n != 1 {
			t.Errorf("Requeue(all) = %d, %v; want 1 (one dead left)", n, err)
		}
		if got := dueIDs(t, s, later); !reflect.DeepEqual(got, alertIDs(as)) {
			t.Errorf("due after requeue = %v, want %v", got, alertIDs(as))
		}
		if n, err := s.Requeue(ctx, 0, later); err != nil || n != 0 {
			t.Errorf("Requeue(all) with none dead = %d, %v", n, err)
		}
	})
}

func TestUnknownAlertIsNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for name, err := range map[string]error{
			"MarkDelivered":     s.MarkDelivered(ctx, 99, testTime, "", ""),
			"MarkRetry":         s.MarkRetry(ctx, 99, testTime, "x"),
			"MarkDead":          s.MarkDead(ctx, 99, testTime, "x"),
			"MarkDeliveredMany": s.MarkDeliveredMany(ctx, []int64{99}, testTime, "", ""),
		} {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}
		if _, err := s.Requeue(ctx, 99, testTime); !errors.Is(err, ErrNotFound) {
			t.Errorf("Requeue: err = %v, want ErrNotFound", err)
		}
	})
}

func TestMarkRetryNeedsANextTime(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		a := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "n"})[0]
		if err := s.MarkRetry(context.Background(), a.ID, time.Time{}, "x"); err == nil {
			t.Error("MarkRetry with a zero next time succeeded")
		}
	})
}

func TestDigestAlerts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := testTime.Truncate(time.Millisecond)
		as := enqueue(t, s,
			&model.Alert{Rule: "daily", Notifier: "slack", Digest: true, CreatedAt: now},
			&model.Alert{Rule: "urgent", Notifier: "slack", CreatedAt: now},
			&model.Alert{Rule: "daily", Notifier: "slack", Digest: true, CreatedAt: now},
			&model.Alert{Rule: "other-daily", Notifier: "slack", Digest: true, CreatedAt: now},
		)
		if got := dueIDs(t, s, now.Add(time.Hour)); !reflect.DeepEqual(got, []int64{as[1].ID}) {
			t.Errorf("DueAlerts = %v, want only the non-digest alert %d", got, as[1].ID)
		}
		digestRules := func() []string {
			t.Helper()
			names, err := s.DigestRules(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(names)
			return names
		}
		if got, want := digestRules(), []string{"daily", "other-daily"}; !slices.Equal(got, want) {
			t.Errorf("DigestRules = %q, want %q", got, want)
		}
		pending, err := s.PendingDigest(ctx, "daily")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := alertIDs(pending), []int64{as[0].ID, as[2].ID}; !reflect.DeepEqual(got, want) {
			t.Fatalf("PendingDigest = %v, want %v", got, want)
		}
		if err := s.MarkDeliveredMany(ctx, append(alertIDs(pending), as[0].ID), now, "ts", "C1"); err != nil {
			t.Fatal(err)
		}
		if pending, err := s.PendingDigest(ctx, "daily"); err != nil || len(pending) != 0 {
			t.Errorf("after the digest: %d pending, err %v", len(pending), err)
		}
		if got, want := digestRules(), []string{"other-daily"}; !slices.Equal(got, want) {
			t.Errorf("DigestRules after the digest = %q, want %q", got, want)
		}
		for _, id := range []int64{as[0].ID, as[2].ID} {
			if got := alertByID(t, s, id); got.Status != model.StatusDelivered || got.RemoteID != "ts" {
				t.Errorf("digest alert %d: %+v", id, got)
			}
		}
	})
}

func TestMarkDeliveredManyIsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "n"})[0]
		err := s.MarkDeliveredMany(ctx, []int64{a.ID, a.ID + 1000}, testTime, "ts", "C")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		if got := alertByID(t, s, a.ID); got.Status != model.StatusQueued {
			t.Errorf("alert %d became %s though the batch failed", a.ID, got.Status)
		}
		if err := s.MarkDeliveredMany(ctx, nil, testTime, "", ""); err != nil {
			t.Errorf("no ids: %v", err)
		}

		// More ids than one UPDATE binds.
		var many []*model.Alert
		for range markDeliveredBatch + 7 {
			many = append(many, &model.Alert{Rule: "r", Notifier: "n", ItemID: a.ItemID})
		}
		enqueue(t, s, many...)
		if err := s.MarkDeliveredMany(ctx, alertIDs(many), testTime, "ts", "C"); err != nil {
			t.Fatal(err)
		}
		delivered, err := s.Alerts(ctx, AlertFilter{Status: model.StatusDelivered})
		if err != nil {
			t.Fatal(err)
		}
		if len(delivered) != len(many) {
			t.Errorf("%d delivered, want %d", len(delivered), len(many))
		}
	})
}

func TestAlertRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		in := &model.Alert{
			Rule:        "syria-israel-normalization",
			Notifier:    "slack",
			Channel:     "#news-alerts",
			Severity:    "high",
			Title:       "Israel, Syria <!channel> agree",
			Link:        "https://a.example/story",
			Feed:        "Times of Israel",
			Summary:     "A summary — ملخص",
			Description: "Normalization talks",
			Published:   testTime.Add(-time.Hour),
			Hits:        []model.Hit{{Field: "title", Text: "Israel"}, {Field: "summary", Text: "سوريا"}},
			Digest:      true,
			CreatedAt:   testTime,
			// Ignored by Enqueue:
			Attempts: 7, LastError: "x", RemoteID: "y",
		}
		enqueue(t, s, in)
		got := alertByID(t, s, in.ID)
		want := *in
		want.Attempts, want.LastError, want.RemoteID = 0, "", ""
		want.Published = want.Published.Truncate(time.Millisecond)
		want.CreatedAt = want.CreatedAt.Truncate(time.Millisecond)
		want.NextAttemptAt = want.CreatedAt
		want.QueuedAt = want.CreatedAt
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
		}
	})
}

func TestEnqueueRejectsBadAlerts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		syncFeeds(t, s, "a")
		for _, tc := range []struct {
			name string
			a    *model.Alert
		}{
			{"no rule", &model.Alert{Notifier: "n"}},
			{"no notifier", &model.Alert{Rule: "r"}},
			{"unknown item", &model.Alert{Rule: "r", Notifier: "n", ItemID: 12345}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tx := begin(t, s)
				if err := tx.Enqueue(tc.a); err == nil {
					t.Error("Enqueue succeeded")
				}
			})
		}
	})
}

func TestAlertsFilter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		base := testTime.Truncate(time.Millisecond)
		as := enqueue(t, s,
			&model.Alert{Rule: "a", Notifier: "n", CreatedAt: base},
			&model.Alert{Rule: "b", Notifier: "n", CreatedAt: base.Add(time.Hour)},
			&model.Alert{Rule: "a", Notifier: "n", CreatedAt: base.Add(2 * time.Hour)},
			&model.Alert{Rule: "a", Notifier: "n", CreatedAt: base.Add(2 * time.Hour)},
		)
		if err := s.MarkDead(ctx, as[2].ID, base, "x"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			f    AlertFilter
			want []int64
		}{
			{"all, newest first", AlertFilter{}, []int64{as[3].ID, as[2].ID, as[1].ID, as[0].ID}},
			{"limit", AlertFilter{Limit: 2}, []int64{as[3].ID, as[2].ID}},
			{"rule", AlertFilter{Rule: "a"}, []int64{as[3].ID, as[2].ID, as[0].ID}},
			{"status", AlertFilter{Status: model.StatusDead}, []int64{as[2].ID}},
			{"since", AlertFilter{Since: base.Add(time.Hour)}, []int64{as[3].ID, as[2].ID, as[1].ID}},
			{"rule, status queued, since", AlertFilter{Rule: "a", Status: model.StatusQueued, Since: base.Add(time.Minute)}, []int64{as[3].ID}},
			{"no match", AlertFilter{Rule: "zzz"}, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Alerts(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if ids := alertIDs(got); !reflect.DeepEqual(ids, tc.want) {
					t.Errorf("Alerts(%+v) = %v, want %v", tc.f, ids, tc.want)
				}
			})
		}
	})
}

func TestAlertsUnknownStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		if _, err := s.Alerts(context.Background(), AlertFilter{Status: "failed"}); err == nil {
			t.Error("Alerts with an unknown status succeeded")
		}
	})
}

func TestDueAlertsOrderAndLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		now := testTime.Truncate(time.Millisecond)
		// Created out of order: DueAlerts follows ids, the order of writing.
		as := enqueue(t, s,
			&model.Alert{Rule: "r", Notifier: "n", CreatedAt: now},
			&model.Alert{Rule: "r", Notifier: "n", CreatedAt: now.Add(-time.Hour)},
			&model.Alert{Rule: "r", Notifier: "n", CreatedAt: now.Add(-2 * time.Hour)},
		)
		due, err := s.DueAlerts(context.Background(), now, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := alertIDs(due), []int64{as[0].ID, as[1].ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("DueAlerts(limit 2) = %v, want %v", got, want)
		}
	})
}
