package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// TestDueAlertsAfter reads the outbox as a dispatcher does, with the ID
// DueAlertsAfter returns passed back: each alert written is read once, if
// it is due when read; the others are left for DueAlertIDs and
// DueFollowUps.
func TestDueAlertsAfter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := testTime.Truncate(time.Millisecond)
		due := func(at time.Time, after int64, limit int) ([]int64, int64) {
			t.Helper()
			as, next, err := s.DueAlertsAfter(ctx, at, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			return alertIDs(as), next
		}

		if got, next := due(now, 0, 10); len(got) != 0 || next != 0 {
			t.Fatalf("empty outbox: %v, next %d", got, next)
		}
		as := enqueue(t, s,
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now},
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now, NextAttemptAt: now.Add(time.Hour)}, // due later
			&model.Alert{Rule: "d", Notifier: "slack", CreatedAt: now, Digest: true},
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now},
		)
		follow := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "slack", Kind: model.KindAlso, ParentID: as[0].ID, CreatedAt: now})[0]
		last := follow.ID

		got, next := due(now, 0, 0)
		if want := []int64{as[0].ID, as[3].ID}; !reflect.DeepEqual(got, want) || next != last {
			t.Fatalf("first read: %v, next %d; want %v, next %d (the last alert written)", got, next, want, last)
		}
		if got, next := due(now.Add(2*time.Hour), next, 0); len(got) != 0 || next != last {
			t.Errorf("read again with nothing written: %v, next %d", got, next)
		}
		// A limit: the next read goes on after the last alert returned.
		got, next = due(now, 0, 1)
		if want := []int64{as[0].ID}; !reflect.DeepEqual(got, want) || next != as[0].ID {
			t.Errorf("limit 1: %v, next %d; want %v, next %d", got, next, want, as[0].ID)
		}
		if got, next = due(now, next, 1); !reflect.DeepEqual(got, []int64{as[3].ID}) || next != as[3].ID {
			t.Errorf("limit 1, after the first: %v, next %d", got, next)
		}

		more := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now})[0]
		if got, next := due(now, last, 10); !reflect.DeepEqual(got, []int64{more.ID}) || next != more.ID {
			t.Errorf("after a new alert: %v, next %d; want [%d], next %d", got, next, more.ID, more.ID)
		}

		// What the reads left behind: the alert due later, and the follow-up
		// once its parent is delivered.
		ids, err := s.DueAlertIDs(ctx, now, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{as[1].ID}; !reflect.DeepEqual(ids, want) {
			t.Errorf("DueAlertIDs(since the read, an hour later) = %v, want %v", ids, want)
		}
		if fu, err := s.DueFollowUps(ctx, now, []int64{as[0].ID}); err != nil || len(fu) != 0 {
			t.Errorf("follow-ups of a queued parent: %v, %v", alertIDs(fu), err)
		}
		if err := s.MarkDelivered(ctx, as[0].ID, now, "ts", "C1"); err != nil {
			t.Fatal(err)
		}
		fu, err := s.DueFollowUps(ctx, now, []int64{as[3].ID, as[0].ID, as[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(fu) != 1 || fu[0].ID != follow.ID || fu[0].Parent == nil || fu[0].Parent.RemoteID != "ts" {
			t.Errorf("follow-ups of the delivered parent: %+v, want alert %d replying under ts", fu, follow.ID)
		}
	})
}

func TestDueAlertIDsAndDueAlertsIn(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := testTime.Truncate(time.Millisecond)
		as := enqueue(t, s,
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now.Add(-time.Hour)},
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now},
			&model.Alert{Rule: "r", Notifier: "slack", CreatedAt: now.Add(time.Minute)},
			&model.Alert{Rule: "d", Notifier: "slack", CreatedAt: now, Digest: true},
		)
		child := enqueue(t, s, &model.Alert{Rule: "r", Notifier: "slack", Kind: model.KindAlso, ParentID: as[1].ID, CreatedAt: now})[0]
		tests := []struct {
			name       string
			since, now time.Time
			want       []int64
		}{
			{"every due one", time.Time{}, now, []int64{as[0].ID, as[1].ID}},
			{"due since", now.Add(-time.Minute), now, []int64{as[1].ID}},
			{"none due since", now, now, nil},
			{"later", now, now.Add(time.Hour), []int64{as[2].ID}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ids, err := s.DueAlertIDs(ctx, tc.since, tc.now)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ids, tc.want) {
					t.Errorf("DueAlertIDs = %v, want %v", ids, tc.want)
				}
			})
		}

		// DueAlertsIn reads the due ones among IDs, in order, whatever else it
		// is given.
		got, err := s.DueAlertsIn(ctx, now, []int64{as[3].ID, as[2].ID, child.ID, as[1].ID, as[0].ID, as[1].ID, 9999})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{as[0].ID, as[1].ID}; !reflect.DeepEqual(alertIDs(got), want) {
			t.Errorf("DueAlertsIn = %v, want %v", alertIDs(got), want)
		}
		if got, err := s.DueAlertsIn(ctx, now, nil); err != nil || len(got) != 0 {
			t.Errorf("DueAlertsIn(none) = %v, %v", got, err)
		}
	})
}

// TestOutboxReadPlans checks that the dispatcher's reads stay proportional
// to what they return, not to the outbox's backlog or history: the new
// alerts by primary key, the follow-ups by their parent.
func TestOutboxReadPlans(t *testing.T) {
	s := openTest(t)
	now := testTime.Truncate(time.Millisecond)
	var as []*model.Alert
	for i := range 200 {
		as = append(as, &model.Alert{Rule: fmt.Sprintf("r%d", i%7), Notifier: "slack", CreatedAt: now})
	}
	enqueue(t, s, as...)
	for _, a := range as[:150] {
		if err := s.MarkDelivered(context.Background(), a.ID, now, "ts", "C"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.write.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		args        []any
		want        string
	}{
		{"DueAlertsAfter", dueAfterSQL, []any{1, 2, 3, 4}, "SEARCH a USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"},
		{"DueAlertIDs", dueIDsSQL, []any{1, 2}, "SEARCH a USING INDEX alerts_due (status=? AND next_attempt_at>? AND next_attempt_at<?)"},
		{"DueAlertsIn", dueInSQL, []any{1, "[1,2]"}, "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)"},
		{"DueFollowUps", dueFollowUpsSQL, []any{1, "[1,2]"}, "SEARCH a USING INDEX alerts_parent_id (parent_id=?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if plan := queryPlan(t, s, tc.query, tc.args...); !strings.Contains(plan, tc.want) {
				t.Errorf("plan:\n%s\nwant %s", plan, tc.want)
			}
		})
	}
}

// BenchmarkOutboxRead compares a dispatcher's look at an outbox with a
// backlog of 5,000 due alerts it already holds and 20 new ones: reading
// every due alert again (DueAlerts, as the dispatcher did), or the new ones
// after the last ID it read (DueAlertsAfter).
func BenchmarkOutboxRead(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	now := testTime.Truncate(time.Millisecond)
	summary := strings.Repeat("Syria and Israel resume talks on a security arrangement. ", 4)
	newAlert := func(i int) *model.Alert {
		return &model.Alert{Rule: fmt.Sprintf("rule-%d", i%50), Notifier: "slack", CreatedAt: now,
			Title: fmt.Sprintf("Story %d", i), Link: fmt.Sprintf("https://a.example/%d", i), Summary: summary,
			Hits: []model.Hit{{Field: "title", Text: "Syria"}}}
	}
	const backlog, fresh = 5000, 20
	var as []*model.Alert
	for i := range backlog {
		as = append(as, newAlert(i))
	}
	enqueue(b, s, as...)
	_, held, err := s.DueAlertsAfter(ctx, now, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	as = nil
	for i := range fresh {
		as = append(as, newAlert(backlog+i))
	}
	enqueue(b, s, as...)
	b.Run("DueAlerts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, err := s.DueAlerts(ctx, now, backlog+1000); err != nil || len(got) != backlog+fresh {
				b.Fatal(len(got), err)
			}
		}
	})
	b.Run("DueAlertsAfter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, _, err := s.DueAlertsAfter(ctx, now, held, 1000); err != nil || len(got) != fresh {
				b.Fatal(len(got), err)
			}
		}
	})
	b.Run("DueAlertIDs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, err := s.DueAlertIDs(ctx, time.Time{}, now); err != nil || len(got) != backlog+fresh {
				b.Fatal(len(got), err)
			}
		}
	})
}
