package store

import (
	"context"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

func TestAlertsIn(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		var ids []int64
		for i, title := range []string{"first", "second", "third"} {
			a := &model.Alert{Rule: "r", Notifier: "slack", Title: title, Summary: "summary of " + title, CreatedAt: now.Add(time.Duration(i) * time.Second)}
			enqueue(t, s, a)
			ids = append(ids, a.ID)
		}
		if err := s.MarkDelivered(ctx, ids[1], now.Add(time.Minute), "ts1", "C1"); err != nil {
			t.Fatal(err)
		}

		got, err := s.AlertsIn(ctx, []int64{ids[2], ids[1], ids[2], 9999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[2] {
			t.Fatalf("AlertsIn = %v, want alerts %d and %d, oldest first", alertIDs(got), ids[1], ids[2])
		}
		if got[0].Status != model.StatusDelivered || got[0].Title != "second" || got[1].Summary != "summary of third" {
			t.Errorf("AlertsIn read %+v and %+v", got[0], got[1])
		}
		if none, err := s.AlertsIn(ctx, nil); err != nil || none != nil {
			t.Errorf("AlertsIn(nil) = %v, %v", none, err)
		}
	})
}
