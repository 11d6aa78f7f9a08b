// Package followup is newswatch's policy for what a later report of a
// story causes: the one place that decides, from the second outlet that
// carries an event on, whether it becomes a reply in the alert's thread, a
// follow-up message of its own, a line in a digest, or nothing. Package
// monitor asks it when a poll records a report (in the poll's transaction,
// with the alerts it queues); package notify asks it when it sends the
// follow-ups that came due. It decides only; it reads and writes nothing.
//
// A rule alerts once per story and notifier: the first item of a story
// that matches the rule is an alert. A later item of the same story that
// matches the same rule, bound for the same notifier, is a report of the
// story, and Decide says what it becomes:
//
//   - the same article again from the feed that brought it (its canonical
//     link, from the same feed): nothing;
//   - for a rule with a digest schedule: a line in the rule's next digest,
//     shown with the rest of its story (DigestLine);
//   - at a notifier whose story_updates is "drop": nothing (the item stays
//     in its story, which `newswatch backtest` shows);
//   - otherwise: a follow-up of the first alert (FollowUp), due as Due
//     paces it: the reports of a batch are collected for [stories]
//     reply_delay, and each later batch of the same alert waits twice as
//     long as the one before, up to MaxDelay.
//
// A rule with stories = "off" has no later reports: monitor alerts each
// item it matches on its own (the same article again from the same feed
// still once), tied to no story.
//
// An edit of an alerted item (the same identity, new text) is an update of
// each of its alerts whose rule says on_update = "thread", unless the rule
// sends digests or the notifier drops follow-ups (Updates).
//
// The store holds a follow-up until its first alert is delivered. Then the
// follow-ups of one destination that are due together go out as Threaded
// and BatchKey say:
//
//   - at a notifier whose story_updates is "thread" (a Slack bot), when the
//     first alert's message is known, as one reply in its thread per
//     message: "Also reported by: Reuters, Al-Monitor", with their links.
//     Where the first alerts of several rules went out as one message (an
//     article that matched them all), their follow-ups are one reply;
//   - anywhere else, as one message per destination that names the
//     stories it follows up, and their rules;
//   - an update of one item, once for all the rules that alerted it, in
//     the thread where there is one.
//
// A follow-up whose first alert is a dead letter becomes one too
// (`newswatch alerts retry` queues both again); one whose first alert is
// gone is sent on its own.
package followup

import (
	"fmt"
	"time"
)

// Mode is what later reports of a story become at a notifier: its
// story_updates setting.
type Mode string

// The modes. The zero Mode sends follow-ups as the notifier can: as
// messages of their own.
const (
	// Thread replies in the alert's thread (Slack bots; elsewhere, and
	// where the alert's message is not known, it is Digest).
	Thread Mode = "thread"
	// Digest collects them into follow-up messages of their own.
	Digest Mode = "digest"
	// Drop does not send them.
	Drop Mode = "drop"
)

// Report is a later item of a story whose rule already alerted the
// notifier: what Decide looks at.
type Report struct {
	// Mode is the notifier's.
	Mode Mode
	// SameArticle: the item is the article of an earlier item of the
	// story again, from the same feed (its canonical link matched).
	SameArticle bool
	// DigestRule: the rule sends its alerts in scheduled digests.
	DigestRule bool
}

// Action is what a report causes.
type Action int

// The actions.
const (
	// Skip queues nothing.
	Skip Action = iota
	// DigestLine queues it for the rule's next digest, as a follow-up of
	// the first alert, so that the digest shows it with its story.
	DigestLine
	// FollowUp queues it as a follow-up of the first alert, due when Due
	// says.
	FollowUp
)

// Decide returns what report r causes.
func Decide(r Report) Action {
	switch {
	case r.SameArticle:
		return Skip
	case r.DigestRule:
		return DigestLine
	case r.Mode == Drop:
		return Skip
	}
	return FollowUp
}

// OnUpdateThread is the rule setting (on_update) that tells an edit of an
// alerted item under its alerts.
const OnUpdateThread = "thread"

// Edit is an edit of an alerted item, for one of its alerts: what Updates
// looks at.
type Edit struct {
	// Mode is the alert's notifier's.
	Mode Mode
	// OnUpdate is the rule's on_update setting.
	OnUpdate string
	// DigestRule: the alert waits for (or went in) a digest.
	DigestRule bool
}

// Updates reports whether edit e queues an update of the alert.
func Updates(e Edit) bool {
	return e.OnUpdate == OnUpdateThread && !e.DigestRule && e.Mode != Drop
}

// MaxDelay caps the growing wait between two follow-ups of one alert.
const MaxDelay = 6 * time.Hour

// History is how an alert has been followed up so far.
type History struct {
	// NextDue is when its follow-ups still queued are due; zero when none
	// is queued.
	NextDue time.Time
	// Sent counts its follow-up messages sent.
	Sent int
}

// Due returns when a follow-up of an alert with history h, queued at now,
// is due: with the follow-ups of it still waiting when they are not due
// yet (one batch); else delay after now, doubled for each batch already
// sent or being sent (those due already), up to MaxDelay. A delay of zero
// or less sends each at once.
func Due(delay time.Duration, h History, now time.Time) time.Time {
	if delay <= 0 {
		return now
	}
	if h.NextDue.After(now) {
		return h.NextDue
	}
	n := h.Sent
	if !h.NextDue.IsZero() {
		n++ // due already: being sent
	}
	for range n {
		if delay >= MaxDelay {
			break
		}
		delay *= 2
	}
	return now.Add(min(delay, MaxDelay))
}

// Threaded reports whether a follow-up at a notifier of mode m replies in
// the thread of its first alert's message, whose ID at the destination
// (its Slack ts) is parentMessage, "" when it has none.
func Threaded(m Mode, parentMessage string) bool {
	return m == Thread && parentMessage != ""
}

// Broadcast reports whether a reply in an alert's thread (a follow-up or
// an update) is also sent to the channel (Slack's reply_broadcast): as
// the rule says when it says (rule not nil), else as the notifier says,
// else when the rule is high severity: a denial or a reversal of a story
// that matters is seen in the channel, not buried in a thread.
func Broadcast(rule, notifier *bool, high bool) bool {
	switch {
	case rule != nil:
		return *rule
	case notifier != nil:
		return *notifier
	}
	return high
}

// BatchKey is what the due follow-ups of one destination sent in one
// message share:
//
//   - a report in a thread: the message it replies under (parentMessage:
//     its first alert's message, channel and ts), which the first alerts
//     of several rules share when they went out as one message: one reply
//     tells the report for all of them;
//   - a report outside a thread: nothing more: the due reports of a
//     destination go out as one message, whatever their rules;
//   - an update: its item (one edit is one update for every rule that
//     alerted the item) and, in a thread, the message it replies under; an
//     update of an item that is gone (0) is told alone ("").
func BatchKey(update, threaded bool, parentMessage string, item int64) string {
	switch {
	case update && item == 0:
		return ""
	case update && threaded:
		return fmt.Sprintf("update\x00%d\x00%s", item, parentMessage)
	case update:
		return fmt.Sprintf("update\x00%d", item)
	case threaded:
		return "thread\x00" + parentMessage
	}
	return "reports"
}
