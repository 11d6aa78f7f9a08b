package feedhealth

import (
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

func TestReport(t *testing.T) {
	e := newHealthEnv(t, 2*time.Hour)
	e.pollAt(t0)
	e.site.set(true)
	e.pollAt(t0.Add(time.Hour))
	e.pollAt(t0.Add(8 * time.Hour)) // alerted

	feeds := []model.Feed{
		e.feed,
		{Name: "Never polled", URL: "https://new.example/rss", Enabled: true, Schedule: "@hourly"},
		{Name: "Off", URL: "https://off.example/rss", Enabled: false, Schedule: "@hourly"},
	}
	now := t0.Add(8*time.Hour + time.Minute)
	got, err := Report(e.ctx, e.store, feeds, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d statuses, want 3", len(got))
	}
	kan := got[0]
	if kan.State != StateFailing || kan.Alerted != StateFailing || kan.ConsecutiveFailures != 2 ||
		kan.LastStatus != 502 || kan.LastError == "" || !kan.LastSuccessAt.Equal(t0) ||
		!kan.FailingSince.Equal(t0.Add(time.Hour)) || kan.ItemsLastDay != 1 || !kan.LastItemAt.Equal(t0) {
		t.Errorf("failing feed = %+v", kan)
	}
	// Held by its backoff: the next poll is the first firing after the hold.
	if kan.HeldUntil.IsZero() || kan.NextPollAt.Before(kan.HeldUntil) || kan.NextPollAt.After(kan.HeldUntil.Add(5*time.Minute)) {
		t.Errorf("held until %s, next poll %s", kan.HeldUntil, kan.NextPollAt)
	}
	if n := got[1]; n.State != StateNew || !n.NextPollAt.Equal(now) {
		t.Errorf("new feed = %+v", n)
	}
	if off := got[2]; off.State != StateDisabled || !off.NextPollAt.IsZero() {
		t.Errorf("disabled feed = %+v", off)
	}

	// Fetched again, but quiet for longer than expected.
	e.site.set(false)
	e.pollAt(t0.Add(9 * time.Hour))
	got, err = Report(e.ctx, e.store, feeds[:1], t0.Add(9*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s := got[0]; s.State != StateSilent || s.Alerted != StateSilent || !s.FailingSince.IsZero() || s.ConsecutiveFailures != 0 {
		t.Errorf("quiet feed = %+v", s)
	}
	if s := got[0]; !s.OverdueSince.IsZero() {
		t.Errorf("a feed just polled is overdue since %s", s.OverdueSince)
	}

	// Nothing polls it for an hour: its poll, due every 5 minutes, is
	// overdue since 5 minutes after the last one.
	got, err = Report(e.ctx, e.store, feeds, t0.Add(10*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s := got[0]; !s.OverdueSince.Equal(t0.Add(9*time.Hour + 5*time.Minute)) {
		t.Errorf("feed not polled for an hour: overdue since %s, want %s", s.OverdueSince, t0.Add(9*time.Hour+5*time.Minute))
	}
	if n, off := got[1], got[2]; !n.OverdueSince.IsZero() || !off.OverdueSince.IsZero() {
		t.Errorf("a new or disabled feed is overdue: %s, %s", n.OverdueSince, off.OverdueSince)
	}
}

func TestPollOverdueSince(t *testing.T) {
	now := t0.Add(10 * time.Hour)
	tests := []struct {
		name       string
		spec       string
		last, hold time.Time
		want       time.Time
	}{
		{"on time", "@every 5m", now.Add(-4 * time.Minute), time.Time{}, time.Time{}},
		{"late by less than MinOverdue", "@every 5m", now.Add(-14 * time.Minute), time.Time{}, time.Time{}},
		{"late by more than MinOverdue", "@every 5m", now.Add(-16 * time.Minute), time.Time{}, now.Add(-11 * time.Minute)},
		{"hourly, late by less than an hour", "0 * * * *", now.Add(-110 * time.Minute), time.Time{}, time.Time{}},
		{"hourly, late by more than an hour", "0 * * * *", now.Add(-130 * time.Minute), time.Time{}, now.Add(-2 * time.Hour)},
		{"held: due after the hold", "@every 5m", now.Add(-3 * time.Hour), now.Add(-5 * time.Minute), time.Time{}},
		{"held, and late after the hold", "@every 5m", now.Add(-3 * time.Hour), now.Add(-time.Hour), now.Add(-time.Hour)},
		{"never fetched", "@every 5m", time.Time{}, time.Time{}, time.Time{}},
		{"invalid", "every ten minutes", now.Add(-24 * time.Hour), time.Time{}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PollOverdueSince(tc.spec, tc.last, tc.hold, now); !got.Equal(tc.want) {
				t.Errorf("PollOverdueSince = %s, want %s", got, tc.want)
			}
		})
	}
}
