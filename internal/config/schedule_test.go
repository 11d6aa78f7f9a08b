package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	from := time.Date(2026, 11, 26, 9, 7, 0, 0, time.UTC)
	tests := []struct {
		spec string
		next time.Time // first run after from
	}{
		{"@every 5m", from.Add(5 * time.Minute)},
		{"@every 1s", from.Add(time.Second)},
		{"@every 1h30m", from.Add(90 * time.Minute)},
		{"CRON_TZ=UTC */10 * * * *", time.Date(2026, 11, 26, 9, 10, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 8 * * mon-fri", time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 30 9 * * *", time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)},
		{"TZ=UTC @daily", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"TZ=UTC @hourly", time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(from).UTC(); !got.Equal(tc.next) {
				t.Errorf("Next = %v, want %v", got, tc.next)
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	tests := []struct{ spec, msg string }{
		{"", "empty spec"},
		{"* * * *", "expected exactly 5 fields, found 4"},
		{"0 0 * * * *", "expected exactly 5 fields, found 6"}, // no seconds field
		{"61 * * * *", "above maximum"},
		{"@every", "unrecognized descriptor"},
		{"@every 1d", "unknown unit"}, // robfig/cron uses time.ParseDuration
		{"@every 500ms", "at least 1s"},
		{"@every -5m", "at least 1s"},
		{"@every 1.5s", "whole number of seconds"},
		{"@fortnightly", "unrecognized descriptor"},
		{"TZ=UTC", "time zone prefix must be followed by a space"}, // panics in robfig/cron v3.0.1
		{"CRON_TZ=Nowhere/Land * * * * *", "bad location"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseSchedule(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("ParseSchedule(%q) error = %v, want one with %q", tc.spec, err, tc.msg)
			}
			if !strings.Contains(err.Error(), "@every 5m") {
				t.Errorf("error %q does not show the valid forms", err)
			}
		})
	}
}
