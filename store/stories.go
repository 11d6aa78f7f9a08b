package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
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
func (tx *Tx) NewStory(s *Story) error {
	created := s.CreatedAt
	if created.IsZero() {
		created = time.UnixMilli(tx.s.now().UnixMilli()).UTC()
	}
	updated := s.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	res, err := tx.exec(stmtNewStory, s.Title, s.Link, millis(created), millis(updated))
	if err != nil {
		return fmt.Errorf("store: new story: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("store: new story: %w", err)
	}
	s.ID, s.CreatedAt, s.UpdatedAt = id, created, updated
	if tx.fresh == nil {
		tx.fresh = map[int64]int64{}
	}
	tx.fresh[id] = updated.UnixMilli()
	return nil
}

const newStorySQL = `INSERT INTO stories (title, link, created_at, updated_at) VALUES (?, ?, ?, ?)`

// joinStorySQL counts an item that joined story ?2 at ?1.
const joinStorySQL = `UPDATE stories SET items = items + 1, updated_at = MAX(updated_at, ?1) WHERE id = ?2`

// countStorySQL counts an item that joined story ?1 no later than it was
// last updated. Leaving updated_at out of the SET spares the write of
// stories_updated_at, which SQLite makes for a column set to its own value.
const countStorySQL = `UPDATE stories SET items = items + 1 WHERE id = ?1`

// joinStory counts an item that joined story id at seen. A story created
// in this transaction, as most are when every item is new, is known to
// have been updated at its creation: an item seen by then leaves that
// time as it is.
func (tx *Tx) joinStory(id int64, seen time.Time) error {
	at := seen.UnixMilli()
	var (
		res sql.Result
		err error
	)
	if updated, ok := tx.fresh[id]; ok && at <= updated {
		res, err = tx.exec(stmtCountStory, id)
	} else {
		res, err = tx.exec(stmtJoinStory, at, id)
		if ok && err == nil {
			tx.fresh[id] = at
		}
	}
	if err != nil {
		return err
	}
	return affected(res, 1)
}

// AlertRef identifies an alert and says where it is in its delivery:
// enough to decide how to follow it up.
type AlertRef struct {
	ID       int64
	Rule     string
	Notifier string
	Channel  string
	Status   AlertStatus
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
