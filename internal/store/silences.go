package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SilenceKind says what a silence keeps from its destination.
type SilenceKind string

// The kinds of silence.
const (
	// SilenceMute keeps every alert of one story (its StoryID), whatever
	// its rule, from the destination, for as long as the story lasts.
	SilenceMute SilenceKind = "mute"
	// SilenceSnooze holds back the alerts of one rule (its Rule) for the
	// destination until Until.
	SilenceSnooze SilenceKind = "snooze"
)

// ErrSilenceEnded is returned (wrapped) by RemoveSilence for a silence that
// was already removed, or a snooze that already ended.
var ErrSilenceEnded = errors.New("silence already ended")

// ErrSilenceInForce is returned (wrapped) by AddSilence when the silence
// asked for already holds: the story is muted at the destination, or the
// rule snoozed there until as late (give or take snoozeSlack).
var ErrSilenceInForce = errors.New("silence already in force")

// snoozeSlack is how much later than the snooze in force a new one must
// end to extend it. A click Slack delivers a second time (to this process
// or another replica) comes seconds after the first: it ends a few seconds
// later, and is the same snooze.
const snoozeSlack = time.Minute

// Silence is what people in a channel asked newswatch to keep from it: a
// story muted there, or a rule snoozed there for a while. The store records
// it; package silence says which alerts it covers.
type Silence struct {
	ID   int64
	Kind SilenceKind
	// Notifier and Channel name the destination as the dispatcher does: the
	// notifier, and the channel its alerts go to ("#news", "C0123ABCD"), ""
	// for a notifier without channels. ChannelID is the channel's ID as
	// Slack reported it.
	Notifier  string
	Channel   string
	ChannelID string
	// StoryID is a mute's story; 0 once the story is pruned.
	StoryID int64
	// Rule is a snooze's rule, and for a mute the rule of the alert acted
	// on.
	Rule string
	// AlertID is the alert whose message was acted on, Title its title.
	AlertID int64
	Title   string
	// CreatedBy is who asked for it as people read it ("@alice"), and
	// CreatorID as the destination knows them (a Slack user ID).
	CreatedBy string
	CreatorID string
	CreatedAt time.Time
	// Until is when a snooze ends; zero for a mute.
	Until time.Time
	// RemovedAt is when it was ended early (undone), and RemovedBy by whom;
	// zero while it holds.
	RemovedAt time.Time
	RemovedBy string
}

// Active reports whether the silence holds at now: not removed, and, for a
// snooze, not over.
func (s *Silence) Active(now time.Time) bool {
	return s.RemovedAt.IsZero() && (s.Until.IsZero() || now.Before(s.Until))
}

// SilenceFilter selects silences for Silences. The zero value selects
// every one.
type SilenceFilter struct {
	// ActiveAt, when not zero, selects the silences that hold at that time.
	ActiveAt time.Time
	// Kind, when not "", selects one kind.
	Kind SilenceKind
	// Limit is the most returned; 0 means no limit.
	Limit int
}

const silenceColumns = `id, kind, notifier, channel, channel_id, story_id, rule, alert_id, title,
	created_by, creator_id, created_at, until_at, removed_at, removed_by`

func scanSilence(r rowScanner) (*Silence, error) {
	var (
		s                         Silence
		story, alert              sql.NullInt64
		created, until, removedAt sql.NullInt64
	)
	err := r.Scan(&s.ID, &s.Kind, &s.Notifier, &s.Channel, &s.ChannelID, &story, &s.Rule, &alert, &s.Title,
		&s.CreatedBy, &s.CreatorID, &created, &until, &removedAt, &s.RemovedBy)
	if err != nil {
		return nil, err
	}
	s.StoryID, s.AlertID = story.Int64, alert.Int64
	s.CreatedAt, s.Until, s.RemovedAt = timeFrom(created), timeFrom(until), timeFrom(removedAt)
	return &s, nil
}

// AddSilence records sl and sets its ID. A mute needs a StoryID, a snooze a
// Rule and an Until; both a Notifier and a CreatedAt.
//
// Asking again for what holds changes nothing, so that a click counted
// twice (Slack delivering it again, to this process or another replica,
// or two people clicking at once) records one silence: when a mute of the
// story holds at the destination, or a snooze of the rule that ends no
// more than snoozeSlack before sl.Until, AddSilence fills sl with that
// silence and returns ErrSilenceInForce. A snooze that ends later extends
// the one in force (sl gets its ID and first author, with the new end).
// On PostgreSQL the check and the write hold a lock that concurrent
// AddSilence calls of every process wait for.
func (s *Store) AddSilence(ctx context.Context, sl *Silence) error {
	switch {
	case sl.Kind == SilenceMute && sl.StoryID == 0:
		return errors.New("store: add silence: a mute needs a story")
	case sl.Kind == SilenceSnooze && (sl.Rule == "" || sl.Until.IsZero()):
		return errors.New("store: add silence: a snooze needs a rule and an end")
	case sl.Kind != SilenceMute && sl.Kind != SilenceSnooze:
		return fmt.Errorf("store: add silence: unknown kind %q", sl.Kind)
	case sl.Notifier == "" || sl.CreatedAt.IsZero():
		return errors.New("store: add silence: no notifier or no time")
	}
	var found *Silence
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, "silences"); err != nil {
			return err
		}
		query := `SELECT ` + silenceColumns + ` FROM silences
			WHERE kind = ? AND notifier = ? AND channel = ? AND removed_at IS NULL`
		args := []any{string(sl.Kind), sl.Notifier, sl.Channel}
		if sl.Kind == SilenceMute {
			query += ` AND story_id = ?`
			args = append(args, sl.StoryID)
		} else {
			query += ` AND rule = ? AND until_at > ?`
			args = append(args, sl.Rule, millis(sl.CreatedAt))
		}
		var err error
		found, err = scanSilence(tx.QueryRowContext(ctx, query+` ORDER BY id DESC LIMIT 1`, args...))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			found = nil
		case err != nil:
			return err
		case sl.Kind == SilenceSnooze && sl.Until.After(found.Until.Add(snoozeSlack)):
			found.Until = sl.Until
			_, err := tx.ExecContext(ctx, `UPDATE silences SET until_at = ? WHERE id = ?`, millis(sl.Until), found.ID)
			if err != nil {
				return err
			}
			*sl = *found
			return nil
		default:
			return ErrSilenceInForce
		}
		return tx.QueryRowContext(ctx, `INSERT INTO silences (kind, notifier, channel, channel_id,
			story_id, rule, alert_id, title, created_by, creator_id, created_at, until_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(sl.Kind), sl.Notifier, sl.Channel, sl.ChannelID, nullID(sl.StoryID), sl.Rule,
			nullID(sl.AlertID), sl.Title, sl.CreatedBy, sl.CreatorID, millis(sl.CreatedAt), millis(sl.Until)).Scan(&sl.ID)
	})
	if errors.Is(err, ErrSilenceInForce) {
		*sl = *found
		return fmt.Errorf("store: add silence: %s %d: %w", found.Kind, found.ID, err)
	}
	if err != nil {
		return fmt.Errorf("store: add silence: %w", err)
	}
	return nil
}

// Silence returns silence id, or ErrNotFound.
func (s *Store) Silence(ctx context.Context, id int64) (*Silence, error) {
	sl, err := scanSilence(s.read.QueryRowContext(ctx, `SELECT `+silenceColumns+` FROM silences WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: silence %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: silence %d: %w", id, err)
	}
	return sl, nil
}

// Silences returns the silences f selects, newest first.
func (s *Store) Silences(ctx context.Context, f SilenceFilter) ([]*Silence, error) {
	var (
		where []string
		args  []any
	)
	if !f.ActiveAt.IsZero() {
		where = append(where, "removed_at IS NULL AND (until_at IS NULL OR until_at > ?)")
		args = append(args, f.ActiveAt.UnixMilli())
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	query := `SELECT ` + silenceColumns + ` FROM silences`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: silences: %w", err)
	}
	defer rows.Close()
	var out []*Silence
	for rows.Next() {
		sl, err := scanSilence(rows)
		if err != nil {
			return nil, fmt.Errorf("store: silences: %w", err)
		}
		out = append(out, sl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: silences: %w", err)
	}
	return out, nil
}

// RemoveSilence ends silence id at now on behalf of by, and makes the
// alerts it holds back due at now, when a dispatcher sends them (as the
// summary of what the snooze held). It returns the silence as it is now
// and how many alerts it released. A silence that is not there is
// ErrNotFound; one already removed, or a snooze already over,
// ErrSilenceEnded.
func (s *Store) RemoveSilence(ctx context.Context, id int64, by string, now time.Time) (*Silence, int, error) {
	var (
		sl       *Silence
		released int64
	)
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		var err error
		sl, err = scanSilence(tx.QueryRowContext(ctx, `SELECT `+silenceColumns+` FROM silences WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !sl.Active(now) {
			return ErrSilenceEnded
		}
		if _, err := tx.ExecContext(ctx, `UPDATE silences SET removed_at = ?, removed_by = ? WHERE id = ?`,
			now.UnixMilli(), by, id); err != nil {
			return err
		}
		sl.RemovedAt, sl.RemovedBy = time.UnixMilli(now.UnixMilli()).UTC(), by
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET next_attempt_at = ?1, queued_at = ?1
			WHERE silence_id = ?2 AND status = 'queued'`, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		released, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: remove silence %d: %w", id, err)
	}
	return sl, int(released), nil
}

// SettleSilenced records that the mute silenceID settled the queued
// alerts ids at now: they are delivered without having been sent, with no
// remote message. Alerts no longer queued are left alone.
func (s *Store) SettleSilenced(ctx context.Context, ids []int64, silenceID int64, now time.Time) error {
	if err := s.updateQueued(ctx, ids, `status = 'delivered', delivered_at = ?1, silence_id = ?2`,
		millis(now), silenceID); err != nil {
		return fmt.Errorf("store: settle %d muted alerts: %w", len(ids), err)
	}
	return nil
}

// HoldSilenced records that the snooze silenceID holds the queued alerts
// ids back until until: they are due then (and their delivery deadline
// counts from then), and alerts that waited for their rule's digest wait
// no more, since they go out in the summary of what the snooze held.
// Alerts no longer queued are left alone.
func (s *Store) HoldSilenced(ctx context.Context, ids []int64, silenceID int64, until time.Time) error {
	if err := s.updateQueued(ctx, ids, `next_attempt_at = ?1, queued_at = ?1, digest = 0, silence_id = ?2`,
		until.UnixMilli(), silenceID); err != nil {
		return fmt.Errorf("store: hold %d snoozed alerts: %w", len(ids), err)
	}
	return nil
}

// updateQueued sets columns (an UPDATE's SET list, whose parameters are
// numbered ?1, ?2… for args) on the queued alerts among ids, in one
// transaction.
func (s *Store) updateQueued(ctx context.Context, ids []int64, set string, args ...any) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	return s.inWriteTx(ctx, writeUrgent, func(tx *sql.Tx) error {
		for batch := range slices.Chunk(ids, markDeliveredBatch) {
			params := make([]string, len(batch))
			all := append([]any(nil), args...)
			for i, id := range batch {
				params[i] = fmt.Sprintf("?%d", len(args)+i+1)
				all = append(all, id)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET `+set+`
				WHERE status = 'queued' AND id IN (`+strings.Join(params, ", ")+`)`, all...); err != nil {
				return err
			}
		}
		return nil
	})
}
