package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

func TestFeedHealthRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a", "b")
		a, b := feedNamed(t, s, "a"), feedNamed(t, s, "b")
		now := testTime.Truncate(time.Millisecond)

		if got, err := s.FeedHealth(ctx); err != nil || len(got) != 0 {
			t.Fatalf("FeedHealth of a new database = %v, %v", got, err)
		}
		failing := &FeedHealth{FeedID: a.ID, FailingSince: now.Add(-time.Hour)}
		if err := s.SaveFeedHealth(ctx, failing, nil); err != nil {
			t.Fatal(err)
		}
		alerted := &FeedHealth{FeedID: a.ID, Alerted: "failing", AlertedAt: now, FailingSince: now.Add(-time.Hour)}
		alerts := []*model.Alert{
			{Rule: "@feed-health", Notifier: "ops", Title: "Feed a is failing", Feed: "a", Severity: "notice"},
			{Rule: "@feed-health", Notifier: "console", Title: "Feed a is failing", Feed: "a", Severity: "notice"},
		}
		if err := s.SaveFeedHealth(ctx, alerted, alerts); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFeedHealth(ctx, &FeedHealth{FeedID: b.ID}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.FeedHealth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]*FeedHealth{a.ID: alerted, b.ID: {FeedID: b.ID}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FeedHealth = %+v, want %+v", got, want)
		}
		queued, err := s.Alerts(ctx, AlertFilter{Rule: "@feed-health"})
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) != 2 || queued[0].ItemID != 0 || queued[0].Status != model.StatusQueued || alerts[0].ID == 0 {
			t.Errorf("health alerts = %+v", queued)
		}

		// A feed dropped from the configuration keeps its record but is not
		// reported.
		syncFeeds(t, s, "a")
		if got, err := s.FeedHealth(ctx); err != nil || len(got) != 1 || got[a.ID] == nil {
			t.Errorf("after dropping b: %v, %v", got, err)
		}
	})
}

func TestSaveFeedHealthIsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		syncFeeds(t, s, "a")
		a := feedNamed(t, s, "a")
		bad := []*model.Alert{{Rule: "@feed-health", Notifier: "ops"}, {Rule: "@feed-health"}} // the second has no notifier
		if err := s.SaveFeedHealth(ctx, &FeedHealth{FeedID: a.ID, Alerted: "failing"}, bad); err == nil {
			t.Fatal("SaveFeedHealth with an invalid alert succeeded")
		}
		if got, _ := s.FeedHealth(ctx); len(got) != 0 {
			t.Errorf("the record was kept without its alerts: %+v", got)
		}
		if got, _ := s.Alerts(ctx, AlertFilter{}); len(got) != 0 {
			t.Errorf("an alert was kept without the record: %+v", got)
		}
		if err := s.SaveFeedHealth(ctx, &FeedHealth{FeedID: 999}, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown feed: %v, want ErrNotFound", err)
		}
		if err := s.SaveFeedHealth(ctx, &FeedHealth{FeedID: a.ID, Alerted: "bogus"}, nil); err == nil {
			t.Error("an unknown alerted state was stored")
		}
	})
}
