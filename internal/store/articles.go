package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// The article side of items (migrations sqlite/0008, postgres/0004): a poll records an item
// whose page is to be fetched as model.ArticlePending, in its own
// transaction; the article worker reads the pending items
// (PendingArticles), fetches each page at most once per canonical link
// (ArticleFetchOf tells whether another item's fetch has it already), and
// completes the item in a second transaction (Tx.CompleteArticle,
// Tx.RecordArticleFetch) together with the alerts its article causes.

// ArticleFetch is the record that the page of a canonical link was
// fetched.
type ArticleFetch struct {
	Canonical string
	// ItemID is the item that holds the page's text; 0 once it is pruned.
	ItemID int64
	// State is ArticleFetched or ArticleFailed.
	State model.ArticleState
	// Reason says why a fetch failed: a fetch error's kind ("timeout",
	// "http_status", …), "no_text" or "paywall"; "" when it did not.
	Reason    string
	FetchedAt time.Time
	// Text is the page's main text, read from the item that holds it, for
	// a fetched page.
	Text string
}

const pendingArticlesSQL = `SELECT ` + itemColumns + itemsFrom + `
	WHERE i.article_state = 'pending' AND i.id > ? ORDER BY i.id LIMIT ?`

// PendingArticles returns up to limit items whose page is still to be
// fetched (model.ArticlePending), after the item ID after, oldest first.
func (s *Store) PendingArticles(ctx context.Context, after int64, limit int) ([]*model.Item, error) {
	var out []*model.Item
	err := s.eachItem(ctx, pendingArticlesSQL, func(it *model.Item) error {
		out = append(out, it)
		return nil
	}, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending articles: %w", err)
	}
	return out, nil
}

const articleFetchSQL = `SELECT a.item_id, a.state, a.reason, a.fetched_at, COALESCE(i.article, '')
	FROM article_fetches AS a LEFT JOIN items AS i ON i.id = a.item_id
	WHERE a.canonical = ?`

// ArticleFetchOf returns the record of the page of canonical, or nil when
// it has not been fetched, or was fetched for an item since pruned (its
// text is gone with the item: it is to be fetched again).
func (s *Store) ArticleFetchOf(ctx context.Context, canonical string) (*ArticleFetch, error) {
	a := ArticleFetch{Canonical: canonical}
	var (
		itemID    sql.NullInt64
		state     string
		fetchedAt sql.NullInt64
	)
	err := s.read.QueryRowContext(ctx, articleFetchSQL, canonical).Scan(&itemID, &state, &a.Reason, &fetchedAt, &a.Text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: article fetch: %w", err)
	}
	a.ItemID, a.State, a.FetchedAt = itemID.Int64, model.ArticleState(state), timeFrom(fetchedAt)
	if !itemID.Valid && a.State == model.ArticleFetched {
		return nil, nil
	}
	return &a, nil
}

// completeArticleSQL completes a pending item, and only a pending one: of
// two processes completing the same item, one does.
const completeArticleSQL = `UPDATE items SET article = ?, article_state = ?
	WHERE id = ? AND article_state = 'pending'`

// CompleteArticle records the outcome for the pending item id: its page's
// text and model.ArticleFetched, or "" and model.ArticleFailed. It reports
// false, and changes nothing, when the item is not pending (another
// process completed it, or it was pruned).
func (tx *Tx) CompleteArticle(id int64, state model.ArticleState, text string) (bool, error) {
	if state != model.ArticleFetched && state != model.ArticleFailed {
		return false, fmt.Errorf("store: complete article of item %d: state %q is not an outcome", id, state)
	}
	res, err := tx.exec(stmtCompleteArticle, text, string(state), id)
	if err != nil {
		return false, fmt.Errorf("store: complete article of item %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: complete article of item %d: %w", id, err)
	}
	return n == 1, nil
}

// recordArticleFetchSQL records a fetch; a link recorded already keeps its
// record, unless the item holding its text is gone.
const recordArticleFetchSQL = `INSERT INTO article_fetches (canonical, item_id, state, reason, fetched_at)
	VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (canonical) DO UPDATE SET item_id = excluded.item_id, state = excluded.state,
		reason = excluded.reason, fetched_at = excluded.fetched_at
	WHERE article_fetches.item_id IS NULL`

// RecordArticleFetch records that the page of a.Canonical was fetched for
// the item a.ItemID, so that no other item fetches it again.
func (tx *Tx) RecordArticleFetch(a ArticleFetch) error {
	if a.Canonical == "" {
		return errors.New("store: record article fetch: no canonical link")
	}
	if _, err := tx.exec(stmtRecordArticleFetch, a.Canonical, nullID(a.ItemID), string(a.State), a.Reason, millis(a.FetchedAt)); err != nil {
		return fmt.Errorf("store: record article fetch: %w", err)
	}
	return nil
}

const itemRulesSQL = `SELECT DISTINCT rule FROM alerts WHERE item_id = ?`

// ItemRules returns the rules that have an alert of any kind for the item
// id: the rules it has alerted, or followed up a story with, already.
func (tx *Tx) ItemRules(id int64) (map[string]bool, error) {
	rows, err := tx.query(stmtItemRules, id)
	if err != nil {
		return nil, fmt.Errorf("store: rules of item %d: %w", id, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var rule string
		if err := rows.Scan(&rule); err != nil {
			return nil, fmt.Errorf("store: rules of item %d: %w", id, err)
		}
		out[rule] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rules of item %d: %w", id, err)
	}
	return out, nil
}
