package notify

import (
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

func TestDeliveryOf(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 12, 0, 0, time.UTC)
	q, err := rules.ParseQuery("syria")
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet([]rules.Compiled{
		{Rule: &rules.Rule{Name: "daily", Enabled: true, Digest: "0 8 * * *"}, Query: q},
		{Rule: &rules.Rule{Name: "plain", Enabled: true}, Query: q},
	})
	clock := DigestTimes(set, time.UTC)
	tests := []struct {
		name string
		a    model.Alert
		want Delivery
	}{
		{"queued alert", model.Alert{Status: model.StatusQueued, NextAttemptAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateQueued, At: t0}},
		{"alert delivered at the first attempt", model.Alert{Status: model.StatusDelivered, DeliveredAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateDelivered, At: t0, Attempts: 1}},
		{"alert delivered after two failures", model.Alert{Status: model.StatusDelivered, Attempts: 2, DeliveredAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateDelivered, At: t0, Attempts: 3}},
		{"alert retrying", model.Alert{Status: model.StatusQueued, Attempts: 1, NextAttemptAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateRetrying, At: t0, Attempts: 1}},
		{"snoozed", model.Alert{Status: model.StatusQueued, SilenceID: 4, NextAttemptAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateSnoozed, At: t0}},
		{"muted", model.Alert{Status: model.StatusDelivered, SilenceID: 4, DeliveredAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateMuted, At: t0}},
		{"dead letter", model.Alert{Status: model.StatusDead, Attempts: 4, DeadAt: t0},
			Delivery{Kind: DeliveryAlert, State: StateDead, At: t0, Attempts: 4}},
		{"follow-up collecting its batch", model.Alert{Kind: model.KindAlso, ParentID: 7, Status: model.StatusQueued, NextAttemptAt: t0,
			Parent: &model.ParentState{Status: model.StatusDelivered}},
			Delivery{Kind: DeliveryFollowUp, State: StateQueued, At: t0}},
		{"follow-up waiting for its alert", model.Alert{Kind: model.KindAlso, ParentID: 7, Status: model.StatusQueued, NextAttemptAt: t0,
			Parent: &model.ParentState{Status: model.StatusQueued}},
			Delivery{Kind: DeliveryFollowUp, State: StateWaiting, After: 7}},
		{"follow-up whose alert is gone", model.Alert{Kind: model.KindAlso, ParentID: 7, Status: model.StatusQueued, NextAttemptAt: t0},
			Delivery{Kind: DeliveryFollowUp, State: StateQueued, At: t0}},
		{"update delivered", model.Alert{Kind: model.KindUpdate, ParentID: 7, Status: model.StatusDelivered, DeliveredAt: t0},
			Delivery{Kind: DeliveryUpdate, State: StateDelivered, At: t0, Attempts: 1}},
		{"digest line", model.Alert{Rule: "daily", Digest: true, Status: model.StatusQueued, CreatedAt: t0},
			Delivery{Kind: DeliveryDigest, State: StateQueued, At: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}},
		{"digest line of a rule without a schedule now", model.Alert{Rule: "plain", Digest: true, Status: model.StatusQueued, CreatedAt: t0},
			Delivery{Kind: DeliveryDigest, State: StateQueued, At: t0}},
		{"digest line of an unknown rule", model.Alert{Rule: "gone", Digest: true, Status: model.StatusQueued, CreatedAt: t0},
			Delivery{Kind: DeliveryDigest, State: StateQueued}},
		{"digest follow-up line", model.Alert{Rule: "daily", Kind: model.KindAlso, ParentID: 3, Digest: true, Status: model.StatusDelivered, DeliveredAt: t0},
			Delivery{Kind: DeliveryDigest, State: StateDelivered, At: t0, Attempts: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DeliveryOf(&tc.a, clock, t0.Add(-time.Hour))
			if got.Kind != tc.want.Kind || got.State != tc.want.State || !got.At.Equal(tc.want.At) ||
				got.Attempts != tc.want.Attempts || got.After != tc.want.After {
				t.Errorf("DeliveryOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}
