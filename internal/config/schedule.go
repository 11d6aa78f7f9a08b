package config

import (
	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/cronspec"
)

// scheduleForms says what a schedule may look like, for messages.
const scheduleForms = cronspec.Forms

// ParseSchedule parses a poll or digest schedule the way Load validates
// it (cronspec.ParseSchedule, which the scheduler uses too, so that
// whatever Load accepts runs). It accepts robfig/cron/v3's standard specs with descriptors, and
// rejects what that parser would quietly change or never run (see package
// cronspec): an @every interval under one second or with a fraction of a
// second, a step beyond its field (*/61), a schedule that does not fire
// once a year (0 0 31 2 *).
func ParseSchedule(spec string) (cron.Schedule, error) { return cronspec.ParseSchedule(spec) }

// parseSchedule is ParseSchedule with errors that do not repeat the spec.
func parseSchedule(spec string) (cron.Schedule, error) { return cronspec.Parse(spec) }
