package notify

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// Planning: what the Dispatcher sends, decided by pure functions of the
// alerts it read and of its settings, apart from the workers that send.
//
//   - planJobs turns the due alerts of one read of the outbox into jobs,
//     each for one destination: the alerts of one article (one rule's, or
//     those of every rule that matched it and sends there: one message),
//     or the follow-ups that go out together (package followup decides
//     how); and the alerts it gives up (an unknown notifier, a follow-up
//     of a dead letter).
//   - digestDue says when a rule's digest is due, and planDigest turns
//     the alerts it collected into one digest job per destination.
//   - foldHead folds a burst of one rule's alerts waiting at a
//     destination into a summary, when the burst reaches the head of its
//     queue; splitHead divides a summary or digest too big for one
//     message of its notifier.
//
// The workers (destination.go) send the jobs in their order, paced, with
// retries; the runner (runner.go) reads the outbox and applies the plans.

// policy is what planning knows of the Dispatcher: its notifiers by name,
// and the rules that say whether their replies are broadcast.
type policy struct {
	notifiers map[string]*Settings
	// broadcast holds the reply_broadcast of the rules that set it.
	broadcast map[string]bool
}

// broadcasts reports whether a's reply in its alert's thread, at a
// notifier of settings s, is also sent to the channel (followup.Broadcast).
func (p policy) broadcasts(a *model.Alert, s *Settings) bool {
	var rule *bool
	if v, ok := p.broadcast[a.Rule]; ok {
		rule = &v
	}
	return followup.Broadcast(rule, s.ReplyBroadcast, a.Severity == string(rules.SeverityHigh))
}

// destKey names a destination: a notifier and, for notifiers that choose
// a channel per message (ChannelResolver), the channel.
type destKey struct {
	notifier, channel string
}

// destination returns the destination of alert a and its notifier's
// settings, or false when a's notifier is not configured.
func (p policy) destination(a *model.Alert) (destKey, *Settings, bool) {
	s := p.notifiers[a.Notifier]
	if s == nil {
		return destKey{}, nil, false
	}
	key := destKey{notifier: a.Notifier}
	if cr, ok := s.Notifier.(ChannelResolver); ok {
		key.channel = cr.ResolveChannel(a.Channel)
	}
	return key, s, true
}

// deadLetter is an alert planning gives up on, and why.
type deadLetter struct {
	alert  *model.Alert
	reason string  // for the store and the log
	why    Outcome // for metrics (Reason: "unknown_notifier", "parent_dead")
}

// plan is what planning decided: jobs, in the order each destination is
// to send them, and alerts given up.
type plan struct {
	jobs []*job
	dead []deadLetter
}

// giveUp adds a dead letter for a, of destination dest, of kind.
func (pl *plan) giveUp(a *model.Alert, dest destKey, kind Kind, reason, why string) {
	pl.dead = append(pl.dead, deadLetter{alert: a, reason: reason,
		why: Outcome{Notifier: a.Notifier, Channel: dest.channel, Rule: a.Rule, Kind: kind, Alerts: 1, Result: ResultDead, Reason: why}})
}

// unknownNotifier gives up a, whose notifier is not configured.
func (pl *plan) unknownNotifier(a *model.Alert) {
	pl.giveUp(a, destKey{}, KindAlert, fmt.Sprintf("unknown notifier %q (not in the configuration)", a.Notifier), "unknown_notifier")
}

// planJobs plans the due alerts of one read of the outbox, oldest first:
// one job per item and destination for the first alerts of its story,
// which holds the alerts of every rule that matched the item and sends
// there (one message lists them all); the follow-ups (later reports of a
// story, edits) of one destination that package followup batches
// together, which share one job (one reply under a message for all the
// rules it alerted); and the alerts a snooze held back (they carry its
// SilenceID) that are due again, which go out as one summary per rule and
// destination. Each job takes the place of its first alert. A follow-up
// whose parent is a dead letter is given up, and so is an alert of a
// notifier that is not configured.
func planJobs(alerts []*model.Alert, p policy) plan {
	pl := plan{jobs: make([]*job, 0, len(alerts))}
	batches := map[destKey]map[string]*job{}
	items := map[destKey]map[int64]*job{} // first alerts, by item
	held := map[destKey]map[string]*job{} // summaries of what snoozes held, by rule
	for _, a := range alerts {
		dest, s, ok := p.destination(a)
		if !ok {
			pl.unknownNotifier(a)
			continue
		}
		if a.SilenceID != 0 {
			if j := held[dest][a.Rule]; j != nil {
				j.add(a, queuedSince(a))
				continue
			}
			j := &job{kind: KindSummary, rule: a.Rule, dest: dest, alerts: []*model.Alert{a},
				since: []time.Time{queuedSince(a)}, silenceID: a.SilenceID}
			setJob(held, dest, a.Rule, j)
			pl.jobs = append(pl.jobs, j)
			continue
		}
		kind := followUpKind(a)
		if kind == "" {
			if j := items[dest][a.ItemID]; a.ItemID != 0 && j != nil {
				j.add(a, queuedSince(a))
				continue
			}
			j := &job{kind: KindAlert, rule: a.Rule, dest: dest, alerts: []*model.Alert{a}, since: []time.Time{queuedSince(a)}}
			if a.ItemID != 0 {
				setJob(items, dest, a.ItemID, j)
			}
			pl.jobs = append(pl.jobs, j)
			continue
		}
		if a.Parent != nil && a.Parent.Status == model.StatusDead {
			pl.giveUp(a, dest, kind, fmt.Sprintf("the alert it follows up (%d) is a dead letter; `newswatch alerts retry` queues both", a.ParentID), "parent_dead")
			continue
		}
		threaded := a.Parent != nil && followup.Threaded(s.StoryUpdates, a.Parent.RemoteID)
		var parentMessage string
		if threaded {
			parentMessage = a.Parent.RemoteChannel + " " + a.Parent.RemoteID
		}
		key := followup.BatchKey(kind == KindUpdate, threaded, parentMessage, a.ItemID)
		broadcast := threaded && p.broadcasts(a, s)
		if j := batches[dest][key]; key != "" && j != nil {
			j.add(a, queuedSince(a))
			j.broadcast = j.broadcast || broadcast
			continue
		}
		j := &job{kind: kind, rule: a.Rule, dest: dest, alerts: []*model.Alert{a}, since: []time.Time{queuedSince(a)},
			threaded: threaded, broadcast: broadcast}
		if key != "" {
			setJob(batches, dest, key, j)
		}
		pl.jobs = append(pl.jobs, j)
	}
	return pl
}

// setJob files j under dest and key in jobs.
func setJob[K comparable](jobs map[destKey]map[K]*job, dest destKey, key K, j *job) {
	if jobs[dest] == nil {
		jobs[dest] = map[K]*job{}
	}
	jobs[dest][key] = j
}

// cutAtItem returns due, a full read of the outbox (its limit reached),
// without the first alerts of its last item at its end, and the cursor to
// read on from, before them: the next read brings them with the item's
// alerts that this one did not reach, and planJobs makes them one
// message. A read that is all one item's is left whole.
func cutAtItem(due []*model.Alert, next int64) ([]*model.Alert, int64) {
	last := due[len(due)-1]
	sameItem := func(a *model.Alert) bool { return a.ItemID == last.ItemID && followUpKind(a) == "" && a.SilenceID == 0 }
	if last.ItemID == 0 || !sameItem(last) {
		return due, next
	}
	i := len(due) - 1
	for i > 0 && sameItem(due[i-1]) {
		i--
	}
	if i == 0 {
		return due, next
	}
	return due[:i], due[i].ID - 1
}

// followUpKind is the message kind of a follow-up alert, or "" for another.
func followUpKind(a *model.Alert) Kind {
	switch a.Kind {
	case model.KindAlso:
		return KindAlso
	case model.KindUpdate:
		return KindUpdate
	}
	return ""
}

// digestDue is when the digest of alerts (waiting for it, none of them
// sent) is due: at the first time sched gives after the oldest of them
// was written, in loc when sched has no CRON_TZ; at now for a rule that
// has no schedule (any more), so that what waits goes out at once.
func digestDue(alerts []*model.Alert, sched cron.Schedule, loc *time.Location, now time.Time) time.Time {
	if sched == nil {
		return now.Round(0) // a wall time, as every other time MaxAge counts from (the store's)
	}
	oldest := alerts[0].CreatedAt
	for _, a := range alerts[1:] {
		if a.CreatedAt.Before(oldest) {
			oldest = a.CreatedAt
		}
	}
	return sched.Next(oldest.In(loc))
}

// planDigest plans rule's digest, due at due: one job per destination with
// every alert the digest collected for it, in the order of alerts, their
// MaxAge counted from due. Alerts of a notifier that is not configured are
// given up.
func planDigest(rule string, alerts []*model.Alert, due time.Time, p policy) plan {
	var pl plan
	jobs := map[destKey]*job{}
	for _, a := range alerts {
		dest, _, ok := p.destination(a)
		if !ok {
			pl.unknownNotifier(a)
			continue
		}
		j := jobs[dest]
		if j == nil {
			j = &job{kind: KindDigest, rule: rule, dest: dest}
			jobs[dest] = j
			pl.jobs = append(pl.jobs, j)
		}
		j.alerts = append(j.alerts, a)
		j.since = append(j.since, due)
	}
	return pl
}

// foldHead folds the alerts of one rule waiting in queue into a summary
// when queue's head is an alert of that rule (the rule it is known by) and
// the queue holds more than threshold alerts of it (negative: never): a
// restart after an outage, or a new feed's backlog, then brings one "50
// new matches for rule X" message instead of fifty. Folding is per rule:
// from an alert of several rules (an item that matched them all), the
// summary takes the rule's alert, and the others stay in the alert's
// place, to be sent, or folded for their own rule, in turn. The summary
// takes the head's place (what is left of the head right behind it); the
// rule's other alerts leave their places in the queue behind it. It
// returns the queue, which may reuse queue's array, and the summary, or
// nil when nothing was folded.
func foldHead(queue []*job, threshold int) ([]*job, *job) {
	head := queue[0]
	if threshold < 0 || head.kind != KindAlert {
		return queue, nil
	}
	rule := head.rule
	n := 0
	for _, j := range queue {
		if j.kind == KindAlert && j.has(rule) {
			n++
		}
	}
	if n <= threshold {
		return queue, nil
	}
	summary := &job{kind: KindSummary, rule: rule, dest: head.dest}
	rest := make([]*job, 1, len(queue)-n+2)
	for _, j := range queue {
		if j.kind != KindAlert || !j.has(rule) {
			rest = append(rest, j)
			continue
		}
		if left := j.take(rule, summary); left != nil {
			rest = append(rest, left)
		}
	}
	rest[0] = summary
	clear(queue)
	return rest, summary
}

// splitJob divides j, a summary or digest, into the parts sp makes of its
// message when it is too big for one; it returns nil when j goes whole.
// Each part keeps its alerts' due times, j's digest and j's snooze.
func splitJob(j *job, sp Splitter) []*job {
	msgs := sp.Split(j.message())
	if len(msgs) < 2 {
		return nil
	}
	byID := make(map[int64]int, len(j.alerts))
	for i, a := range j.alerts {
		byID[a.ID] = i
	}
	parts := make([]*job, len(msgs))
	for p, m := range msgs {
		part := &job{kind: j.kind, rule: j.rule, dest: j.dest, part: m.Part, parts: m.Parts, id: m.ID, digest: j.digest,
			silenceID: j.silenceID, snooze: j.snooze}
		for _, e := range m.Entries {
			i := byID[e.AlertID]
			part.alerts = append(part.alerts, j.alerts[i])
			part.since = append(part.since, j.since[i])
		}
		parts[p] = part
	}
	return parts
}
