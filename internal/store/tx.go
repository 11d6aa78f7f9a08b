package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// ErrDuplicate is returned (wrapped) by Tx.AddItem when the feed already has
// an item with that identity, and by Tx.Enqueue for a second first alert of
// one story, rule and notifier. The transaction remains usable.
var ErrDuplicate = errors.New("identity already seen")

// Tx is the one write transaction of a feed poll: the items seen for the
// first time, the alerts they cause and the feed's new state are committed
// together or not at all. A Tx is not safe for concurrent use, and it holds
// the turn to write until Commit or Rollback (on SQLite the store's only
// write connection; on PostgreSQL a lock every replica's polls take), so
// keep it short: fetch and parse before Begin.
type Tx struct {
	s   *Store
	ctx context.Context
	// run is ctx without its end, for the transaction's statements: see
	// exec.
	run  context.Context
	conn *sql.Conn // the write connection, which tx holds
	tx   *sql.Tx
	// seen is Seen's query, prepared on conn by the first Seen: see
	// Seen. seenMu is held while it is prepared or runs, and to close it.
	seen   *sql.Stmt
	seenMu sync.Mutex

	// ended is set once the transaction has given the write connection
	// back (Commit, Rollback, or its context done).
	ended     atomic.Bool
	stopWatch func() bool // stops the watch on ctx

	// stmts are the store's prepared statements bound to this transaction,
	// on first use.
	stmts [numStmts]*sql.Stmt

	// fresh holds the stories NewStory recorded in this transaction: see
	// joinStory.
	fresh map[int64]freshStory
}

// stmtID names one of the statements of pollSQL.
type stmtID int

const (
	stmtAddSeen stmtID = iota
	stmtAddItem
	stmtDropItem
	stmtJoinStory
	stmtCountStory
	stmtEnqueue
	stmtNewStory
	stmtStoryAlert
	stmtItemAlerts
	stmtFollowUps
	stmtUpdateItem
	stmtSaveFeed
	stmtSaveItemMemo
	stmtDeleteItemMemo
	stmtCompleteArticle
	stmtRecordArticleFetch
	stmtItemRules
	numStmts
)

// pollSQL returns the statements a poll runs once per item or alert on
// engine e, and saveFeedSQL, which every poll runs once (Tx.SaveFeed, or Store.SaveFeed
// after a failure or a 304), prepared once on the write connection when
// the store opens.
func pollSQL(e Engine) [numStmts]string {
	return [numStmts]string{
		stmtAddSeen:    addSeenSQL,
		stmtAddItem:    sqlFor(e, insertItemSQL, insertItemPG),
		stmtDropItem:   dropItemSQL,
		stmtJoinStory:  sqlFor(e, joinStorySQL, joinStoryPG),
		stmtCountStory: countStorySQL,
		stmtEnqueue:    sqlFor(e, insertAlertSQL, insertAlertPG),

		stmtNewStory:   sqlFor(e, newStorySQL, newStoryPG),
		stmtStoryAlert: storyAlertSQL,
		stmtItemAlerts: itemAlertsSQL,
		stmtFollowUps:  followUpsSQL,
		stmtUpdateItem: updateItemSQL,
		stmtSaveFeed:   saveFeedSQL,

		stmtSaveItemMemo:   saveItemMemoSQL,
		stmtDeleteItemMemo: deleteItemMemoSQL,

		stmtCompleteArticle:    completeArticleSQL,
		stmtRecordArticleFetch: recordArticleFetchSQL,
		stmtItemRules:          itemRulesSQL,
	}
}

func (s *Store) preparePoll(ctx context.Context) error {
	for id, query := range pollSQL(s.engine) {
		stmt, err := s.write.PrepareContext(ctx, query)
		if err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
		s.poll[id] = stmt
	}
	return nil
}

// Begin starts the write transaction of a poll, waiting while another one is
// open, in this process on SQLite, in any process sharing the database on
// PostgreSQL. ctx bounds the whole transaction: when it is done before Commit,
// the transaction is rolled back.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	if err := s.lockWrite(ctx, writeNormal); err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		s.unlockWrite()
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		s.unlockWrite()
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	t := &Tx{s: s, ctx: ctx, run: context.WithoutCancel(ctx), conn: conn, tx: tx}
	if s.engine == Postgres {
		// pgx interrupts a statement when its context ends without a
		// goroutine of its own per statement: see exec.
		t.run = ctx
		// Poll transactions take turns across every replica, as on
		// SQLite: rows get their IDs in the order they are committed
		// (see DueAlertsAfter, AlertsWrittenAfter, WindowItems), and
		// what one replica decides about a story (NewStory, AddItem
		// with a StoryID) is committed before another looks.
		if err := s.lockTx(ctx, tx, "writes"); err != nil {
			tx.Rollback()
			conn.Close()
			return nil, fmt.Errorf("store: begin: %w", err)
		}
	}
	// database/sql rolls the transaction back when ctx is done; the
	// connection's next user may then have its turn.
	t.stopWatch = context.AfterFunc(ctx, t.end)
	return t, nil
}

// end gives the write connection back, once the transaction is over, and
// the turn to the next writer, once.
func (tx *Tx) end() {
	if tx.ended.CompareAndSwap(false, true) {
		// When ctx ends, a Seen may be running on the Tx's goroutine.
		tx.seenMu.Lock()
		if tx.seen != nil {
			tx.seen.Close()
		}
		tx.seenMu.Unlock()
		tx.conn.Close() // waits for the transaction to end
		tx.s.unlockWrite()
	}
}

// stmt returns the store's statement id bound to the transaction, binding
// it on first use.
func (tx *Tx) stmt(id stmtID) *sql.Stmt {
	if tx.stmts[id] == nil {
		tx.stmts[id] = tx.tx.StmtContext(tx.ctx, tx.s.poll[id])
	}
	return tx.stmts[id]
}

// exec runs the statement id in the transaction. Its context is ctx
// without its end: modernc.org/sqlite starts a goroutine for every
// statement run under a context that can end, to interrupt the statement
// when it does, and for statements of a few microseconds, as a poll runs
// several per item, that goroutine costs more than the statement
// (BenchmarkFirstPoll: a quarter of the transaction's time). The
// transaction still ends with ctx: each statement checks ctx before it
// runs, database/sql rolls the transaction back when ctx is done, and
// Commit refuses it then. Only a statement already running is not
// interrupted, and each of these reads or writes a few rows by key.
func (tx *Tx) exec(id stmtID, args ...any) (sql.Result, error) {
	if err := tx.ctx.Err(); err != nil {
		return nil, err
	}
	return tx.stmt(id).ExecContext(tx.run, args...)
}

// query runs the query id in the transaction, as exec runs a statement.
func (tx *Tx) query(id stmtID, args ...any) (*sql.Rows, error) {
	if err := tx.ctx.Err(); err != nil {
		return nil, err
	}
	return tx.stmt(id).QueryContext(tx.run, args...)
}

// queryRow runs the query id in the transaction, as exec runs a
// statement, and scans its first row into dest.
func (tx *Tx) queryRow(id stmtID, args []any, dest ...any) error {
	if err := tx.ctx.Err(); err != nil {
		return err
	}
	return tx.stmt(id).QueryRowContext(tx.run, args...).Scan(dest...)
}

// insert runs the statement id, an INSERT of one row, in the transaction
// as exec does, and returns the row's ID, or errConflict when a unique
// constraint refused the row. On SQLite the statement fails with a
// constraint error, and the transaction stays usable; on PostgreSQL, where
// such an error would abort the transaction, the statement says ON
// CONFLICT DO NOTHING RETURNING id, and returns no row.
func (tx *Tx) insert(id stmtID, args ...any) (int64, error) {
	if err := tx.ctx.Err(); err != nil {
		return 0, err
	}
	if tx.s.engine == Postgres {
		var n int64
		err := tx.stmt(id).QueryRowContext(tx.run, args...).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, errConflict
		}
		return n, err
	}
	res, err := tx.stmt(id).ExecContext(tx.run, args...)
	if isUniqueViolation(err) {
		return 0, errConflict
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Seen reports whether feed feedID already has an item with identity,
// including items added earlier in this transaction. SeenAmong asks the
// same of many identities in one query.
//
// database/sql watches the rows of every query made through a
// transaction with a goroutine, for the transaction's end. Seen's query
// is prepared on the connection the transaction holds instead (once per
// transaction, by its first Seen), so it runs in the transaction, seeing
// its writes, without that goroutine; the query is over before Seen
// returns.
func (tx *Tx) Seen(feedID int64, identity string) (bool, error) {
	var seen bool
	tx.seenMu.Lock()
	err := tx.ctx.Err()
	if err == nil && tx.ended.Load() {
		err = sql.ErrTxDone
	}
	if err == nil && tx.seen == nil {
		tx.seen, err = tx.conn.PrepareContext(tx.run, seenSQL)
	}
	if err == nil {
		err = tx.seen.QueryRowContext(tx.run, feedID, identity).Scan(&seen)
	}
	tx.seenMu.Unlock()
	if err != nil {
		return false, fmt.Errorf("store: seen: %w", err)
	}
	return seen, nil
}

// AddItem records it as seen in its feed, under it.Identity and each of
// it.Aliases, and sets it.ID, and it.SeenAt when zero. An identity the feed
// has already seen is ErrDuplicate; an alias already seen is left as it is.
// An item with a StoryID joins that story (NewStory).
//
// The item's row is written first, so that its identity's seen row is
// written once, with the item's ID; when the identity turns out to be
// seen already (its item pruned, or another item's alias), the row is
// taken back.
func (tx *Tx) AddItem(it *model.Item) error {
	if it.Identity == "" {
		return fmt.Errorf("store: add item to feed %d: empty identity", it.FeedID)
	}
	seenAt := it.SeenAt
	if seenAt.IsZero() {
		seenAt = time.UnixMilli(tx.s.now().UnixMilli()).UTC()
	}
	categories, err := jsonText(it.Categories)
	if err != nil {
		return fmt.Errorf("store: add item %q: categories: %w", it.Identity, err)
	}
	features, version := featuresValues(it)
	id, err := tx.insert(stmtAddItem,
		it.FeedID, it.Identity, it.GUID, it.Link, it.Title,
		it.Summary, it.Content, it.Author, categories, it.Lang, millis(it.Published), millis(seenAt),
		nullID(it.StoryID), it.Canonical, simhashValue(it.SimHash, it.HasSimHash), it.TextHash,
		it.Article, string(it.ArticleState),
		features, version)
	if errors.Is(err, errConflict) { // the item is still kept
		return fmt.Errorf("store: add item %q to feed %d: %w", it.Identity, it.FeedID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: add item %q: %w", it.Identity, err)
	}
	res, err := tx.exec(stmtAddSeen, it.FeedID, it.Identity, millis(seenAt), id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			if _, err = tx.exec(stmtDropItem, id); err == nil {
				return fmt.Errorf("store: add item %q to feed %d: %w", it.Identity, it.FeedID, ErrDuplicate)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store: add item %q: %w", it.Identity, err)
	}
	if it.StoryID != 0 {
		if err := tx.joinStory(it.StoryID, seenAt); err != nil {
			return fmt.Errorf("store: add item %q to story %d: %w", it.Identity, it.StoryID, err)
		}
	}
	for _, alias := range it.Aliases {
		if alias == "" || alias == it.Identity {
			continue
		}
		if _, err := tx.exec(stmtAddSeen, it.FeedID, alias, millis(seenAt), id); err != nil {
			return fmt.Errorf("store: add item %q: alias %q: %w", it.Identity, alias, err)
		}
	}
	it.ID, it.SeenAt = id, seenAt
	return nil
}

// Enqueue writes a to the outbox as a new queued alert and sets a.ID and
// a.Status, a.Kind (KindAlert when empty), a.CreatedAt when zero,
// a.NextAttemptAt (when zero: due at once, at CreatedAt) and a.QueuedAt
// (NextAttemptAt). Its delivery fields (Attempts, DeliveredAt, DeadAt,
// LastError, Remote…) are not written. A second KindAlert alert for the same
// story, rule and notifier is refused with an error wrapping ErrDuplicate.
func (tx *Tx) Enqueue(a *model.Alert) error {
	if a.Rule == "" || a.Notifier == "" {
		return fmt.Errorf("store: enqueue: alert needs a rule and a notifier (rule %q, notifier %q)", a.Rule, a.Notifier)
	}
	kind := a.Kind
	switch kind {
	case "":
		kind = model.KindAlert
	case model.KindAlert:
	case model.KindAlso, model.KindUpdate:
		if a.ParentID == 0 {
			return fmt.Errorf("store: enqueue: %s alert of rule %q without a parent alert", kind, a.Rule)
		}
	default:
		return fmt.Errorf("store: enqueue: alert of rule %q: unknown kind %q", a.Rule, kind)
	}
	created := a.CreatedAt
	if created.IsZero() {
		created = time.UnixMilli(tx.s.now().UnixMilli()).UTC()
	}
	next := a.NextAttemptAt
	if next.IsZero() {
		next = created
	}
	hits, err := jsonText(a.Hits)
	if err != nil {
		return fmt.Errorf("store: enqueue alert of rule %q: hits: %w", a.Rule, err)
	}
	itemID := nullID(a.ItemID)
	id, err := tx.insert(stmtEnqueue,
		itemID, a.Rule, a.Notifier, a.Channel, a.Severity,
		a.Title, a.Link, a.Feed, a.Summary, a.Description, millis(a.Published), hits,
		boolInt(a.Digest), millis(next), millis(created),
		string(kind), nullID(a.StoryID), nullID(a.ParentID), millis(next))
	if errors.Is(err, errConflict) {
		return fmt.Errorf("store: enqueue alert of rule %q for story %d and notifier %q: %w", a.Rule, a.StoryID, a.Notifier, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: enqueue alert of rule %q: %w", a.Rule, err)
	}
	a.ID, a.Status, a.Kind, a.CreatedAt, a.NextAttemptAt, a.QueuedAt = id, model.StatusQueued, kind, created, next, next
	return nil
}

// SaveFeed records f's polling state in the transaction, as Store.SaveFeed
// does outside one, but for a feed whose URL changed since f was read: in
// a poll's transaction that is an error wrapping ErrStateChanged, like a
// state another save changed since (the poll must not commit what it
// read from, and decided on, a state that is no longer the feed's). f.Rev
// is then the revision of the save, also when the transaction is rolled
// back later: read the state again after a rollback.
func (tx *Tx) SaveFeed(f *FeedState) error {
	if err := tx.ctx.Err(); err != nil {
		return fmt.Errorf("store: save feed %q: %w", f.Name, err)
	}
	if err := saveFeed(tx.run, tx.stmt(stmtSaveFeed), tx.tx, f, ErrStateChanged); err != nil {
		return fmt.Errorf("store: save feed %q: %w", f.Name, err)
	}
	return nil
}

// Commit makes the transaction's writes durable and visible.
func (tx *Tx) Commit() error {
	err := tx.uncountUnjoined()
	if err == nil {
		err = tx.tx.Commit()
	} else {
		tx.tx.Rollback()
	}
	tx.stopWatch()
	tx.end()
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Rollback abandons the transaction's writes. It is a no-op after Commit or
// a previous Rollback, so it can be deferred right after Begin.
func (tx *Tx) Rollback() error {
	err := tx.tx.Rollback()
	tx.stopWatch()
	tx.end()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("store: rollback: %w", err)
	}
	return nil
}
