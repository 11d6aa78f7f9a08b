package config

import (
	"fmt"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/cronspec"
)

// scheduleForms says what a schedule may look like, for messages.
const scheduleForms = `want 5 cron fields (minute hour day-of-month month day-of-week, e.g. "*/10 * * * *") or a descriptor (@every 5m, @hourly, @daily, @weekly, @monthly, @yearly)`

// ParseSchedule parses a poll or digest schedule the way the configuration
// validates it; the scheduler uses it too, so that whatever Load accepts
// runs. It accepts robfig/cron/v3's standard specs with descriptors, and
// rejects what that parser would quietly change or never run (see package
// cronspec): an @every interval under one second or with a fraction of a
// second, a step beyond its field (*/61), a schedule that does not fire
// once a year (0 0 31 2 *).
func ParseSchedule(spec string) (cron.Schedule, error) {
	sched, err := parseSchedule(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w; %s", spec, err, scheduleForms)
	}
	return sched, nil
}

// parseSchedule is ParseSchedule with errors that do not repeat the spec.
func parseSchedule(spec string) (cron.Schedule, error) { return cronspec.Parse(spec) }
