package config

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
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
		{"CRON_TZ=UTC */60 * * * *", time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}, // the step of the whole field
		{"CRON_TZ=UTC 0 */24 * * *", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 0 */31 */12 */7", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 5-50/45 * * * *", time.Date(2026, 11, 26, 9, 50, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 0 30 1,3 *", time.Date(2027, 1, 30, 0, 0, 0, 0, time.UTC)},
		// Day of month OR day of week when both are given: every Monday
		// in February, and the 29th.
		{"CRON_TZ=UTC 0 0 29 2 mon", time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 0 31 * *", time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"TZ=UTC @daily", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"TZ=UTC @hourly", time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		{"TZ=UTC @yearly", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
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
			if err := CheckSchedule(tc.spec); err != nil {
				t.Errorf("CheckSchedule = %v", err)
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
		{"*/61 * * * *", `the step 61 in "*/61" is beyond the minute field, which has 60 values`},
		{"*/90 * * * *", `"@every 90m"`},
		{"*/120 * * * *", `for every 2 hours write "0 */2 * * *"`},
		{"0 */25 * * *", "beyond the hour field, which has 24 values"},
		{"0 0 1-10/32 * *", "beyond the day-of-month field"},
		{"0 0 1 */13 *", "beyond the month field"},
		{"0 0 * * 1,*/8", `the step 8 in "*/8" is beyond the day-of-week field`},
		{"CRON_TZ=UTC */61 * * * *", "beyond the minute field"},
		{"0 0 31 2 *", "never fires"},
		{"0 0 30 2 *", "never fires"},
		{"0 0 31 4,6,9,11 *", "never fires"},
		{"CRON_TZ=Asia/Jerusalem 0 0 31 2 *", "never fires"},
		{"0 0 29 2 *", "less than once a year"},
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
			// CheckSchedule says the same without the spec and the forms,
			// and the answer is cached: asking again gives the same.
			check := CheckSchedule(tc.spec)
			if check == nil || !strings.Contains(err.Error(), check.Error()) {
				t.Errorf("CheckSchedule(%q) = %v, not within %q", tc.spec, check, err)
			}
			if again := CheckSchedule(tc.spec); again == nil || check == nil || again.Error() != check.Error() {
				t.Errorf("second CheckSchedule(%q) = %v, first %v", tc.spec, again, check)
			}
		})
	}
}

// BenchmarkScanGaps measures the check of a schedule's runs that
// parseSchedule caches per spec.
func BenchmarkScanGaps(b *testing.B) {
	s, err := cronParser.Parse("CRON_TZ=UTC */10 * * * *")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := scanGaps(s.(*cron.SpecSchedule)); err != nil {
			b.Fatal(err)
		}
	}
}
