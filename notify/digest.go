package notify

import (
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/rules"
)

// A rule with a digest schedule (a cron spec, as robfig/cron/v3 parses it
// with descriptors such as @daily and an optional CRON_TZ= prefix) has its
// alerts written as digest alerts, which wait in the outbox. A digest is due
// at the first scheduled time after its oldest waiting alert was written; it
// then goes out as one message per destination with every alert waiting for
// it, grouped by story and most recent first, split over several messages
// only when one cannot hold them. Nothing waiting, nothing sent. Because the
// due time follows from the outbox alone, a digest missed while newswatch
// was stopped goes out as soon as it runs again, and one that failed is
// retried like any message. MaxAge counts from the time a digest was due,
// so that a weekly digest's alerts do not expire for waiting.
//
// Alerts waiting for a digest that their rule no longer has (the schedule
// was removed from the rule file) are sent at once, as one digest.

// digestState follows one rule's digest.
type digestState struct {
	spec      string
	sched     cron.Schedule // nil: the rule has no digest (any more)
	bad       bool          // spec does not parse
	nextCheck time.Time     // when to read its pending alerts again; zero: at the next fill
	inflight  int           // its digest jobs not yet ended
}

// fillDigests queues the digests that are due at now and returns how many
// alerts they carry.
func (r *runner) fillDigests(now time.Time) int {
	d := r.d
	if d.Rules == nil || r.ctx.Err() != nil {
		return 0
	}
	// The rules to look at now; of them, only those with alerts waiting
	// are read (collectDigest), the others are looked at again after
	// digestRefresh. One read says which have alerts waiting: most rules
	// have none, and a read for each rule (1,000 rules, 1,000 queries every
	// digestRefresh) was a tenth of the daemon's CPU between polls.
	var look []*rules.Rule
	var states []*digestState
	for _, rule := range d.Rules() {
		if rule == nil || rule.Name == "" {
			continue
		}
		r.mu.Lock()
		st := r.digests[rule.Name]
		if st == nil {
			st = &digestState{}
			r.digests[rule.Name] = st
		}
		if st.spec != rule.Digest {
			st.spec, st.sched, st.bad, st.nextCheck = rule.Digest, nil, false, time.Time{}
			if rule.Digest != "" {
				sched, err := rule.DigestSchedule()
				if err != nil {
					st.bad = true
					d.log().Error("notify: invalid digest schedule; its alerts wait until it is fixed",
						"rule", rule.Name, "digest", rule.Digest, "error", err)
				} else {
					st.sched = sched
				}
			}
		}
		skip := st.bad || st.inflight > 0 || now.Before(st.nextCheck)
		r.mu.Unlock()
		if !skip {
			look, states = append(look, rule), append(states, st)
		}
	}
	if len(look) == 0 {
		return 0
	}
	names, err := d.Store.DigestRules(r.ctx)
	if err != nil && r.ctx.Err() == nil {
		d.log().Warn("notify: read the rules with pending digests", "error", err)
	}
	waiting := make(map[string]bool, len(names))
	for _, name := range names {
		waiting[name] = true
	}
	queued := 0
	for i, rule := range look {
		if err == nil && waiting[rule.Name] {
			queued += r.collectDigest(rule.Name, states[i], now)
			continue
		}
		r.mu.Lock()
		states[i].nextCheck = now.Add(digestRefresh)
		r.mu.Unlock()
	}
	return queued
}

// collectDigest queues rule's digest when it is due, and otherwise notes
// when to look again.
func (r *runner) collectDigest(rule string, st *digestState, now time.Time) int {
	d := r.d
	later := func(t time.Time) {
		r.mu.Lock()
		st.nextCheck = t
		r.mu.Unlock()
	}
	pending, err := d.Store.PendingDigest(r.ctx, rule)
	if err != nil {
		if r.ctx.Err() == nil {
			d.log().Warn("notify: read pending digest", "rule", rule, "error", err)
		}
		later(now.Add(digestRefresh))
		return 0
	}
	r.mu.Lock()
	waiting := pending[:0]
	for _, a := range pending {
		if !r.held[a.ID] && !r.ended(a.ID) {
			waiting = append(waiting, a)
		}
	}
	r.mu.Unlock()
	if len(waiting) == 0 {
		later(now.Add(digestRefresh))
		return 0
	}
	due := digestDue(waiting, st.sched, d.location(), now)
	if due.After(now) {
		later(earliest(due, now.Add(digestRefresh)))
		return 0
	}

	r.mu.Lock()
	for _, a := range waiting {
		r.held[a.ID] = true
	}
	r.mu.Unlock()
	pl := planDigest(rule, waiting, due, r.policy())
	for _, j := range pl.jobs {
		j.digest = st
	}
	r.mu.Lock()
	st.inflight += len(pl.jobs)
	st.nextCheck = time.Time{}
	r.mu.Unlock()
	d.log().Info("notify: digest due", "rule", rule, "alerts", len(waiting), "destinations", len(pl.jobs), "due", due)
	r.apply(pl)
	return len(waiting)
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
