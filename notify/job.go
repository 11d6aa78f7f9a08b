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

// job is one message to send: a single alert, a folded summary, or a
// digest (or one part of a split one).
type job struct {
	kind   Kind
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

func (j *job) ids() []int64 {
	ids := make([]int64, len(j.alerts))
	for i, a := range j.alerts {
		ids[i] = a.ID
	}
	return ids
}

// message builds the Message of j.
func (j *job) message() *Message {
	first := j.alerts[0]
	m := &Message{
		Kind:            j.kind,
		Rule:            first.Rule,
		RuleDescription: first.Description,
		Severity:        first.Severity,
		Channel:         first.Channel,
		Entries:         make([]Entry, len(j.alerts)),
	}
	if j.parts > 1 {
		m.Part, m.Parts = j.part, j.parts
	}
	m.Snooze = j.snooze
	for i, a := range j.alerts {
		m.Entries[i] = Entry{
			AlertID: a.ID, ItemID: a.ItemID,
			Title: a.Title, Link: a.Link, Feed: a.Feed, Summary: a.Summary,
			Published: a.Published, Seen: a.CreatedAt, Hits: a.Hits,
			Severity: a.Severity,
		}
		if a.StoryID != 0 {
			m.Entries[i].Story = strconv.FormatInt(a.StoryID, 10)
		}
	}
	if j.kind == KindAlso || j.kind == KindUpdate {
		j.followUpMessage(m)
	}
	m.Kind = healthKind(first.Rule, m.Kind)
	if j.kind != KindAlert {
		sortNewestFirst(m.Entries)
	}
	m.ID = j.id
	if m.ID == "" {
		m.ID = deliveryID(j.kind, m.AlertIDs())
	}
	return m
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
