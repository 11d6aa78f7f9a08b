package notify

import (
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// Delivery is where one alert is in its delivery, told the way `newswatch
// alerts list` and the status page show it: follow-ups and digest lines
// apart from alerts, when each will be sent, and how many attempts it took.
type Delivery struct {
	// Kind is what the alert is: DeliveryAlert, DeliveryFollowUp,
	// DeliveryUpdate or DeliveryDigest.
	Kind string
	// State is StateQueued, StateWaiting, StateRetrying, StateSnoozed,
	// StateDelivered, StateMuted or StateDead.
	State string
	// At is, for a queued or retrying alert, when it is to be sent (a
	// digest line: when its rule's digest is due, zero when that is not
	// known); for a delivered or dead one, when it became so; zero for a
	// waiting one.
	At time.Time
	// Attempts counts the attempts made: the failed ones, and the one that
	// delivered it.
	Attempts int
	// After is, for a waiting follow-up, the alert it waits for.
	After int64
}

// The kinds of Delivery.
const (
	DeliveryAlert    = "alert"     // the first alert of a rule for a story
	DeliveryFollowUp = "follow-up" // a later report of a story already alerted
	DeliveryUpdate   = "update"    // an edit of an alerted item
	DeliveryDigest   = "digest"    // a line of its rule's scheduled digest
)

// The states of a Delivery.
const (
	StateQueued    = "queued"    // due at At
	StateWaiting   = "waiting"   // a follow-up waiting for its alert (After) to be delivered
	StateRetrying  = "retrying"  // failed before; tried again at At
	StateSnoozed   = "snoozed"   // held back by a snooze set from Slack until At
	StateDelivered = "delivered" // at At
	StateMuted     = "muted"     // settled at At without being sent: its story was muted there
	StateDead      = "dead"      // given up at At
)

// DigestClock says when the digest of rule that holds an alert written at
// written is due, or the zero time when it does not know (an unknown rule,
// a schedule that does not parse).
type DigestClock func(rule string, written time.Time) time.Time

// DigestTimes is the DigestClock of the rules of set, the schedules read
// in loc unless they say CRON_TZ, as the Dispatcher reads them: a digest is
// due at the first time its schedule gives after the oldest alert waiting
// for it was written, and a rule that no longer has a schedule sends what
// waits at once (at written).
func DigestTimes(set *rules.Set, loc *time.Location) DigestClock {
	scheds := map[string]cron.Schedule{}
	if set != nil {
		for _, r := range set.Rules() {
			if r.Digest == "" {
				scheds[r.Name] = nil
				continue
			}
			if s, err := r.DigestSchedule(); err == nil {
				scheds[r.Name] = s
			}
		}
	}
	if loc == nil {
		loc = time.Local
	}
	return func(rule string, written time.Time) time.Time {
		s, ok := scheds[rule]
		switch {
		case !ok:
			return time.Time{}
		case s == nil:
			return written
		}
		return s.Next(written.In(loc))
	}
}

// DeliveryOf describes where a is in its delivery at now; digests, when
// not nil, says when a digest line is to be sent.
func DeliveryOf(a *model.Alert, digests DigestClock, now time.Time) Delivery {
	d := Delivery{Kind: DeliveryAlert, State: string(a.Status), Attempts: a.Attempts}
	switch {
	case a.Digest:
		d.Kind = DeliveryDigest
	case a.Kind == model.KindAlso:
		d.Kind = DeliveryFollowUp
	case a.Kind == model.KindUpdate:
		d.Kind = DeliveryUpdate
	}
	switch a.Status {
	case model.StatusDelivered:
		d.At = a.DeliveredAt
		if a.SilenceID != 0 {
			d.State = StateMuted // settled by a mute, not sent
			break
		}
		d.Attempts++
	case model.StatusDead:
		d.At = a.DeadAt
	case model.StatusQueued:
		switch {
		case a.Digest:
			if digests != nil {
				d.At = digests(a.Rule, a.CreatedAt)
			}
		case a.SilenceID != 0 && a.NextAttemptAt.After(now):
			d.State, d.At = StateSnoozed, a.NextAttemptAt
		case a.ParentID != 0 && a.Parent != nil && a.Parent.Status != model.StatusDelivered:
			d.State, d.After = StateWaiting, a.ParentID
		case a.Attempts > 0:
			d.State, d.At = StateRetrying, a.NextAttemptAt
		default:
			d.At = a.NextAttemptAt
		}
	}
	return d
}
