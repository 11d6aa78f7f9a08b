package monitor

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestNextPoll checks the estimate of a feed's next fetch that the log, the
// status page and feed-health alerts share.
func TestNextPoll(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
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
		{"the default schedule", "", now.Add(-2 * time.Minute), time.Time{}, now.Add(3 * time.Minute)},
		{"held to a firing", "*/15 * * * *", now.Add(-time.Minute), t0.Add(30 * time.Minute), t0.Add(30 * time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NextPoll(tc.spec, tc.last, tc.hold, now); !got.Equal(tc.want) {
				t.Errorf("NextPoll = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCause: what a feed's row and a log line with the feed's name and URL
// show of a poll's error is what went wrong, without them.
func TestCause(t *testing.T) {
	fetch := &FetchError{Kind: KindHTTPStatus, Feed: "Arab48", URL: "https://www.arab48.com/rss", StatusCode: 503,
		Err: errors.New("HTTP 503 Service Unavailable")}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"fetch", fetch, "HTTP 503 Service Unavailable"},
		{"other", &pollError{"Arab48", errors.New("store: database is locked")}, "store: database is locked"},
		{"failure not recorded", errors.Join(fetch, &pollError{"Arab48", errors.New("recording the failure: disk full")}),
			"HTTP 503 Service Unavailable; recording the failure: disk full"},
		{"any error", errors.New("boom"), "boom"},
		{"nil", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Cause(tc.err); got != tc.want {
				t.Errorf("Cause = %q, want %q", got, tc.want)
			}
		})
	}
	if got, want := fetch.Error(), `feed "Arab48" (https://www.arab48.com/rss): HTTP 503 Service Unavailable`; got != want {
		t.Errorf("Error() = %q, want %q: the feed named once, no package prefix", got, want)
	}
}

func TestParseSchedule(t *testing.T) {
	from := time.Date(2026, 11, 26, 9, 7, 0, 0, time.UTC)
	s, err := ParseSchedule("CRON_TZ=UTC */10 * * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Next(from), time.Date(2026, 11, 26, 9, 10, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next = %v, want %v", got, want)
	}
	// robfig/cron v3.0.1 panics on a time zone prefix with nothing after
	// it; the scheduler must get an error instead.
	for _, spec := range []string{"TZ=UTC", "every ten minutes", ""} {
		if _, err := ParseSchedule(spec); err == nil || !strings.Contains(err.Error(), "invalid schedule") {
			t.Errorf("ParseSchedule(%q) error = %v, want an invalid schedule", spec, err)
		}
	}
}
