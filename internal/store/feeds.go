package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// FeedState is a feed as the store keeps it: its name and URL and the
// state of its polling (validators, backoff, identity mode, the last
// document). The configured feed itself is model.Feed.
type FeedState struct {
	ID   int64
	Name string
	URL  string // the configured URL
	// CurrentURL is where the feed lives after a permanent redirect; ""
	// means URL.
	CurrentURL   string
	ETag         string
	LastModified string
	// LastFetchAt is when the last fetch ended, successful or not.
	LastFetchAt   time.Time
	LastSuccessAt time.Time
	// LastStatus is the HTTP status of the last fetch, 0 when none was
	// received.
	LastStatus          int
	LastError           string
	ConsecutiveFailures int
	// NextAttemptAt holds the feed back (backoff, Retry-After): do not fetch
	// before it. Zero means no hold.
	NextAttemptAt time.Time
	// PrimedAt is when the first successful fetch was recorded (the backfill
	// applied); zero means never.
	PrimedAt time.Time

	// IdentityMode says how the feed's items are identified:
	// IdentityGUID (the default) or IdentityLink, for a feed found to give
	// its items a new GUID on every fetch.
	IdentityMode IdentityMode
	// GUIDChanges counts the items the feed has carried again under a new
	// GUID with a known link.
	GUIDChanges int
	// IdentityModeAt is when IdentityMode last changed; zero when never.
	IdentityModeAt time.Time

	// BodyHash identifies the last document whose poll was recorded in full
	// (monitor computes it from the body and what else its parse depends
	// on); "" when none. It is meant to be saved only with the state of a
	// poll that recorded that document, so that a document is never taken
	// as known before its items are. A URL change clears it.
	BodyHash string
	// BodySize is the size in bytes of that document, a hint for reading
	// the next one; 0 when unknown.
	BodySize int64

	// PolledBy is the replica that recorded the feed's last poll, when
	// several share the database (see ClaimDueFeeds); "" when one process
	// polls.
	PolledBy string
	// DueAt is when the feed is next due, when replicas share its polling;
	// zero when it is not scheduled that way. Read only.
	DueAt time.Time
	// ClaimedBy is the replica polling the feed now, and ClaimedUntil
	// when its claim ends unless renewed; "" and zero when none. Read
	// only.
	ClaimedBy    string
	ClaimedUntil time.Time

	// Rev is the revision of the polling state as it was read: every save
	// (SaveFeed, SaveFeeds, Tx.SaveFeed), every change of the configured
	// URL, and the feed leaving or joining the configuration make a new
	// one. A save is made only over the
	// revision f was read at, and sets f.Rev to the one it made, so that a
	// state read a while before it is saved (see FeedsNamed) never
	// overwrites one written in between.
	Rev int64
}

// ErrStateChanged is what a save of a feed's polling state returns
// (wrapped) when the feed's state was saved by another poll (another
// process, or a replica) since it was read: the save changed nothing.
// The state in the store is the newer one; a poll that gets it has at
// most fetched the feed once more than it needed to.
var ErrStateChanged = errors.New("the feed's state changed since it was read")

// IdentityMode is how a feed's items are identified.
type IdentityMode string

// The identity modes of a feed.
const (
	// IdentityGUID identifies items by GUID, else canonical link, else a
	// hash of title and date.
	IdentityGUID IdentityMode = "guid"
	// IdentityLink ignores GUIDs: canonical link, else the hash.
	IdentityLink IdentityMode = "link"
)

const feedColumns = `id, name, url, current_url, etag, last_modified,
	last_fetch_at, last_success_at, last_status, last_error,
	consecutive_failures, next_attempt_at, primed_at,
	identity_mode, guid_changes, identity_mode_at,
	body_hash, body_size, polled_by, due_at, claimed_by, claimed_until, state_rev`

func scanFeed(r rowScanner) (*FeedState, error) {
	var (
		f                                   FeedState
		fetch, success, nextAttempt, primed sql.NullInt64
		modeAt, due, claimedUntil           sql.NullInt64
	)
	err := r.Scan(&f.ID, &f.Name, &f.URL, &f.CurrentURL, &f.ETag, &f.LastModified,
		&fetch, &success, &f.LastStatus, &f.LastError,
		&f.ConsecutiveFailures, &nextAttempt, &primed,
		&f.IdentityMode, &f.GUIDChanges, &modeAt,
		&f.BodyHash, &f.BodySize, &f.PolledBy, &due, &f.ClaimedBy, &claimedUntil, &f.Rev)
	if err != nil {
		return nil, err
	}
	f.LastFetchAt = timeFrom(fetch)
	f.LastSuccessAt = timeFrom(success)
	f.NextAttemptAt = timeFrom(nextAttempt)
	f.PrimedAt = timeFrom(primed)
	f.IdentityModeAt = timeFrom(modeAt)
	f.DueAt = timeFrom(due)
	f.ClaimedUntil = timeFrom(claimedUntil)
	return &f, nil
}

// SyncFeeds makes the configured feeds those of specs, matched by name. A new
// name is inserted. A name whose URL changed gets the new URL and loses the
// old one's HTTP state (CurrentURL, ETag, LastModified, BodyHash,
// BodySize, the item memo), backoff (ConsecutiveFailures, NextAttemptAt)
// and identity mode (the new source may give stable GUIDs), but keeps its
// seen items and PrimedAt. A feed missing from specs is kept, with its items and alerts,
// but no longer returned by Feeds or Feed; it returns if configured again.
func (s *Store) SyncFeeds(ctx context.Context, specs []model.Feed) error {
	names := make(map[string]bool, len(specs))
	for _, sp := range specs {
		if sp.Name == "" || sp.URL == "" {
			return fmt.Errorf("store: sync feeds: feed %q: empty name or URL", sp.Name)
		}
		if names[sp.Name] {
			return fmt.Errorf("store: sync feeds: feed %q listed twice", sp.Name)
		}
		names[sp.Name] = true
	}
	err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		// Replicas starting together sync the same feeds: one at a time.
		if err := s.lockTx(ctx, tx, "feeds"); err != nil {
			return err
		}
		// A temporary table would cost more than this for the few thousand
		// feeds a configuration lists: every row is read once, and only rows
		// that change are written.
		rows, err := tx.QueryContext(ctx, `SELECT name, url, configured FROM feeds`)
		if err != nil {
			return err
		}
		type state struct {
			url        string
			configured bool
		}
		have := make(map[string]state)
		for rows.Next() {
			var (
				name string
				st   state
			)
			if err := rows.Scan(&name, &st.url, &st.configured); err != nil {
				rows.Close()
				return err
			}
			have[name] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		for _, sp := range specs {
			st, ok := have[sp.Name]
			switch {
			case !ok:
				_, err = tx.ExecContext(ctx, `INSERT INTO feeds (name, url) VALUES (?, ?)
					ON CONFLICT (name) DO NOTHING`, sp.Name, sp.URL)
			case st.url != sp.URL:
				_, err = tx.ExecContext(ctx, `UPDATE feeds SET url = ?, configured = 1,
					current_url = '', etag = '', last_modified = '',
					body_hash = '', body_size = 0,
					consecutive_failures = 0, next_attempt_at = NULL,
					identity_mode = 'guid', guid_changes = 0, identity_mode_at = NULL,
					state_rev = state_rev + 1
					WHERE name = ?`, sp.URL, sp.Name)
				if err == nil {
					_, err = tx.ExecContext(ctx, `DELETE FROM item_memos
						WHERE feed_id = (SELECT id FROM feeds WHERE name = ?)`, sp.Name)
				}
			case !st.configured:
				_, err = tx.ExecContext(ctx, `UPDATE feeds SET configured = 1, state_rev = state_rev + 1 WHERE name = ?`, sp.Name)
			}
			if err != nil {
				return fmt.Errorf("feed %q: %w", sp.Name, err)
			}
		}
		for name, st := range have {
			if st.configured && !names[name] {
				// A new revision: a poll that read the state before must
				// not record items for a feed no longer configured.
				if _, err := tx.ExecContext(ctx, `UPDATE feeds SET configured = 0, state_rev = state_rev + 1 WHERE name = ?`, name); err != nil {
					return fmt.Errorf("feed %q: %w", name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: sync feeds: %w", err)
	}
	return nil
}

// Feeds returns the state of the configured feeds, ordered by name.
func (s *Store) Feeds(ctx context.Context) ([]*FeedState, error) {
	rows, err := s.read.QueryContext(ctx,
		`SELECT `+feedColumns+` FROM feeds WHERE configured = 1 ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: feeds: %w", err)
	}
	defer rows.Close()
	var feeds []*FeedState
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("store: feeds: %w", err)
		}
		feeds = append(feeds, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feeds: %w", err)
	}
	return feeds, nil
}

const feedByNameSQL = `SELECT ` + feedColumns + ` FROM feeds WHERE name = ? AND configured = 1`

// Feed returns the state of the configured feed called name, or an error
// wrapping ErrNotFound.
func (s *Store) Feed(ctx context.Context, name string) (*FeedState, error) {
	f, err := scanFeed(s.reads.get(stmtFeedByName).QueryRowContext(ctx, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: feed %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: feed %q: %w", name, err)
	}
	return f, nil
}

// feedsNamedSQL reads the configured feeds whose names are in a JSON
// array.
const feedsNamedSQL = `SELECT ` + feedColumns + ` FROM feeds
	WHERE name IN (SELECT value FROM json_each(?1)) AND configured = 1`

// feedsNamedPG is feedsNamedSQL on PostgreSQL.
const feedsNamedPG = `SELECT ` + feedColumns + ` FROM feeds
	WHERE name = ANY(?1) AND configured = 1`

// FeedsNamed returns the state of the configured feeds among names, by
// name, in one query: a round of polls reads its feeds' states at once
// rather than one at a time. A name that is not a configured feed is not
// in the map. A state read this way may be saved a while later: the save
// is then made only if no other save came in between (see FeedState.Rev).
func (s *Store) FeedsNamed(ctx context.Context, names []string) (map[string]*FeedState, error) {
	out := make(map[string]*FeedState, len(names))
	if len(names) == 0 {
		return out, nil
	}
	list, err := s.textList(names)
	if err != nil {
		return nil, fmt.Errorf("store: feeds named: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, sqlFor(s.engine, feedsNamedSQL, feedsNamedPG), list)
	if err != nil {
		return nil, fmt.Errorf("store: feeds named: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("store: feeds named: %w", err)
		}
		out[f.Name] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feeds named: %w", err)
	}
	return out, nil
}

// SaveFeed records the polling state of f (everything but its name, its
// URL and the read-only DueAt and Claimed… of shared polling) outside a
// poll transaction, e.g. after a failed fetch or a 304. f must
// come from Feeds, Feed or FeedsNamed. When the feed's configured URL has
// changed since f was read, the state describes a URL the feed no longer
// has and is discarded; SaveFeed then returns nil. When another save came
// since f was read (f.Rev is not the stored revision), nothing is saved
// and the error wraps ErrStateChanged. A feed that no longer exists is
// ErrNotFound.
func (s *Store) SaveFeed(ctx context.Context, f *FeedState) error {
	if err := s.lockWrite(ctx, writeNormal); err != nil {
		return fmt.Errorf("store: save feed %q: %w", f.Name, err)
	}
	defer s.unlockWrite()
	if err := saveFeed(ctx, s.poll[stmtSaveFeed], s.write, f, nil); err != nil {
		return fmt.Errorf("store: save feed %q: %w", f.Name, err)
	}
	return nil
}

// SaveFeeds records the polling states of feeds in one write transaction,
// each as SaveFeed would: the states of a round's polls that found nothing
// new, saved together instead of each in a transaction of its own. It
// returns one error for each of feeds, in their order: nil when saved or
// discarded (the URL changed), else wrapping ErrStateChanged or
// ErrNotFound, which leave the others saved. An error of the transaction
// itself saves none of them (err).
func (s *Store) SaveFeeds(ctx context.Context, feeds []*FeedState) (errs []error, err error) {
	if len(feeds) == 0 {
		return nil, nil
	}
	errs = make([]error, len(feeds))
	revs := make([]int64, len(feeds))
	err = s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
		update := tx.StmtContext(ctx, s.poll[stmtSaveFeed])
		defer update.Close()
		for i, f := range feeds {
			revs[i] = f.Rev
			err := saveFeed(ctx, update, tx, f, nil)
			switch {
			case errors.Is(err, ErrStateChanged), errors.Is(err, ErrNotFound):
				errs[i] = fmt.Errorf("store: save feed %q: %w", f.Name, err)
			case err != nil:
				return fmt.Errorf("feed %q: %w", f.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		// Nothing was saved: each state is at the revision it was read at.
		for i, f := range feeds {
			f.Rev = revs[i]
		}
		return nil, fmt.Errorf("store: save feeds: %w", err)
	}
	return errs, nil
}

const saveFeedSQL = `UPDATE feeds SET current_url = ?, etag = ?, last_modified = ?,
	last_fetch_at = ?, last_success_at = ?, last_status = ?, last_error = ?,
	consecutive_failures = ?, next_attempt_at = ?, primed_at = ?,
	identity_mode = ?, guid_changes = ?, identity_mode_at = ?,
	body_hash = ?, body_size = ?, polled_by = ?, state_rev = state_rev + 1
	WHERE id = ? AND url = ? AND state_rev = ?`

// identityMode is f.IdentityMode, IdentityGUID when empty.
func (f *FeedState) identityMode() IdentityMode {
	if f.IdentityMode == "" {
		return IdentityGUID
	}
	return f.IdentityMode
}

// saveFeed records f's polling state with update, saveFeedSQL prepared
// on the write connection (or bound to a write transaction), over the
// revision f was read at, and looks through db, the write pool or that
// transaction, for why no row changed: a feed whose URL changed is
// ErrStateChanged when moved is, else discarded. A save sets f.Rev to the
// revision it made.
func saveFeed(ctx context.Context, update *sql.Stmt, db querier, f *FeedState, moved error) error {
	res, err := update.ExecContext(ctx,
		f.CurrentURL, f.ETag, f.LastModified,
		millis(f.LastFetchAt), millis(f.LastSuccessAt), f.LastStatus, f.LastError,
		f.ConsecutiveFailures, millis(f.NextAttemptAt), millis(f.PrimedAt),
		string(f.identityMode()), f.GUIDChanges, millis(f.IdentityModeAt),
		f.BodyHash, f.BodySize, f.PolledBy,
		f.ID, f.URL, f.Rev)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		f.Rev++
		return nil
	}
	var url string
	err = db.QueryRowContext(ctx, `SELECT url FROM feeds WHERE id = ?`, f.ID).Scan(&url)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case url != f.URL:
		return moved // the URL changed, the state is stale
	}
	return ErrStateChanged
}
