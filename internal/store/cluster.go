package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Several newswatch processes (replicas) that share one database share its
// work through the database's own locking, and nothing else:
//
//   - Polling: a feed's next due time lives in its row (DueAt). A replica
//     claims due feeds (ClaimDueFeeds) for a lease, polls them, and sets
//     their next due time as it lets them go (FinishPoll); it renews its
//     claims while its polls run (RenewClaims). A replica that dies stops
//     renewing, and its claims end after the lease: another claims the
//     feeds. Claims are made one replica at a time (on PostgreSQL under an
//     advisory lock of the schema), which keeps the limit of polls in
//     flight to one host true across the cluster.
//   - Leases (AcquireLease) name work one replica at a time does: the
//     sending to each destination of the outbox (renewed together,
//     RenewLeases), feed-health checks, retention.
//   - Replicas (Heartbeat) say they are alive, with hashes of their
//     configuration and rules, so that replicas that disagree show.
//
// Times are the replicas' clocks, passed in: like cron schedules, leases
// need the replicas' clocks in step (NTP); a lease is long beside the skew
// NTP leaves.

// FeedSchedule is how shared polling schedules one configured feed.
type FeedSchedule struct {
	Name string
	// Host is the feed's politeness key: the scheme and host of its URL.
	Host string
	// Enabled feeds are polled; a disabled one loses its due time.
	Enabled bool
	// FirstDue is when to poll the feed first, when it has no due time
	// yet.
	FirstDue time.Time
	// Soon makes an enabled feed due at FirstDue at the latest, even when
	// it has a later due time: a feed enabled again, or moved to a new
	// URL, while the replicas run.
	Soon bool
}

// ScheduleFeeds records each configured feed's host and due time: an
// enabled feed without one is due at its FirstDue, one with a due time
// keeps it (a replica starting in a running cluster does not poll
// everything again) unless Soon asks for an earlier one, and a disabled
// feed is due never. Feeds not listed are left as they are.
func (s *Store) ScheduleFeeds(ctx context.Context, feeds []FeedSchedule) error {
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, "claims"); err != nil {
			return err
		}
		for _, f := range feeds {
			var err error
			switch {
			case f.Enabled && f.Soon:
				_, err = tx.ExecContext(ctx, `UPDATE feeds SET host = ?1,
					due_at = CASE WHEN due_at IS NULL OR due_at > ?2 THEN ?2 ELSE due_at END
					WHERE name = ?3`, f.Host, millis(f.FirstDue), f.Name)
			case f.Enabled:
				_, err = tx.ExecContext(ctx, `UPDATE feeds SET host = ?,
					due_at = COALESCE(due_at, ?) WHERE name = ?`, f.Host, millis(f.FirstDue), f.Name)
			default:
				_, err = tx.ExecContext(ctx, `UPDATE feeds SET host = ?, due_at = NULL WHERE name = ?`, f.Host, f.Name)
			}
			if err != nil {
				return fmt.Errorf("feed %q: %w", f.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: schedule feeds: %w", err)
	}
	return nil
}

// Claim is a due feed a replica claimed.
type Claim struct {
	FeedID int64
	Name   string
	// DueAt is the due time the claim is for.
	DueAt time.Time
	// State is the feed's polling state as the claim found it, for the
	// poll to start from (see FeedState.Rev): the claim keeps the other
	// replicas' polls off the feed until FinishPoll.
	State *FeedState
}

// claimSQL picks the feeds to claim at ?1: configured and due, claimed by
// nobody (or by a claim that ended), earliest due first, at most ?3, and
// on any host no more than ?2 claims in all with those of every replica.
const claimSQL = `WITH busy AS (
		SELECT host, COUNT(*) AS n FROM feeds
		WHERE claimed_until > ?1 GROUP BY host),
	due AS (
		SELECT f.id, f.host, f.due_at,
			ROW_NUMBER() OVER (PARTITION BY f.host ORDER BY f.due_at, f.id) AS k
		FROM feeds AS f
		WHERE f.configured = 1 AND f.due_at <= ?1
		AND (f.claimed_until IS NULL OR f.claimed_until <= ?1))
	SELECT d.id FROM due AS d LEFT JOIN busy AS b ON b.host = d.host
	WHERE d.k + COALESCE(b.n, 0) <= ?2
	ORDER BY d.due_at, d.id LIMIT ?3`

// ClaimDueFeeds claims for replica at most limit feeds due at now, the
// earliest due first, each until now+lease, leaving out feeds another
// replica's live claim holds and keeping the claims on one host, of all
// replicas together, at most perHost. It returns the claims made.
func (s *Store) ClaimDueFeeds(ctx context.Context, replica string, now time.Time, limit, perHost int, lease time.Duration) ([]Claim, error) {
	if replica == "" || limit <= 0 || perHost <= 0 || lease <= 0 {
		return nil, fmt.Errorf("store: claim due feeds: replica %q, limit %d, per host %d, lease %s", replica, limit, perHost, lease)
	}
	var claims []Claim
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, "claims"); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, claimSQL, now.UnixMilli(), perHost, limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := now.Add(lease).UnixMilli()
		for _, id := range ids {
			f, err := scanFeed(tx.QueryRowContext(ctx, `UPDATE feeds SET claimed_by = ?, claimed_until = ?
				WHERE id = ? RETURNING `+feedColumns, replica, until, id))
			if err != nil {
				return err
			}
			claims = append(claims, Claim{FeedID: id, Name: f.Name, DueAt: f.DueAt, State: f})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim due feeds: %w", err)
	}
	return claims, nil
}

// RenewClaims extends every live claim of replica to now+lease, and
// returns how many it extended. A claim that ended already is not
// renewed: another replica may have the feed.
func (s *Store) RenewClaims(ctx context.Context, replica string, now time.Time, lease time.Duration) (int, error) {
	res, err := s.writeExec(ctx, writeNormal, `UPDATE feeds SET claimed_until = ?
		WHERE claimed_by = ? AND claimed_until > ?`, now.Add(lease).UnixMilli(), replica, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: renew claims of %s: %w", replica, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: renew claims of %s: %w", replica, err)
	}
	return int(n), nil
}

// FinishPoll ends replica's claim on feed feedID and makes the feed due
// next at next. It reports false, and changes nothing, when replica's
// claim was lost meanwhile (it ended, and another replica claimed the
// feed): the due time is then the other's to set.
func (s *Store) FinishPoll(ctx context.Context, feedID int64, replica string, next time.Time) (bool, error) {
	res, err := s.writeExec(ctx, writeNormal, `UPDATE feeds SET due_at = ?, claimed_by = '', claimed_until = NULL
		WHERE id = ? AND claimed_by = ?`, millis(next), feedID, replica)
	if err != nil {
		return false, fmt.Errorf("store: finish poll of feed %d: %w", feedID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: finish poll of feed %d: %w", feedID, err)
	}
	return n == 1, nil
}

// NextDue returns the earliest due time of a configured feed that no live
// claim at now holds, and false when there is none.
func (s *Store) NextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var due sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT MIN(due_at) FROM feeds
		WHERE configured = 1 AND due_at IS NOT NULL
		AND (claimed_until IS NULL OR claimed_until <= ?)`, now.UnixMilli()).Scan(&due)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next due feed: %w", err)
	}
	return timeFrom(due), due.Valid, nil
}

// ClaimCounts returns, by replica, how many feeds it has claimed at now.
func (s *Store) ClaimCounts(ctx context.Context, now time.Time) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT claimed_by, COUNT(*) FROM feeds
		WHERE claimed_until > ? GROUP BY claimed_by`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			replica string
			n       int
		)
		if err := rows.Scan(&replica, &n); err != nil {
			return nil, fmt.Errorf("store: claims: %w", err)
		}
		out[replica] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	return out, nil
}

// Lease is a named piece of work one replica at a time does.
type Lease struct {
	Name   string
	Holder string
	// Since is when Holder took the lease; Expires when it ends unless
	// renewed.
	Since, Expires time.Time
}

// acquireLeaseSQL takes lease ?1 for ?2 from ?3 until ?4: it inserts the
// lease, or takes it over when it is ?2's own or ended by ?3.
const acquireLeaseSQL = `INSERT INTO leases (name, holder, since, expires_at) VALUES (?1, ?2, ?3, ?4)
	ON CONFLICT (name) DO UPDATE SET
		since = CASE WHEN leases.holder = excluded.holder THEN leases.since ELSE excluded.since END,
		holder = excluded.holder, expires_at = excluded.expires_at
	WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3`

// AcquireLease takes the lease name for holder until now+ttl, when nobody
// holds it, its holder's time ran out, or holder has it already (which
// renews it). It reports whether holder holds it now.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("store: acquire lease %q for %q: empty name or holder, or ttl %s", name, holder, ttl)
	}
	res, err := s.writeExec(ctx, writeUrgent, acquireLeaseSQL, name, holder, now.UnixMilli(), now.Add(ttl).UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up holder's lease name, when holder holds it, so that
// another replica may take it at once.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.writeExec(ctx, writeUrgent, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %q: %w", name, err)
	}
	return nil
}

// RenewLeases extends to now+ttl every lease of holder whose name starts
// with prefix and that has not ended at now, in one statement, and returns
// the names of those it extended: a lease missing from them ended, and
// another holder may have it. prefix must be non-empty and end in an ASCII
// character other than DEL (the names after it are found by range).
func (s *Store) RenewLeases(ctx context.Context, holder, prefix string, now time.Time, ttl time.Duration) ([]string, error) {
	last := len(prefix) - 1
	if holder == "" || last < 0 || prefix[last] >= 0x7f || ttl <= 0 {
		return nil, fmt.Errorf("store: renew leases %q of %q: empty holder or prefix, or ttl %s", prefix, holder, ttl)
	}
	end := prefix[:last] + string(rune(prefix[last]+1))
	var names []string
	err := s.inWriteTx(ctx, writeUrgent, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE leases SET expires_at = ?1
			WHERE holder = ?2 AND name >= ?3 AND name < ?4 AND expires_at > ?5 RETURNING name`,
			now.Add(ttl).UnixMilli(), holder, prefix, end, now.UnixMilli())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			names = append(names, name)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: renew leases %q of %s: %w", prefix, holder, err)
	}
	slices.Sort(names)
	return names, nil
}

// Leases returns every lease recorded, by name, ended ones included.
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, holder, since, expires_at FROM leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: leases: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var (
			l              Lease
			since, expires int64
		)
		if err := rows.Scan(&l.Name, &l.Holder, &since, &expires); err != nil {
			return nil, fmt.Errorf("store: leases: %w", err)
		}
		l.Since, l.Expires = time.UnixMilli(since).UTC(), time.UnixMilli(expires).UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: leases: %w", err)
	}
	return out, nil
}

// Replica is one process sharing the database.
type Replica struct {
	ID       string
	Hostname string
	PID      int
	Version  string
	// ConfigHash and RulesHash identify the configuration and the rules
	// the replica runs: replicas that disagree have different ones.
	ConfigHash, RulesHash string
	StartedAt             time.Time
	// SeenAt is the replica's last heartbeat.
	SeenAt time.Time
	// StoppedAt is when it stopped cleanly; zero while it runs, or when
	// it died.
	StoppedAt time.Time
}

// Heartbeat records that r is alive at r.SeenAt, with its hashes, and
// forgets the replicas that have not beaten since forgetBefore.
func (s *Store) Heartbeat(ctx context.Context, r Replica, forgetBefore time.Time) error {
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO replicas (id, hostname, pid, version, config_hash, rules_hash, started_at, seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET version = excluded.version, config_hash = excluded.config_hash,
				rules_hash = excluded.rules_hash, seen_at = excluded.seen_at, stopped_at = NULL`,
			r.ID, r.Hostname, r.PID, r.Version, r.ConfigHash, r.RulesHash, millis(r.StartedAt), millis(r.SeenAt))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM replicas WHERE seen_at < ?`, forgetBefore.UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: heartbeat of %s: %w", r.ID, err)
	}
	return nil
}

// ReplicaStopped records that replica id stopped cleanly at at.
func (s *Store) ReplicaStopped(ctx context.Context, id string, at time.Time) error {
	if _, err := s.writeExec(ctx, writeNormal, `UPDATE replicas SET stopped_at = ? WHERE id = ?`, millis(at), id); err != nil {
		return fmt.Errorf("store: replica %s stopped: %w", id, err)
	}
	return nil
}

// Replicas returns the replicas recorded, the most recently started
// first.
func (s *Store) Replicas(ctx context.Context) ([]Replica, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, hostname, pid, version, config_hash, rules_hash,
		started_at, seen_at, stopped_at FROM replicas ORDER BY started_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("store: replicas: %w", err)
	}
	defer rows.Close()
	var out []Replica
	for rows.Next() {
		var (
			r                      Replica
			started, seen, stopped sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &r.Hostname, &r.PID, &r.Version, &r.ConfigHash, &r.RulesHash,
			&started, &seen, &stopped); err != nil {
			return nil, fmt.Errorf("store: replicas: %w", err)
		}
		r.StartedAt, r.SeenAt, r.StoppedAt = timeFrom(started), timeFrom(seen), timeFrom(stopped)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: replicas: %w", err)
	}
	return out, nil
}
