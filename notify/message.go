package notify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// Kind says what a Message carries.
type Kind string

// The kinds of message.
const (
	// KindAlert is one item that matched: the first alert of its story
	// for one rule, or for each of the rules that matched it and send to
	// the same destination (one entry per rule, all of the one item).
	KindAlert Kind = "alert"
	// KindSummary folds a burst of alerts of one rule for one destination
	// (more than the fold threshold queued at once) into one message.
	KindSummary Kind = "summary"
	// KindDigest is a rule's scheduled digest of its matches.
	KindDigest Kind = "digest"
	// KindAlso is later reports of stories already alerted ("Also
	// reported by"): a reply in the alert's thread (ThreadTS), one for
	// every rule whose first alert was that message, or, where there are
	// no threads, one follow-up message per destination (see package
	// followup).
	KindAlso Kind = "also"
	// KindUpdate is an edit of an alerted item, for rules with on_update =
	// "thread": a reply in the alert's thread, or a message of its own.
	KindUpdate Kind = "update"
	// KindHealth is feed-health alerts (HealthRule): one, or a burst of
	// them folded into one message.
	KindHealth Kind = "feed_health"
)

// Message is what a Notifier sends: one alert (an item, for every rule
// that matched it and sends here), a folded summary or a digest of one
// rule, or follow-ups. Its text fields come from feeds and are untrusted; every
// notifier escapes them for its medium. It is the notifiers' edge: the
// dispatcher builds it from the alerts (model.Alert) it delivers, so that
// a notifier sees what to render and nothing of the outbox's delivery
// state.
type Message struct {
	Kind Kind
	// ID identifies the delivery: the same on every retry of the same
	// alerts, so that a receiver can drop the duplicate that a crash between
	// sending and recording can cause (see Dispatcher).
	ID string
	// Rule, RuleDescription and Severity are those of Rules[0]: the rule
	// of the highest severity among those the message speaks for.
	Rule            string
	RuleDescription string
	Severity        string // rules.Severity: "info", "notice", "high"; "" means info
	// Rules are the rules the message speaks for, each once, the highest
	// severity first (then in the order their alerts were written). A
	// summary or digest has one; an alert has one for each rule that
	// matched its item and sends to this destination, as follow-ups have
	// one for each rule they follow up. It is never empty.
	Rules []RuleRef
	// Channel overrides the notifier's default channel when not empty.
	Channel string
	// ThreadTS, when set, posts the message as a reply in the thread of the
	// Slack message with that ts (Slack bot notifiers only; others ignore
	// it).
	ThreadTS string
	// Broadcast, with ThreadTS, also shows the reply in the channel
	// (Slack's reply_broadcast), for later reports a reader must not miss.
	Broadcast bool
	// Entries are the alerts the message is about: for KindAlert, one
	// per rule (the same item each time, in the order of Rules); most
	// recent first for summaries and digests. Articles collapses the
	// entries of one item into one.
	Entries []Entry
	// Part and Parts number the messages a long summary or digest was split
	// into (1-based); both are 0 when it was not split.
	Part, Parts int
	// Snooze is, on a summary of the alerts a snooze held back (KindSummary),
	// that snooze; nil otherwise.
	Snooze *Snooze
}

// RuleRef is a rule as a message names it.
type RuleRef struct {
	Name        string
	Description string
	Severity    string // "" means info
}

// Snooze is a rule snoozed at a destination, as a summary of what it held
// back tells it.
type Snooze struct {
	// By is who snoozed the rule, as people read it ("@alice"); ByID is
	// who as the destination knows them (a Slack user ID), "" when unknown.
	By   string
	ByID string
	// From is when the snooze began; Until is when it ended: its end, or
	// when it was removed.
	From, Until time.Time
}

// Entry is one alert as a message shows it: the alert's snapshot of its
// item and rule, with what rendering derives from the outbox (the story as
// a key to group by, the title of the alert a follow-up follows up), and
// without its delivery state (status, attempts, the remote message).
type Entry struct {
	AlertID int64
	ItemID  int64
	// Rule is the rule of the entry's alert.
	Rule  string
	Title string
	Link  string
	Feed  string // the feed's configured name
	// Summary is plain text: the item's summary with its HTML stripped
	// and its character references decoded, once, when the alert was
	// queued (a feed-health alert's details are written plain). It is
	// never read as HTML again, so that a feed's escaped "&lt;iframe&gt;"
	// reaches the reader as "<iframe>", not as a tag to drop.
	Summary   string
	Published time.Time
	// Seen is when newswatch recorded the alert; it orders entries whose
	// item has no date.
	Seen time.Time
	Hits []model.Hit
	// Story identifies the story the item belongs to, when stories are
	// known: entries of one story are shown together.
	Story string
	// Severity is the alert's own severity (its rule's); it differs from
	// the message's in a folded message of feed-health alerts (problems
	// and recoveries), and for the lower rules of an alert of several.
	Severity string
	// Parent is, for a follow-up (KindAlso, KindUpdate), the title of the
	// alert it follows up.
	Parent string
}

// When returns the entry's publication time, or when it was seen for an
// undated item.
func (e *Entry) When() time.Time {
	if !e.Published.IsZero() {
		return e.Published
	}
	return e.Seen
}

// AlertIDs returns the alert IDs of m's entries.
func (m *Message) AlertIDs() []int64 {
	ids := make([]int64, len(m.Entries))
	for i := range m.Entries {
		ids[i] = m.Entries[i].AlertID
	}
	return ids
}

// Split returns m divided into one message for each of parts (the
// entries of m, in the order the parts are to be sent), numbered 1 to
// len(parts), each with a delivery ID of its own; or m itself when there
// are fewer than two parts. Splitters build their answer with it.
func (m *Message) Split(parts [][]Entry) []*Message {
	if len(parts) < 2 {
		return []*Message{m}
	}
	out := make([]*Message, len(parts))
	for i, p := range parts {
		part := *m
		part.Entries = p
		part.Part, part.Parts = i+1, len(parts)
		part.ID = fmt.Sprintf("%s-%d", deliveryID(m.Kind, part.AlertIDs()), i+1)
		out[i] = &part
	}
	return out
}

// deliveryID derives a Message.ID from the kind and the alert IDs it
// carries: stable across retries and restarts, different for different sets.
func deliveryID(kind Kind, ids []int64) string {
	ids = slices.Sorted(slices.Values(ids))
	if kind == KindAlert && len(ids) == 1 {
		return "alert-" + strconv.FormatInt(ids[0], 10)
	}
	h := sha256.New()
	h.Write([]byte(kind))
	var buf [8]byte
	for _, id := range ids {
		binary.BigEndian.PutUint64(buf[:], uint64(id))
		h.Write(buf[:])
	}
	return string(kind) + "-" + hex.EncodeToString(h.Sum(nil)[:12])
}
