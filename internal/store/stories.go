package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// Story is one news event as newswatch recognised it across feeds: the
// items that joined it (Item.StoryID) are its reports. A story outlives
// its items' text until retention removes it along with the last of them.
type Story struct {
	ID int64
	// Title and Link (canonical) are the first item's, kept to name the
	// story once item text is pruned.
	Title string
	Link  string
	// Items counts the items that joined, pruned ones included.
	Items int
	// CreatedAt is when the first item was seen; UpdatedAt when the last
	// one joined.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewStory records a new story and sets s.ID, and s.CreatedAt (when zero:
// now) and s.UpdatedAt (when zero: CreatedAt). Items join it with AddItem.
//
// A story is recorded with its first item counted, as a poll records
// each new story for the item it adds next: that item's AddItem has no
// count of its own to write. A story no item joined by Commit has the
// count taken back.
func (tx *Tx) NewStory(s *Story) error {
	created := s.CreatedAt
	if created.IsZero() {
		created = time.UnixMilli(tx.s.now().UnixMilli()).UTC()
	}
	updated := s.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	id, err := tx.insert(stmtNewStory, s.Title, s.Link, millis(created), millis(updated))
	if err != nil {
		return fmt.Errorf("store: new story: %w", err)
	}
	s.ID, s.CreatedAt, s.UpdatedAt = id, created, updated
	if tx.fresh == nil {
		tx.fresh = map[int64]freshStory{}
	}
	tx.fresh[id] = freshStory{updated: updated.UnixMilli(), unjoined: true}
	return nil
}

// freshStory is what a Tx knows of a story NewStory recorded in it.
type freshStory struct {
	updated  int64 // its updated_at
	unjoined bool  // no item joined it yet: its count holds one ahead
}

// newStorySQL records a story with one item, the first to join it,
// counted ahead.
const newStorySQL = `INSERT INTO stories (title, link, items, created_at, updated_at) VALUES (?, ?, 1, ?, ?)`

// newStoryPG is newStorySQL on PostgreSQL, which has no LastInsertId.
const newStoryPG = newStorySQL + ` RETURNING id`

// joinStorySQL counts ?3 items that joined story ?2 at ?1.
const joinStorySQL = `UPDATE stories SET items = items + ?3, updated_at = MAX(updated_at, ?1) WHERE id = ?2`

// joinStoryPG is joinStorySQL on PostgreSQL, where the larger of two
// values is GREATEST.
const joinStoryPG = `UPDATE stories SET items = items + ?3, updated_at = GREATEST(updated_at, ?1) WHERE id = ?2`

// countStorySQL counts ?2 items that joined story ?1 no later than it
// was last updated (-1: takes back NewStory's count ahead). Leaving
// updated_at out of the SET spares the write of stories_updated_at,
// which SQLite makes for a column set to its own value.
const countStorySQL = `UPDATE stories SET items = items + ?2 WHERE id = ?1`

// joinStory counts an item that joined story id at seen. A story created
// in this transaction, as most are when every item is new, is known to
// have been updated at its creation: an item seen by then leaves that
// time as it is, and the first such item was counted by NewStory.
func (tx *Tx) joinStory(id int64, seen time.Time) error {
	at := seen.UnixMilli()
	fresh, ok := tx.fresh[id]
	count := int64(1)
	if ok && fresh.unjoined {
		count = 0
		fresh.unjoined = false
		tx.fresh[id] = fresh
		if at <= fresh.updated {
			return nil
		}
	}
	var (
		res sql.Result
		err error
	)
	if ok && at <= fresh.updated {
		res, err = tx.exec(stmtCountStory, id, count)
	} else {
		res, err = tx.exec(stmtJoinStory, at, id, count)
		if ok && err == nil {
			fresh.updated = at
			tx.fresh[id] = fresh
		}
	}
	if err != nil {
		return err
	}
	return affected(res, 1)
}

// uncountUnjoined takes back the count NewStory made ahead for each story
// of the transaction that no item joined.
func (tx *Tx) uncountUnjoined() error {
	for id, fresh := range tx.fresh {
		if !fresh.unjoined {
			continue
		}
		res, err := tx.exec(stmtCountStory, id, -1)
		if err == nil {
			err = affected(res, 1)
		}
		if err != nil {
			return fmt.Errorf("store: story %d: %w", id, err)
		}
		fresh.unjoined = false
		tx.fresh[id] = fresh
	}
	return nil
}

// AlertRef identifies an alert and says where it is in its delivery:
// enough to decide how to follow it up.
type AlertRef struct {
	ID       int64
	Rule     string
	Notifier string
	Channel  string
	Status   model.AlertStatus
	Digest   bool
}

const alertRefColumns = `id, rule, notifier, channel, status, digest`

// fields are the destinations of alertRefColumns.
func (a *AlertRef) fields() []any {
	return []any{&a.ID, &a.Rule, &a.Notifier, &a.Channel, &a.Status, &a.Digest}
}

const storyAlertSQL = `SELECT ` + alertRefColumns + ` FROM alerts
	WHERE story_id = ? AND rule = ? AND notifier = ? AND kind = 'alert'`

const itemAlertsSQL = `SELECT ` + alertRefColumns + ` FROM alerts
	WHERE item_id = ? AND kind = 'alert' ORDER BY id`

// StoryAlert returns the first alert (KindAlert) of rule for story to
// notifier, or nil when there is none yet.
func (tx *Tx) StoryAlert(story int64, rule, notifier string) (*AlertRef, error) {
	var a AlertRef
	err := tx.queryRow(stmtStoryAlert, []any{story, rule, notifier}, a.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: alert of rule %q for story %d: %w", rule, story, err)
	}
	return &a, nil
}

// ItemAlerts returns the first alerts (KindAlert) of the item id, in the
// order they were written.
func (tx *Tx) ItemAlerts(item int64) ([]*AlertRef, error) {
	rows, err := tx.query(stmtItemAlerts, item)
	if err != nil {
		return nil, fmt.Errorf("store: alerts of item %d: %w", item, err)
	}
	defer rows.Close()
	var out []*AlertRef
	for rows.Next() {
		var a AlertRef
		if err := rows.Scan(a.fields()...); err != nil {
			return nil, fmt.Errorf("store: alerts of item %d: %w", item, err)
		}
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alerts of item %d: %w", item, err)
	}
	return out, nil
}

// FollowUps says how an alert has been followed up so far.
type FollowUps struct {
	// NextDue is when the follow-ups (KindAlso) still queued are due, the
	// earliest of them; zero when none is queued.
	NextDue time.Time
	// Sent is the number of follow-up messages delivered: follow-ups
	// delivered together count once.
	Sent int
}

const followUpsSQL = `SELECT
	(SELECT MIN(next_attempt_at) FROM alerts WHERE parent_id = ?1 AND kind = 'also' AND status = 'queued'),
	(SELECT COUNT(DISTINCT delivered_at) FROM alerts WHERE parent_id = ?1 AND kind = 'also' AND status = 'delivered')`

// FollowUps returns how alert parent has been followed up by KindAlso
// alerts.
func (tx *Tx) FollowUps(parent int64) (FollowUps, error) {
	var (
		f    FollowUps
		next sql.NullInt64
	)
	if err := tx.queryRow(stmtFollowUps, []any{parent}, &next, &f.Sent); err != nil {
		return FollowUps{}, fmt.Errorf("store: follow-ups of alert %d: %w", parent, err)
	}
	f.NextDue = timeFrom(next)
	return f, nil
}
