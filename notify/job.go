package notify

import (
	"slices"
	"strconv"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// queuedSince is the time an alert's MaxAge counts from: when it became due
// to be sent (model.Alert.QueuedAt: its first due time, or when `alerts
// retry` requeued it), else when it was written.
func queuedSince(a *model.Alert) time.Time {
	if !a.QueuedAt.IsZero() {
		return a.QueuedAt
	}
	return a.CreatedAt
}

// job is one message to send: an alert (of one item, for each rule that
// matched it), a folded summary, a digest (or one part of a split one), or
// follow-ups.
type job struct {
	kind Kind
	// rule is the rule the job is known by in logs and metrics: of a job
	// of several rules' alerts, the one of the highest severity (rulesOf).
	rule   string
	dest   destKey
	alerts []*model.Alert
	// since holds, for each alert, when its MaxAge starts: when it was
	// queued, or, in a digest, when the digest was due.
	since       []time.Time
	part, parts int    // parts is 0 until split looked at it, then 1 or the number of parts
	id          string // message ID once fixed (split parts)
	digest      *digestState
	// threaded: a follow-up that replies in its parent's thread;
	// broadcast: a reply also sent to the channel.
	threaded, broadcast bool
	// light: the text of the alerts was dropped (see wholeJobs) and must be
	// read again before a message is built.
	light bool
	// silenceID is, for a summary of what a snooze held back, the ID of
	// that snooze; snooze is that snooze as the message tells it (read by
	// the runner when it queues the job).
	silenceID int64
	snooze    *Snooze
}

// lighten drops the text of j's alerts, which the outbox keeps, leaving
// what the queue needs: IDs, rule, kind, story, parent, due times, errors.
// A digest is left whole (its alerts wait in their digest state).
func (j *job) lighten() {
	if j.light || j.digest != nil || j.kind == KindDigest {
		return
	}
	for _, a := range j.alerts {
		a.Title, a.Link, a.Feed, a.Summary, a.Description, a.Hits = "", "", "", "", "", nil
	}
	j.light = true
}

// restore puts back the text of j's alerts from whole, their rows read
// again from the outbox, and reports the IDs it found no row for.
func (j *job) restore(whole []*model.Alert) (missing []int64) {
	byID := make(map[int64]*model.Alert, len(whole))
	for _, w := range whole {
		byID[w.ID] = w
	}
	for _, a := range j.alerts {
		w := byID[a.ID]
		if w == nil {
			missing = append(missing, a.ID)
			continue
		}
		a.Title, a.Link, a.Feed, a.Summary, a.Description, a.Hits = w.Title, w.Link, w.Feed, w.Summary, w.Description, w.Hits
	}
	return missing
}

// add adds alert a, whose MaxAge counts from since, to j, which is then
// known by the rule of the highest severity among its alerts.
func (j *job) add(a *model.Alert, since time.Time) {
	j.alerts = append(j.alerts, a)
	j.since = append(j.since, since)
	if a.Rule != j.rule {
		j.rule = primaryRule(j.alerts)
	}
}

// has reports whether j holds an alert of rule.
func (j *job) has(rule string) bool {
	return slices.ContainsFunc(j.alerts, func(a *model.Alert) bool { return a.Rule == rule })
}

// take moves j's alerts of rule, with their due times, to summary, and
// returns what is left of j, nil when nothing is.
func (j *job) take(rule string, summary *job) *job {
	summary.light = summary.light || j.light
	n := 0
	for i, a := range j.alerts {
		if a.Rule == rule {
			summary.alerts = append(summary.alerts, a)
			summary.since = append(summary.since, j.since[i])
			continue
		}
		j.alerts[n], j.since[n] = a, j.since[i]
		n++
	}
	if n == 0 {
		return nil
	}
	j.keep(n)
	return j
}

// keep keeps the first n of j's alerts, which it holds fewer of: a
// different set of alerts, a different delivery, known by its own rule.
func (j *job) keep(n int) {
	clear(j.alerts[n:])
	j.alerts, j.since = j.alerts[:n], j.since[:n]
	j.id = ""
	if n > 0 && j.kind != KindDigest {
		j.rule = primaryRule(j.alerts)
	}
}

func (j *job) ids() []int64 {
	ids := make([]int64, len(j.alerts))
	for i, a := range j.alerts {
		ids[i] = a.ID
	}
	return ids
}

// message builds the Message of j.
func (j *job) message() *Message {
	rules := rulesOf(j.alerts)
	m := &Message{
		Kind:            j.kind,
		Rule:            rules[0].Name,
		RuleDescription: rules[0].Description,
		Severity:        rules[0].Severity,
		Rules:           rules,
		Entries:         make([]Entry, len(j.alerts)),
	}
	if j.parts > 1 {
		m.Part, m.Parts = j.part, j.parts
	}
	m.Snooze = j.snooze
	for i, a := range j.alerts {
		m.Entries[i] = Entry{
			AlertID: a.ID, ItemID: a.ItemID, Rule: a.Rule,
			Title: a.Title, Link: a.Link, Feed: a.Feed, Summary: a.Summary,
			Published: a.Published, Seen: a.CreatedAt, Hits: a.Hits,
			Severity: a.Severity,
		}
		if a.StoryID != 0 {
			m.Entries[i].Story = strconv.FormatInt(a.StoryID, 10)
		}
	}
	if j.kind == KindAlert {
		// The entries of one item, in the order of its rules.
		rank := make(map[string]int, len(rules))
		for i, r := range rules {
			rank[r.Name] = i
		}
		slices.SortStableFunc(m.Entries, func(a, b Entry) int { return rank[a.Rule] - rank[b.Rule] })
	}
	for _, a := range j.alerts {
		if a.Rule == m.Rule {
			m.Channel = a.Channel
			break
		}
	}
	if j.kind == KindAlso || j.kind == KindUpdate {
		j.followUpMessage(m)
	}
	m.Kind = healthKind(m.Rule, m.Kind)
	if j.kind != KindAlert {
		sortNewestFirst(m.Entries)
	}
	m.ID = j.id
	if m.ID == "" {
		m.ID = deliveryID(j.kind, m.AlertIDs())
	}
	return m
}

// rulesOf returns the rules of alerts, each once with the severity and
// description of its first alert, the highest severity first, then in
// the order of their first alert.
func rulesOf(alerts []*model.Alert) []RuleRef {
	var out []RuleRef
	for _, a := range alerts {
		if !slices.ContainsFunc(out, func(r RuleRef) bool { return r.Name == a.Rule }) {
			out = append(out, RuleRef{Name: a.Rule, Description: a.Description, Severity: a.Severity})
		}
	}
	slices.SortStableFunc(out, func(a, b RuleRef) int { return severityRank(b.Severity) - severityRank(a.Severity) })
	return out
}

// primaryRule is the rule a job of alerts is known by in logs and
// metrics: the first of rulesOf.
func primaryRule(alerts []*model.Alert) string {
	return rulesOf(alerts)[0].Name
}

// sortNewestFirst orders entries most recent first (see newer).
func sortNewestFirst(entries []Entry) {
	slices.SortStableFunc(entries, func(a, b Entry) int {
		switch {
		case newer(&a, &b):
			return -1
		case newer(&b, &a):
			return 1
		}
		return 0
	})
}

// followUpMessage completes m, the message of follow-up job j: in the
// parent's thread when j is threaded, and naming what it follows up.
func (j *job) followUpMessage(m *Message) {
	first := j.alerts[0]
	if j.threaded {
		m.ThreadTS, m.Broadcast = first.Parent.RemoteID, j.broadcast
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
