package config

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestParseScheduleSpecs(t *testing.T) {
	from := time.Date(2026, 11, 26, 9, 7, 0, 0, time.UTC)
	tests := []struct {
		spec string
		next time.Time // first run after from
	}{
		{"@every 5m", from.Add(5 * time.Minute)},
		{"CRON_TZ=UTC */10 * * * *", time.Date(2026, 11, 26, 9, 10, 0, 0, time.UTC)},
		{"CRON_TZ=UTC */60 * * * *", time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}, // the step of the whole field
		{"CRON_TZ=UTC 0 */24 * * *", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 0 */31 */12 */7", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 5-50/45 * * * *", time.Date(2026, 11, 26, 9, 50, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 0 30 1,3 *", time.Date(2027, 1, 30, 0, 0, 0, 0, time.UTC)},
		// Day of month OR day of week when both are given: every Monday
		// in February, and the 29th.
		{"CRON_TZ=UTC 0 0 29 2 mon", time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 0 31 * *", time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"TZ=UTC @yearly", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := parseSchedule(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(from).UTC(); !got.Equal(tc.next) {
				t.Errorf("Next = %v, want %v", got, tc.next)
			}
		})
	}
}

func TestParseScheduleSpecErrors(t *testing.T) {
	tests := []struct{ spec, msg string }{
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
		{"61 * * * *", "above maximum"},
		{"@every 500ms", "at least 1s"},
		{"@every 1.5s", "whole number of seconds"},
		{"TZ=UTC", "time zone prefix must be followed by a space"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := parseSchedule(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("parseSchedule(%q) error = %v, want one with %q", tc.spec, err, tc.msg)
			}
			// The answer is cached: asking again gives the same.
			if _, again := parseSchedule(tc.spec); again == nil || again.Error() != err.Error() {
				t.Errorf("second parseSchedule(%q) = %v, first %v", tc.spec, again, err)
			}
		})
	}
}

// BenchmarkScanGaps measures the check of a schedule's runs that Parse
// caches per spec.
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
