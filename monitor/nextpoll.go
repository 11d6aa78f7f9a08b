package monitor

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// ParseSchedule reads a feed's schedule, a robfig/cron/v3 standard spec:
// five fields (minute hour day-of-month month day-of-week) or a descriptor
// (@hourly, @every 10m, …), after an optional CRON_TZ= prefix. Schedules
// reach the scheduler validated by the configuration (config.ParseSchedule,
// which reads the same grammar and also refuses what this parser would
// run other than meant, such as */61 or February 31st), so what the
// configuration accepts runs as written. A spec that does not parse, or
// that makes the third-party parser panic, is an error naming it.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid schedule %q: %v", spec, r)
		}
	}()
	sched, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	return sched, nil
}

// maxScheduleSteps bounds the walk of a schedule past a hold, for
// schedules that fire far more often than the hold is long.
const maxScheduleSteps = 10000

// NextPoll estimates when a feed on schedule spec (DefaultSchedule when
// ""), last fetched at last (zero if never) and held back until hold (its
// backoff or the server's Retry-After; zero if none), is fetched next, as
// seen at now: the first time of its schedule after last (after now, when
// that has passed), and not before hold, since a held feed is fetched by
// the first firing of its schedule at or after the hold. It leaves out the
// scheduler's jitter. The log of a failed poll, the status page, `feeds
// list` and feed-health alerts all give this time, so that they agree.
// Zero when spec does not parse.
func NextPoll(spec string, last, hold, now time.Time) time.Time {
	if spec == "" {
		spec = DefaultSchedule
	}
	sched, err := ParseSchedule(spec)
	if err != nil {
		return time.Time{}
	}
	next := now
	if !last.IsZero() {
		next = sched.Next(last)
	}
	if next.Before(now) {
		// Missed: the daemon was not running, or polls are backed up.
		next = sched.Next(now)
	}
	for i := 0; next.Before(hold) && i < maxScheduleSteps; i++ {
		next = sched.Next(next)
	}
	return next
}
