package notify

import (
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// What the external tests (package notify_test) may see of the inside.

// WholeJobs is how many jobs at the head of a destination's queue keep
// their alerts whole.
const WholeJobs = wholeJobs

// SetRecordRetry sets how long d waits before writing a delivery to the
// store again after it failed, at first and at most.
func SetRecordRetry(d *Dispatcher, first, limit time.Duration) {
	d.recordRetry, d.recordRetryMax = first, limit
}

// MessageOf is the message a Dispatcher sends for alerts as one job of kind.
func MessageOf(kind Kind, alerts []*model.Alert) *Message {
	j := &job{kind: kind, rule: alerts[0].Rule, alerts: alerts, since: make([]time.Time, len(alerts))}
	return j.message()
}
