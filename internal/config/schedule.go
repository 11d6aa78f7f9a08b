package config

// This file owns what newswatch accepts as a schedule: a feed's poll
// schedule, the daemon's default one and a rule's digest schedule. They are
// robfig/cron/v3's standard specs (five fields, or a descriptor such as
// @daily or @every 5m, after an optional CRON_TZ= prefix), without what that
// parser quietly changes or can never run: an @every interval under a
// second or with a fraction of one, a step wider than its field
// (`*/61 * * * *` would run hourly), and a schedule that does not fire once
// a year (`0 0 31 2 *`, February 31st).

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads standard 5-field cron specs (minute, hour, day of month,
// month, day of week) and descriptors, with an optional CRON_TZ= or TZ=
// prefix.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses spec. Its errors say what is wrong without repeating spec.
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
	sched, err = cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
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
	case *cron.SpecSchedule:
		if err := checkSteps(spec); err != nil {
			return nil, err
		}
		if err := fires(spec, s); err != nil {
			return nil, err
		}
	}
	return sched, nil
}

// cronFields names the five fields and how many values each has: a step may
// not be larger than that.
var cronFields = [5]struct {
	name string
	size int
}{{"minute", 60}, {"hour", 24}, {"day-of-month", 31}, {"month", 12}, {"day-of-week", 7}}

// checkSteps rejects a step ("*/N", "A-B/N") larger than the number of
// values of its field. robfig/cron takes `*/61` in the minute field for
// "minute 0", an hourly schedule, where whoever wrote it meant every 61
// minutes, which cron cannot say. spec is one the parser accepted.
func checkSteps(spec string) error {
	f := strings.Fields(spec)
	if len(f) > 0 && (strings.HasPrefix(f[0], "TZ=") || strings.HasPrefix(f[0], "CRON_TZ=")) {
		f = f[1:]
	}
	if len(f) != len(cronFields) || strings.HasPrefix(f[0], "@") {
		return nil // a descriptor
	}
	for i, field := range f {
		for _, part := range strings.Split(field, ",") {
			_, step, ok := strings.Cut(part, "/")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(step)
			if err != nil {
				continue // the parser has accepted it; not ours to judge
			}
			if size := cronFields[i].size; n > size {
				return fmt.Errorf("the step %d in %q is beyond the %s field, which has %d values, so cron would run it only at the range's first value; %s",
					n, part, cronFields[i].name, size, stepHint(i, n))
			}
		}
	}
	return nil
}

// stepHint suggests what to write instead of a step of n in field i.
func stepHint(i, n int) string {
	if i == 0 && n%60 == 0 && n/60 < 24 {
		return fmt.Sprintf(`for every %d hours write "0 */%d * * *"`, n/60, n/60)
	}
	return `for an interval that the fields cannot express, write "@every" and a duration (e.g. "@every 90m")`
}

// scanFrom and scanYears are where and how long fires looks for gaps. A
// fixed start makes the answer the same on every day it is asked; four
// years hold a leap day, and cron specs repeat with the calendar.
var scanFrom = time.Date(2001, time.January, 1, 0, 0, 0, 0, time.UTC)

const scanYears = 5

// year is the longest gap allowed between two runs.
const year = 366 * 24 * time.Hour

// firing caches the answer of fires by spec: the status page asks for
// every feed's next poll on each view.
var firing sync.Map // spec → error (nil when it fires)

// fires returns an error when s has a gap of more than a year between two
// runs: never (February 31st, April 31st) or only on leap days. Polls on
// such a schedule stop after one run at start.
func fires(spec string, s *cron.SpecSchedule) error {
	if v, ok := firing.Load(spec); ok {
		err, _ := v.(error)
		return err
	}
	err := scanGaps(s)
	firing.Store(spec, err)
	return err
}

func scanGaps(s *cron.SpecSchedule) error {
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	start := scanFrom.In(loc)
	end := start.AddDate(scanYears, 0, 0)
	// The first run after the start of each month: a gap of more than a
	// year contains a month start whose next run is a year away.
	for m := start; m.Before(end); m = m.AddDate(0, 1, 0) {
		next := s.Next(m)
		switch {
		case next.IsZero():
			return errors.New("it never fires: no date matches its day-of-month, month and day-of-week")
		case next.Sub(m) > year:
			return fmt.Errorf("it fires less than once a year (e.g. on %s, then not for years); a schedule must run at least once a year", next.Format("2 January 2006"))
		}
	}
	return nil
}

// scheduleForms says what a schedule may look like, for messages.
const scheduleForms = `want 5 cron fields (minute hour day-of-month month day-of-week, e.g. "*/10 * * * *") or a descriptor (@every 5m, @hourly, @daily, @weekly, @monthly, @yearly)`

// ParseSchedule parses a poll or digest schedule the way Load validates
// it. Its error names spec and says what a schedule may look like. The
// scheduler reads the schedules Load accepted with robfig/cron's standard
// parser, the same grammar (cronParser), so that whatever Load accepts runs.
func ParseSchedule(spec string) (cron.Schedule, error) {
	sched, err := parseSchedule(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w; %s", spec, err, scheduleForms)
	}
	return sched, nil
}

// CheckSchedule reports what is wrong with spec as a schedule, without
// repeating spec, or nil: for files that name the key themselves (a rule's
// digest).
func CheckSchedule(spec string) error {
	_, err := parseSchedule(spec)
	return err
}
