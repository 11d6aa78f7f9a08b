package model

import "time"

// AlertStatus is where an alert is in its delivery.
type AlertStatus string

// The statuses of an alert. An alert is written queued, and becomes delivered
// once its notifier succeeded or dead when it gave up; a dead alert can be
// queued again with store.Store.Requeue.
const (
	StatusQueued    AlertStatus = "queued"
	StatusDelivered AlertStatus = "delivered"
	StatusDead      AlertStatus = "dead"
)

// AlertKind says what an alert tells about its story.
type AlertKind string

// The kinds of alert. A rule alerts once per story and notifier (KindAlert);
// later items of the story and edits of an alerted item follow that alert
// up (they have a ParentID).
const (
	// KindAlert is the first alert of a rule for a story.
	KindAlert AlertKind = "alert"
	// KindAlso is a later item of a story a rule already alerted: another
	// outlet's report, sent as a reply under the parent alert.
	KindAlso AlertKind = "also"
	// KindUpdate is an edit of an alerted item (same identity, changed
	// title or text), for rules that ask for it.
	KindUpdate AlertKind = "update"
)

// Alert is one message owed to one notifier because a rule matched an item
// (or a feed's health changed): the monitor queues it in the store's
// outbox, the dispatcher sends it and records how that went, and it stays
// as history afterwards. The dispatcher hands a notifier its alerts as a
// notify.Message.
type Alert struct {
	ID     int64
	ItemID int64 // 0 once the item row is gone

	// Kind is KindAlert when empty at store.Tx.Enqueue.
	Kind AlertKind
	// StoryID is the story of the item, 0 when unknown.
	StoryID int64
	// ParentID is, for KindAlso and KindUpdate, the KindAlert alert they
	// follow up; 0 otherwise.
	ParentID int64

	Rule     string
	Notifier string
	Channel  string // "" means the notifier's default
	Severity string

	// A snapshot for rendering, kept even after the item's text is pruned.
	Title       string
	Link        string
	Feed        string // the feed's name
	Summary     string
	Description string // the rule's description
	Published   time.Time
	Hits        []Hit // stored as JSON; empty reads back as nil

	// Digest is true when the alert waits for its rule's digest instead of
	// being sent alone: the store's DueAlerts never returns it, PendingDigest
	// does.
	Digest bool

	Status   AlertStatus
	Attempts int // failed delivery attempts
	// NextAttemptAt is when a queued alert is due; Enqueue sets it to
	// CreatedAt when zero.
	NextAttemptAt time.Time
	CreatedAt     time.Time
	// QueuedAt is when the alert became due to be sent: its first due time
	// (NextAttemptAt at Enqueue), or when Requeue queued it again. A
	// delivery deadline (max_age) counts from it.
	QueuedAt    time.Time
	DeliveredAt time.Time
	// DeadAt is when the alert became dead; zero unless Status is dead.
	DeadAt    time.Time
	LastError string

	// RemoteID and RemoteChannel identify the delivered message (for Slack,
	// its ts and channel id), so later messages can thread under it.
	RemoteID      string
	RemoteChannel string

	// SilenceID is the silence (a mute or a snooze set from Slack, see
	// package silence) that took the alert out of the normal way: for a
	// delivered alert, the mute that settled it without sending it
	// (RemoteID is then ""); for a queued one, the snooze that held it
	// back, until which it is not due. 0 for none.
	SilenceID int64

	// Parent is, for an alert with a ParentID, where the parent alert is:
	// its status and, once delivered, its message. Read only.
	Parent *ParentState
}

// ParentState is where an alert's parent is in its delivery.
type ParentState struct {
	Status        AlertStatus
	Title         string // the parent's title: what a follow-up follows up
	RemoteID      string // the parent's message: reply in its thread
	RemoteChannel string
}
