package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// scheduleParser reads standard 5-field cron specs (minute, hour, day of
// month, month, day of week) and descriptors (@every 5m, @hourly, @daily,
// @weekly, @monthly, @yearly), with an optional CRON_TZ= or TZ= prefix.
var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// scheduleForms says what a schedule may look like, for messages.
const scheduleForms = `want 5 cron fields (minute hour day-of-month month day-of-week, e.g. "*/10 * * * *") or a descriptor (@every 5m, @hourly, @daily, @weekly, @monthly, @yearly)`

// ParseSchedule parses a poll or digest schedule the way the configuration
// validates it; the scheduler uses it too, so that whatever Load accepts
// runs. It accepts robfig/cron/v3's standard specs with descriptors, and
// rejects two things that parser would quietly change: an @every interval
// under one second (rounded up) or with a fraction of a second (truncated).
func ParseSchedule(spec string) (cron.Schedule, error) {
	sched, err := parseSchedule(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w; %s", spec, err, scheduleForms)
	}
	return sched, nil
}

// parseSchedule is ParseSchedule with errors that do not repeat the spec.
func parseSchedule(spec string) (sched cron.Schedule, err error) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		// robfig/cron v3.0.1 slices past the zone name without checking
		// that a space follows it, and panics when none does.
		if !strings.Contains(spec, " ") {
			return nil, errors.New("a time zone prefix must be followed by a space and a schedule")
		}
	}
	defer func() {
		// The parser is third-party code fed with user input: a panic in
		// it must not take the daemon down.
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cannot parse it (%v)", r)
		}
	}()
	sched, err = scheduleParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	if _, ok := sched.(cron.ConstantDelaySchedule); ok {
		// The parser accepted it, so this is exactly "@every DURATION"
		// after an optional time zone prefix.
		_, every, _ := strings.Cut(spec, "@every ")
		d, err := time.ParseDuration(every)
		switch {
		case err != nil:
			return nil, err
		case d < time.Second:
			return nil, errors.New("the @every interval must be at least 1s")
		case d%time.Second != 0:
			return nil, errors.New("the @every interval must be a whole number of seconds")
		}
	}
	return sched, nil
}
