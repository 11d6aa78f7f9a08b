package store

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// Reads of the outbox for a dispatcher that keeps what it read in memory:
// instead of reading every due alert again on each look (DueAlerts), it
// reads the alerts written since its last look (DueAlertsAfter), the
// follow-ups of alerts it finished (DueFollowUps), and, from time to time,
// the IDs of the alerts that became due (DueAlertIDs), to read those it
// does not hold (DueAlertsIn).

// dueCond is the condition on alerts a (and their parents p) that DueAlerts
// applies at ?1: queued, due, not waiting for a digest, and not a follow-up
// waiting for its parent to be delivered.
const dueCond = `a.status = 'queued' AND a.next_attempt_at <= ?1 AND a.digest = 0
	AND (p.id IS NULL OR p.status <> 'queued')`

// dueAfterSQL reads the due alerts with an ID in (?2, ?3] by the table's
// primary key: the unary + keeps SQLite from scanning the alerts_due index
// (all queued alerts, a backlog) instead of the few new rows.
const dueAfterSQL = `SELECT ` + alertColumns + alertsFrom + `
	WHERE a.id > ?2 AND a.id <= ?3 AND +a.status = 'queued' AND +a.next_attempt_at <= ?1
	AND a.digest = 0 AND (p.id IS NULL OR p.status <> 'queued')
	ORDER BY a.id LIMIT ?4`

// dueAfterPG is dueAfterSQL on PostgreSQL, whose planner finds the few
// new rows by the primary key on its own.
const dueAfterPG = `SELECT ` + alertColumns + alertsFrom + `
	WHERE a.id > ?2 AND a.id <= ?3 AND ` + dueCond + `
	ORDER BY a.id LIMIT ?4`

const lastAlertIDSQL = `SELECT COALESCE(MAX(id), 0) FROM alerts`

// DueAlertsAfter returns, oldest first, at most limit (0: all) of the
// alerts DueAlerts would return at now whose ID is greater than after, and
// the ID to pass as after next time: the highest alert ID that existed
// when it looked or, when it returned limit alerts, the last one's.
//
// Alert IDs grow and the writers of alerts commit them in order (SQLite's
// one writer; on PostgreSQL, poll transactions take turns: see Begin), so a reader
// that passes the returned ID back each time sees each alert written after
// its first look once, if it is due at that look. Alerts that were not
// (due later, waiting for their parent) are found by DueAlertIDs once due,
// and by DueFollowUps once their parent is delivered.
func (s *Store) DueAlertsAfter(ctx context.Context, now time.Time, after int64, limit int) ([]*model.Alert, int64, error) {
	var top int64
	if err := s.reads.get(stmtLastAlertID).QueryRowContext(ctx).Scan(&top); err != nil {
		return nil, after, fmt.Errorf("store: due alerts: %w", err)
	}
	if top <= after {
		return nil, after, nil
	}
	rows, err := s.reads.get(stmtDueAfter).QueryContext(ctx, now.UnixMilli(), after, top, s.limitArg(limit))
	if err != nil {
		return nil, after, fmt.Errorf("store: due alerts: %w", err)
	}
	alerts, err := scanAlerts(rows)
	if err != nil {
		return nil, after, fmt.Errorf("store: due alerts: %w", err)
	}
	if limit > 0 && len(alerts) == limit {
		top = alerts[len(alerts)-1].ID
	}
	return alerts, top, nil
}

// dueIDsSQL lists the due alerts whose due time is in (?2, ?1], from the
// alerts_due index.
const dueIDsSQL = `SELECT a.id` + alertsFrom + `
	WHERE ` + dueCond + ` AND a.next_attempt_at > ?2
	ORDER BY a.id`

// DueAlertIDs returns the IDs of the alerts DueAlerts would return at now
// whose due time (NextAttemptAt) is after since, oldest first; a zero since
// means every one. It reads no more than IDs, so a dispatcher that holds
// most due alerts in memory can find cheaply those it does not hold: the
// alerts that became due since it last looked, or requeued ones.
func (s *Store) DueAlertIDs(ctx context.Context, since, now time.Time) ([]int64, error) {
	from := int64(math.MinInt64)
	if !since.IsZero() {
		from = since.UnixMilli()
	}
	rows, err := s.reads.get(stmtDueIDs).QueryContext(ctx, now.UnixMilli(), from)
	if err != nil {
		return nil, fmt.Errorf("store: due alert ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: due alert ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due alert ids: %w", err)
	}
	return ids, nil
}

// dueInSQL reads the due alerts among a JSON array of IDs, each looked up
// by primary key.
const dueInSQL = `SELECT ` + alertColumns + ` FROM json_each(?2) AS j
	CROSS JOIN alerts AS a ON a.id = j.value
	LEFT JOIN alerts AS p ON p.id = a.parent_id
	WHERE ` + dueCond + ` ORDER BY a.id`

// dueInPG is dueInSQL on PostgreSQL.
const dueInPG = `SELECT ` + alertColumns + alertsFrom + `
	WHERE a.id = ANY(?2) AND ` + dueCond + ` ORDER BY a.id`

// DueAlertsIn returns those of the alerts ids that DueAlerts would return
// at now, oldest first.
func (s *Store) DueAlertsIn(ctx context.Context, now time.Time, ids []int64) ([]*model.Alert, error) {
	alerts, err := s.dueAmong(ctx, stmtDueIn, now, ids)
	if err != nil {
		return nil, fmt.Errorf("store: due alerts: %w", err)
	}
	return alerts, nil
}

// dueFollowUpsSQL reads the due alerts whose parent is in a JSON array of
// IDs, through the alerts_parent_id index (the unary + keeps SQLite from
// scanning the queued alerts of alerts_due for each parent instead).
const dueFollowUpsSQL = `SELECT ` + alertColumns + ` FROM json_each(?2) AS j
	CROSS JOIN alerts AS a ON a.parent_id = j.value
	LEFT JOIN alerts AS p ON p.id = a.parent_id
	WHERE +a.status = 'queued' AND +a.next_attempt_at <= ?1 AND a.digest = 0
	AND (p.id IS NULL OR p.status <> 'queued')
	ORDER BY a.id`

// dueFollowUpsPG is dueFollowUpsSQL on PostgreSQL.
const dueFollowUpsPG = `SELECT ` + alertColumns + alertsFrom + `
	WHERE a.parent_id = ANY(?2) AND ` + dueCond + ` ORDER BY a.id`

// DueFollowUps returns, oldest first, the alerts DueAlerts would return at
// now that follow up (ParentID) one of the alerts parents: what becomes
// due when a dispatcher delivers them.
func (s *Store) DueFollowUps(ctx context.Context, now time.Time, parents []int64) ([]*model.Alert, error) {
	alerts, err := s.dueAmong(ctx, stmtDueFollowUps, now, parents)
	if err != nil {
		return nil, fmt.Errorf("store: due follow-ups: %w", err)
	}
	return alerts, nil
}

// dueAmong runs a statement of due alerts among a list of IDs.
func (s *Store) dueAmong(ctx context.Context, id readStmt, now time.Time, ids []int64) ([]*model.Alert, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := s.idList(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.reads.get(id).QueryContext(ctx, now.UnixMilli(), list)
	if err != nil {
		return nil, err
	}
	return scanAlerts(rows)
}
