package notify

import (
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/store"
)

// Follow-ups: later reports of a story a rule already alerted (KindAlso)
// and edits of an alerted item (KindUpdate), as package followup decides
// them. The store holds one until its parent is delivered; then the
// follow-ups of a destination due together are sent as followup.Threaded
// and followup.BatchKey say.

// followUpKind is the message kind of a follow-up alert, or "" for another.
func followUpKind(a *store.Alert) Kind {
	switch a.Kind {
	case store.KindAlso:
		return KindAlso
	case store.KindUpdate:
		return KindUpdate
	}
	return ""
}

// threaded reports whether follow-up a of destination ds replies in its
// parent's thread (see followup.Threaded).
func (ds *destination) threaded(a *store.Alert) bool {
	return a.Parent != nil && followup.Threaded(ds.updates, a.Parent.RemoteID)
}

// followUp adds the due follow-up a, of destination ds, to the jobs of a
// fill: to the job of the same batch when there is one (groups, by batch
// key), else as a new job appended to jobs. It returns false when a is not
// to be sent: its parent is a dead letter, and so a is now one too.
func (r *runner) followUp(ds *destination, a *store.Alert, kind Kind, jobs *[]*job, groups map[string]*job) bool {
	d := r.d
	if a.Parent != nil && a.Parent.Status == store.StatusDead {
		reason := fmt.Sprintf("the alert it follows up (%d) is a dead letter; `newswatch alerts retry` queues both", a.ParentID)
		d.markDead(r, []*store.Alert{a}, reason)
		d.outcome(Outcome{Notifier: a.Notifier, Channel: ds.channel, Rule: a.Rule, Kind: kind, Alerts: 1, Result: ResultDead, Reason: "parent_dead"})
		r.release([]*store.Alert{a}, 1)
		return false
	}
	threaded := ds.threaded(a)
	key := followup.BatchKey(kind == KindUpdate, threaded, a.ParentID, a.Rule)
	if j := groups[key]; key != "" && j != nil {
		j.alerts = append(j.alerts, a)
		j.since = append(j.since, queuedSince(a))
		return true
	}
	j := &job{kind: kind, rule: a.Rule, alerts: []*store.Alert{a}, since: []time.Time{queuedSince(a)}, threaded: threaded}
	if key != "" {
		groups[key] = j
	}
	*jobs = append(*jobs, j)
	return true
}

// followUpMessage completes m, the message of follow-up job j: in the
// parent's thread when j is threaded, and naming what it follows up.
func (j *job) followUpMessage(m *Message) {
	first := j.alerts[0]
	if j.threaded {
		m.ThreadTS = first.Parent.RemoteID
		if first.Parent.RemoteChannel != "" {
			m.Channel = first.Parent.RemoteChannel
		}
	}
	for i, a := range j.alerts {
		if a.Parent != nil {
			m.Entries[i].Parent = a.Parent.Title
		}
	}
}
