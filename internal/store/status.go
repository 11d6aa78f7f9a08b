package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Read-only summaries for the status page, `newswatch feeds list`, feed
// health and metrics. They run on the read pool and never wait for the
// write connection.

// Ping checks that the database answers a query, and is not known to be
// damaged (Corrupt), for a readiness check.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.Corrupt(); err != nil {
		return err
	}
	var one int
	if err := s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// FeedActivity is what a feed has brought in lately.
type FeedActivity struct {
	// LastItemAt is when the feed's newest item was first seen; zero when
	// it has none.
	LastItemAt time.Time
	// ItemsSince counts the items first seen at or after the time asked
	// about.
	ItemsSince int
	// ArticlesSince and ArticleFailuresSince count, of those, the items
	// whose page was fetched and matched, and those whose page could not
	// be (an error, a paywall stub, a page without text).
	ArticlesSince, ArticleFailuresSince int
}

// FeedActivity returns, by feed ID, the activity of every configured feed:
// when its newest item was seen and how many items were first seen at or
// after since.
func (s *Store) FeedActivity(ctx context.Context, since time.Time) (map[int64]FeedActivity, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT f.id,
		(SELECT MAX(seen_at) FROM items WHERE feed_id = f.id),
		(SELECT COUNT(*) FROM items WHERE feed_id = f.id AND seen_at >= ?1),
		(SELECT COUNT(*) FROM items WHERE feed_id = f.id AND seen_at >= ?1 AND article_state = 'fetched'),
		(SELECT COUNT(*) FROM items WHERE feed_id = f.id AND seen_at >= ?1 AND article_state = 'failed')
		FROM feeds AS f WHERE f.configured = 1`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: feed activity: %w", err)
	}
	defer rows.Close()
	out := map[int64]FeedActivity{}
	for rows.Next() {
		var (
			id   int64
			last sql.NullInt64
			a    FeedActivity
		)
		if err := rows.Scan(&id, &last, &a.ItemsSince, &a.ArticlesSince, &a.ArticleFailuresSince); err != nil {
			return nil, fmt.Errorf("store: feed activity: %w", err)
		}
		a.LastItemAt = timeFrom(last)
		out[id] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feed activity: %w", err)
	}
	return out, nil
}

// FeedNames returns the name of every feed the database knows by ID, those
// no longer configured included, for naming the feed of a stored item.
func (s *Store) FeedNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name FROM feeds`)
	if err != nil {
		return nil, fmt.Errorf("store: feed names: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: feed names: %w", err)
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feed names: %w", err)
	}
	return names, nil
}

// RuleActivity is how often one rule matched lately.
type RuleActivity struct {
	// Days counts the items the rule alerted on per day, by rolling
	// 24-hour windows back from the time asked about: Days[0] is the last
	// 24 hours, Days[1] the 24 hours before, and so on.
	Days []int
	// LastAt is the time of the rule's newest alert in the window; zero
	// when it has none.
	LastAt time.Time
}

// Total returns the matches of the first n days of a.
func (a RuleActivity) Total(n int) int {
	total := 0
	for i := 0; i < n && i < len(a.Days); i++ {
		total += a.Days[i]
	}
	return total
}

// dayMillis is one day in the store's time unit.
const dayMillis = int64(24 * time.Hour / time.Millisecond)

// RuleActivity returns, by rule name, the matches of each rule over the
// days before now, counted from the alert history: an item that a rule sent
// to several notifiers counts once. Rules without an alert in the window
// are missing from the map.
func (s *Store) RuleActivity(ctx context.Context, now time.Time, days int) (map[string]RuleActivity, error) {
	if days <= 0 {
		return map[string]RuleActivity{}, nil
	}
	end := now.UnixMilli()
	// An alert whose item row is gone (or that never had one) counts on
	// its own, by its negated id.
	rows, err := s.read.QueryContext(ctx, `SELECT rule, (?1 - created_at) / ?2 AS ago,
		COUNT(DISTINCT COALESCE(item_id, -id)), MAX(created_at)
		FROM alerts WHERE created_at > ?1 - ?2 * ?3 AND created_at <= ?1
		GROUP BY rule, ago`, end, dayMillis, days)
	if err != nil {
		return nil, fmt.Errorf("store: rule activity: %w", err)
	}
	defer rows.Close()
	out := map[string]RuleActivity{}
	for rows.Next() {
		var (
			rule   string
			ago, n int
			last   sql.NullInt64
		)
		if err := rows.Scan(&rule, &ago, &n, &last); err != nil {
			return nil, fmt.Errorf("store: rule activity: %w", err)
		}
		a, ok := out[rule]
		if !ok {
			a.Days = make([]int, days)
		}
		if ago >= 0 && ago < days {
			a.Days[ago] += n
		}
		if t := timeFrom(last); t.After(a.LastAt) {
			a.LastAt = t
		}
		out[rule] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rule activity: %w", err)
	}
	return out, nil
}

// OutboxCount describes the alerts one notifier owes or gave up on.
type OutboxCount struct {
	Notifier string
	// Queued counts the alerts (model.KindAlert) waiting to be sent or
	// retried, digest alerts aside.
	Queued int
	// FollowUps counts the queued follow-ups (model.KindAlso and
	// KindUpdate), digest alerts aside: most wait, as they should, for
	// their batch to be collected (see package followup) or for the alert
	// they follow up.
	FollowUps int
	// Digest counts the queued alerts that wait for their rule's digest.
	Digest int
	// Dead counts the dead letters.
	Dead int
	// OldestQueued is when the longest-waiting of the Queued alerts was
	// queued (written, or requeued: Alert.QueuedAt). Zero when Queued is
	// 0.
	OldestQueued time.Time
	// NextFollowUp is when the first of the FollowUps is due. Zero when
	// FollowUps is 0.
	NextFollowUp time.Time
}

// Outbox returns, by notifier name in order, the alerts each notifier has
// queued and dead. Notifiers with neither are missing.
func (s *Store) Outbox(ctx context.Context) ([]OutboxCount, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT notifier,
		COUNT(*) FILTER (WHERE status = 'queued' AND digest = 0 AND kind = 'alert'),
		COUNT(*) FILTER (WHERE status = 'queued' AND digest = 0 AND kind <> 'alert'),
		COUNT(*) FILTER (WHERE status = 'queued' AND digest = 1),
		COUNT(*) FILTER (WHERE status = 'dead'),
		MIN(CASE WHEN status = 'queued' AND digest = 0 AND kind = 'alert' THEN queued_at END),
		MIN(CASE WHEN status = 'queued' AND digest = 0 AND kind <> 'alert' THEN next_attempt_at END)
		FROM alerts WHERE status IN ('queued', 'dead')
		GROUP BY notifier ORDER BY notifier`)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxCount
	for rows.Next() {
		var (
			c                    OutboxCount
			oldest, nextFollowUp sql.NullInt64
		)
		if err := rows.Scan(&c.Notifier, &c.Queued, &c.FollowUps, &c.Digest, &c.Dead, &oldest, &nextFollowUp); err != nil {
			return nil, fmt.Errorf("store: outbox: %w", err)
		}
		c.OldestQueued = timeFrom(oldest)
		c.NextFollowUp = timeFrom(nextFollowUp)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return out, nil
}

// AlertsWrittenAfter counts, by notifier, the alerts written to the outbox
// with an ID above after, and returns the highest ID it saw (after itself
// when there are none). Alert IDs grow with every alert written, and they
// are committed in order (see DueAlertsAfter), so a caller that passes the
// last ID back each time counts every alert exactly once.
func (s *Store) AlertsWrittenAfter(ctx context.Context, after int64) (map[string]int, int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT notifier, COUNT(*), MAX(id)
		FROM alerts WHERE id > ? GROUP BY notifier`, after)
	if err != nil {
		return nil, after, fmt.Errorf("store: alerts written: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	last := after
	for rows.Next() {
		var (
			notifier string
			n        int
			id       int64
		)
		if err := rows.Scan(&notifier, &n, &id); err != nil {
			return nil, after, fmt.Errorf("store: alerts written: %w", err)
		}
		counts[notifier] = n
		last = max(last, id)
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("store: alerts written: %w", err)
	}
	return counts, last, nil
}

// LastAlertID returns the highest alert ID written so far, 0 when there is
// none: the starting point for AlertsWrittenAfter.
func (s *Store) LastAlertID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.reads.get(stmtLastAlertID).QueryRowContext(ctx).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last alert id: %w", err)
	}
	return id, nil
}
