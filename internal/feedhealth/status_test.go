package feedhealth

import (
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
)

func TestReport(t *testing.T) {
	e := newHealthEnv(t, 2*time.Hour)
	e.pollAt(t0)
	e.site.set(true)
	e.pollAt(t0.Add(time.Hour))
	e.pollAt(t0.Add(8 * time.Hour)) // alerted

	feeds := []config.Feed{
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
}

func TestNextPoll(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	tests := []struct {
		name       string
		spec       string
		last, hold time.Time
		want       time.Time
	}{
		{"every, from the last fetch", "@every 5m", now.Add(-2 * time.Minute), time.Time{}, now.Add(3 * time.Minute)},
		{"missed while stopped", "@every 5m", now.Add(-time.Hour), time.Time{}, now.Add(5 * time.Minute)},
		{"cron", "*/15 * * * *", now.Add(-time.Minute), time.Time{}, t0.Add(15 * time.Minute)},
		{"held", "*/15 * * * *", now.Add(-time.Minute), t0.Add(time.Hour + time.Minute), t0.Add(75 * time.Minute)},
		{"never fetched", "@hourly", time.Time{}, time.Time{}, now},
		{"invalid", "bogus", now, time.Time{}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextPoll(tc.spec, tc.last, tc.hold, now); !got.Equal(tc.want) {
				t.Errorf("nextPoll = %s, want %s", got, tc.want)
			}
		})
	}
}
