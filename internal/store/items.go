package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// itemColumns are the columns scanItem reads, of items i joined with feeds
// f.
const itemColumns = `i.id, i.feed_id, i.identity, i.guid, i.link, i.title, i.summary, i.content,
	i.author, i.categories, i.lang, i.published, i.seen_at,
	i.story_id, i.canonical, i.simhash, i.text_hash, i.updated_at, f.name,
	i.article, i.article_state`

// windowColumns are itemColumns without the article's text, which the
// story index does not read: building it at start reads every item of
// the window.
var windowColumns = strings.Replace(itemColumns, "i.article,", "'',", 1)

const itemsFrom = ` FROM items AS i JOIN feeds AS f ON f.id = i.feed_id`

const insertItemSQL = `INSERT INTO items (feed_id, identity, guid, link, title,
	summary, content, author, categories, lang, published, seen_at,
	story_id, canonical, simhash, text_hash, article, article_state,
	features, features_version)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertItemPG is insertItemSQL on PostgreSQL: an identity the feed has
// already is no row, not an error (see Tx.insert).
const insertItemPG = insertItemSQL + `
	ON CONFLICT (feed_id, identity) DO NOTHING RETURNING id`

const seenSQL = `SELECT EXISTS (SELECT 1 FROM seen WHERE feed_id = ? AND identity = ?)`

// addSeenSQL records an identity as seen; it changes no row when the feed
// has seen it already.
const addSeenSQL = `INSERT INTO seen (feed_id, identity, first_seen, item_id)
	VALUES (?, ?, ?, ?) ON CONFLICT (feed_id, identity) DO NOTHING`

// dropItemSQL takes back an item AddItem has just written, when its
// identity turns out to be seen already.
const dropItemSQL = `DELETE FROM items WHERE id = ?`

// simhashValue encodes a fingerprint as the signed 64-bit integer SQLite
// stores, or NULL when there is none.
func simhashValue(h uint64, ok bool) any {
	if !ok {
		return nil
	}
	return int64(h)
}

// featuresValues are the values of an item's features and their version:
// both NULL when it has none.
func featuresValues(it *model.Item) (any, any) {
	if it.Features == nil {
		return nil, nil
	}
	return it.Features, it.FeaturesVersion
}

func scanItem(r rowScanner) (*model.Item, error) {
	var (
		it                model.Item
		categories        sql.NullString
		published, seenAt sql.NullInt64
		storyID, simhash  sql.NullInt64
		updatedAt         sql.NullInt64
	)
	err := r.Scan(&it.ID, &it.FeedID, &it.Identity, &it.GUID, &it.Link, &it.Title,
		&it.Summary, &it.Content, &it.Author, &categories, &it.Lang, &published, &seenAt,
		&storyID, &it.Canonical, &simhash, &it.TextHash, &updatedAt, &it.Feed,
		&it.Article, &it.ArticleState)
	if err != nil {
		return nil, err
	}
	if err := jsonFrom(categories, &it.Categories); err != nil {
		return nil, fmt.Errorf("item %d categories: %w", it.ID, err)
	}
	it.Published = timeFrom(published)
	it.SeenAt = timeFrom(seenAt)
	it.StoryID = storyID.Int64
	it.SimHash, it.HasSimHash = uint64(simhash.Int64), simhash.Valid
	it.UpdatedAt = timeFrom(updatedAt)
	return &it, nil
}

// Unseen returns those of identities that feed feedID has no item for, in
// their first order and without repeats. It reads outside any write
// transaction, so a poll can learn that nothing is new, the common case,
// without taking the write connection; the poll's Tx still checks the
// identities it records (SeenAmong, Seen), which stays authoritative: an
// item a Tx has not committed yet counts as unseen here, and so does an
// identity that is not valid UTF-8 (it travels as JSON). It is SeenItems'
// answer turned round.
func (s *Store) Unseen(ctx context.Context, feedID int64, identities []string) ([]string, error) {
	seen, err := s.SeenItems(ctx, feedID, identities)
	if err != nil {
		return nil, err
	}
	var unseen []string
	listed := make(map[string]bool, len(identities))
	for _, id := range identities {
		if _, ok := seen[id]; ok || listed[id] {
			continue
		}
		listed[id] = true
		unseen = append(unseen, id)
	}
	return unseen, nil
}

// Items returns the items first seen at or after since, newest first (by
// SeenAt, then by ID), for running rules against history. It holds every
// item in memory; EachItem streams them.
func (s *Store) Items(ctx context.Context, since time.Time) ([]*model.Item, error) {
	var items []*model.Item
	err := s.EachItem(ctx, since, func(it *model.Item) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

// EachItem calls fn for each item first seen at or after since, newest first
// as Items orders them, and stops at the first error fn returns, which it
// returns unwrapped. One read transaction spans the whole walk, which keeps
// the WAL from being checkpointed past it: fn should not block for long.
func (s *Store) EachItem(ctx context.Context, since time.Time, fn func(*model.Item) error) error {
	return s.eachItem(ctx, `SELECT `+itemColumns+itemsFrom+`
		WHERE i.seen_at >= ? ORDER BY i.seen_at DESC, i.id DESC`, fn, since.UnixMilli())
}

// WindowItems calls fn for each item first seen at or after since whose ID
// is greater than after, in the order they were recorded (by ID), and stops
// at the first error fn returns, which it returns unwrapped. It is how a
// story index is built at start (after 0) and caught up with items that
// another process recorded (after the highest ID it has): items are
// committed in the order of their IDs (see Begin), so none is passed over.
func (s *Store) WindowItems(ctx context.Context, since time.Time, after int64, fn func(*model.Item) error) error {
	return s.eachItem(ctx, `SELECT `+windowColumns+itemsFrom+`
		WHERE i.id > ? AND i.seen_at >= ? ORDER BY i.id`, fn, after, since.UnixMilli())
}

// eachItem runs a query of itemColumns on the read pool and calls fn for
// each item.
func (s *Store) eachItem(ctx context.Context, query string, fn func(*model.Item) error, args ...any) error {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return fmt.Errorf("store: items: %w", err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: items: %w", err)
	}
	return nil
}
