package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// AlertFilter selects alerts for Alerts. Zero fields select everything.
type AlertFilter struct {
	Status model.AlertStatus
	Rule   string
	Since  time.Time // created at or after
	Limit  int       // at most this many; 0 means no limit
}

// alertColumns are the columns scanAlert reads, of alerts a (FROM
// alertsFrom) and their parents p.
const alertColumns = `a.id, a.item_id, a.rule, a.notifier, a.channel, a.severity,
	a.title, a.link, a.feed, a.summary, a.description, a.published, a.hits, a.digest,
	a.status, a.attempts, a.next_attempt_at, a.created_at, a.delivered_at, a.dead_at,
	a.last_error, a.remote_id, a.remote_channel, a.kind, a.story_id, a.parent_id, a.queued_at,
	a.silence_id, p.status, p.title, p.remote_id, p.remote_channel`

const alertsFrom = ` FROM alerts AS a LEFT JOIN alerts AS p ON p.id = a.parent_id`

const insertAlertSQL = `INSERT INTO alerts (item_id, rule, notifier, channel,
	severity, title, link, feed, summary, description, published, hits,
	digest, status, next_attempt_at, created_at, kind, story_id, parent_id, queued_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`

// insertAlertPG is insertAlertSQL on PostgreSQL: a second first alert of
// a story, rule and notifier is no row, not an error (see Tx.insert).
const insertAlertPG = insertAlertSQL + `
	ON CONFLICT (story_id, rule, notifier) WHERE kind = 'alert' AND story_id IS NOT NULL
	DO NOTHING RETURNING id`

func scanAlert(r rowScanner) (*model.Alert, error) {
	var (
		a                                           model.Alert
		itemID, storyID, parentID, silenceID        sql.NullInt64
		hits                                        sql.NullString
		published, next, created, delivered, deadAt sql.NullInt64
		queued                                      sql.NullInt64
		pStatus, pTitle, pRemote, pChannel          sql.NullString
	)
	err := r.Scan(&a.ID, &itemID, &a.Rule, &a.Notifier, &a.Channel, &a.Severity,
		&a.Title, &a.Link, &a.Feed, &a.Summary, &a.Description, &published, &hits, &a.Digest,
		&a.Status, &a.Attempts, &next, &created, &delivered, &deadAt,
		&a.LastError, &a.RemoteID, &a.RemoteChannel, &a.Kind, &storyID, &parentID, &queued,
		&silenceID, &pStatus, &pTitle, &pRemote, &pChannel)
	if err != nil {
		return nil, err
	}
	a.ItemID, a.StoryID, a.ParentID, a.SilenceID = itemID.Int64, storyID.Int64, parentID.Int64, silenceID.Int64
	if pStatus.Valid {
		a.Parent = &model.ParentState{Status: model.AlertStatus(pStatus.String), Title: pTitle.String,
			RemoteID: pRemote.String, RemoteChannel: pChannel.String}
	}
	a.QueuedAt = timeFrom(queued)
	if err := jsonFrom(hits, &a.Hits); err != nil {
		return nil, fmt.Errorf("alert %d hits: %w", a.ID, err)
	}
	a.Published = timeFrom(published)
	a.NextAttemptAt = timeFrom(next)
	a.CreatedAt = timeFrom(created)
	a.DeliveredAt = timeFrom(delivered)
	a.DeadAt = timeFrom(deadAt)
	return &a, nil
}

// queryAlerts runs a SELECT of alertColumns on the read pool.
func (s *Store) queryAlerts(ctx context.Context, query string, args ...any) ([]*model.Alert, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAlerts(rows)
}

// scanAlerts reads the alerts of rows, a SELECT of alertColumns, and closes
// it.
func scanAlerts(rows *sql.Rows) ([]*model.Alert, error) {
	defer rows.Close()
	var alerts []*model.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		alerts = append(alerts, a)
	}
	return alerts, rows.Err()
}

// DueAlerts returns at most limit (0: all) queued alerts that are due at now
// and not waiting for a digest nor for their parent alert to be delivered
// (a follow-up replies under its parent's message), oldest first (by ID,
// the order they were written).
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int) ([]*model.Alert, error) {
	alerts, err := s.queryAlerts(ctx, `SELECT `+alertColumns+alertsFrom+`
		WHERE `+dueCond+` ORDER BY a.id LIMIT ?2`, now.UnixMilli(), s.limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("store: due alerts: %w", err)
	}
	return alerts, nil
}

// PendingDigest returns the queued digest alerts of rule, oldest first.
func (s *Store) PendingDigest(ctx context.Context, rule string) ([]*model.Alert, error) {
	alerts, err := s.queryAlerts(ctx, `SELECT `+alertColumns+alertsFrom+`
		WHERE a.rule = ? AND a.status = 'queued' AND a.digest = 1
		ORDER BY a.id`, rule)
	if err != nil {
		return nil, fmt.Errorf("store: pending digest of %q: %w", rule, err)
	}
	return alerts, nil
}

// DigestRules returns the names of the rules that have queued digest
// alerts (see PendingDigest), in no particular order. It reads the queued
// alerts only: a dispatcher with many rules, most of them without a digest
// waiting, asks this once rather than PendingDigest once for each rule.
func (s *Store) DigestRules(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT rule FROM alerts WHERE status = 'queued' AND digest = 1`)
	if err != nil {
		return nil, fmt.Errorf("store: digest rules: %w", err)
	}
	defer rows.Close()
	var rules []string
	for rows.Next() {
		var rule string
		if err := rows.Scan(&rule); err != nil {
			return nil, fmt.Errorf("store: digest rules: %w", err)
		}
		rules = append(rules, rule)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: digest rules: %w", err)
	}
	return rules, nil
}

// Alerts returns the alerts f selects, newest first (by CreatedAt, then ID).
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]*model.Alert, error) {
	var (
		where []string
		args  []any
	)
	switch f.Status {
	case "":
	case model.StatusQueued, model.StatusDelivered, model.StatusDead:
		where, args = append(where, "a.status = ?"), append(args, string(f.Status))
	default:
		return nil, fmt.Errorf("store: alerts: unknown status %q", f.Status)
	}
	if f.Rule != "" {
		where, args = append(where, "a.rule = ?"), append(args, f.Rule)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "a.created_at >= ?"), append(args, f.Since.UnixMilli())
	}
	query := `SELECT ` + alertColumns + alertsFrom
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY a.created_at DESC, a.id DESC LIMIT ?`
	alerts, err := s.queryAlerts(ctx, query, append(args, s.limitArg(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	return alerts, nil
}

// MarkDelivered records that alert id was delivered at at, as the remote
// message remoteID in remoteChannel.
func (s *Store) MarkDelivered(ctx context.Context, id int64, at time.Time, remoteID, remoteChannel string) error {
	if err := s.markDelivered(ctx, []int64{id}, at, remoteID, remoteChannel); err != nil {
		return fmt.Errorf("store: mark alert %d delivered: %w", id, err)
	}
	return nil
}

// MarkDeliveredMany records that the alerts ids were delivered together (a
// digest or a folded summary) at at, as the remote message remoteID in
// remoteChannel. It changes all of them or, when one does not exist
// (ErrNotFound), none.
func (s *Store) MarkDeliveredMany(ctx context.Context, ids []int64, at time.Time, remoteID, remoteChannel string) error {
	if err := s.markDelivered(ctx, ids, at, remoteID, remoteChannel); err != nil {
		return fmt.Errorf("store: mark %d alerts delivered: %w", len(ids), err)
	}
	return nil
}

// markDeliveredBatch bounds the ids bound to one UPDATE, well under SQLite's
// limit on host parameters.
const markDeliveredBatch = 500

func (s *Store) markDelivered(ctx context.Context, ids []int64, at time.Time, remoteID, remoteChannel string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	return s.inWriteTx(ctx, writeUrgent, func(tx *sql.Tx) error {
		if s.engine == Postgres {
			res, err := tx.ExecContext(ctx, `UPDATE alerts SET status = 'delivered',
				delivered_at = ?, remote_id = ?, remote_channel = ? WHERE id = ANY(?)`,
				millis(at), remoteID, remoteChannel, ids)
			if err != nil {
				return err
			}
			return affected(res, int64(len(ids)))
		}
		for batch := range slices.Chunk(ids, markDeliveredBatch) {
			args := []any{millis(at), remoteID, remoteChannel}
			for _, id := range batch {
				args = append(args, id)
			}
			res, err := tx.ExecContext(ctx, `UPDATE alerts SET status = 'delivered',
				delivered_at = ?, remote_id = ?, remote_channel = ?
				WHERE id IN (?`+strings.Repeat(", ?", len(batch)-1)+`)`, args...)
			if err != nil {
				return err
			}
			if err := affected(res, int64(len(batch))); err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkRetry records a failed delivery attempt of alert id: one more attempt,
// the error, and the time it is due again, which must not be zero.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, errMsg string) error {
	if next.IsZero() {
		return fmt.Errorf("store: mark alert %d for retry: zero next attempt time", id)
	}
	if err := s.updateAlert(ctx, `UPDATE alerts SET attempts = attempts + 1,
		next_attempt_at = ?, last_error = ? WHERE id = ?`,
		millis(next), errMsg, id); err != nil {
		return fmt.Errorf("store: mark alert %d for retry: %w", id, err)
	}
	return nil
}

// MarkDead records that delivery of alert id was given up at at, for reason.
// The alert stays in the history as a dead letter until Requeue.
func (s *Store) MarkDead(ctx context.Context, id int64, at time.Time, reason string) error {
	if err := s.updateAlert(ctx, `UPDATE alerts SET status = 'dead', dead_at = ?,
		last_error = ? WHERE id = ?`, millis(at), reason, id); err != nil {
		return fmt.Errorf("store: mark alert %d dead: %w", id, err)
	}
	return nil
}

// MarkFailed records a failed delivery attempt of alert id that is not to
// be retried (a permanent failure: an unknown channel, a revoked token):
// one more attempt, and the alert a dead letter since at, for reason.
func (s *Store) MarkFailed(ctx context.Context, id int64, at time.Time, reason string) error {
	if err := s.updateAlert(ctx, `UPDATE alerts SET status = 'dead', attempts = attempts + 1,
		dead_at = ?, last_error = ? WHERE id = ?`, millis(at), reason, id); err != nil {
		return fmt.Errorf("store: mark alert %d failed: %w", id, err)
	}
	return nil
}

// Requeue queues alerts again, due at now with their attempts reset and
// QueuedAt set to now: alert id if it is dead or queued, or every dead alert
// when id is 0. It returns how many alerts it queued; a delivered alert is
// left alone (0), an unknown id is ErrNotFound. LastError is kept until the
// next attempt.
func (s *Store) Requeue(ctx context.Context, id int64, now time.Time) (int, error) {
	const requeue = `UPDATE alerts SET status = 'queued', next_attempt_at = ?1,
		queued_at = ?1, attempts = 0, dead_at = NULL WHERE `
	var n int64
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		var (
			res sql.Result
			err error
		)
		if id == 0 {
			res, err = tx.ExecContext(ctx, requeue+`status = 'dead'`, now.UnixMilli())
		} else {
			res, err = tx.ExecContext(ctx, requeue+`id = ? AND status IN ('dead', 'queued')`, now.UnixMilli(), id)
		}
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n > 0 || id == 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM alerts WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		if id == 0 {
			return 0, fmt.Errorf("store: requeue dead alerts: %w", err)
		}
		return 0, fmt.Errorf("store: requeue alert %d: %w", id, err)
	}
	return int(n), nil
}

// updateAlert runs an UPDATE of one alert by id on the write connection,
// urgently: the dispatcher waits for it.
func (s *Store) updateAlert(ctx context.Context, query string, args ...any) error {
	res, err := s.writeExec(ctx, writeUrgent, query, args...)
	if err != nil {
		return err
	}
	return affected(res, 1)
}

// affected checks that a statement changed want rows, and reports
// ErrNotFound when it changed fewer.
func affected(res sql.Result, want int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n < want {
		return ErrNotFound
	}
	return nil
}
