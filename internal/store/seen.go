package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// SeenItem is what the store knows of an identity a feed has carried.
type SeenItem struct {
	Identity string
	// ItemID is the item recorded under the identity; 0 once retention
	// pruned it.
	ItemID int64
	// TextHash is the item's Item.TextHash, "" once it was pruned.
	TextHash string
}

// seenItemsSQL selects, from a JSON array of identities, those feed ?1 has
// seen, with their item where it is still kept. SQLite keeps the order of
// the tables of a CROSS JOIN: the list is read once and each identity
// looked up by primary key. Left to itself, the planner puts seen outside
// and reads the feed's whole history, parsing the list again for every
// row (TestSeenItemsPlan). An identity listed twice gives two rows.
const seenItemsSQL = `SELECT s.identity, s.item_id, COALESCE(i.text_hash, '')
	FROM json_each(?2) AS j
	CROSS JOIN seen AS s ON s.feed_id = ?1 AND s.identity = j.value
	LEFT JOIN items AS i ON i.id = s.item_id`

// seenItemsPG is seenItemsSQL on PostgreSQL: the identities come as an
// array, and the planner looks each up by the primary key of seen on its
// own.
const seenItemsPG = `SELECT s.identity, s.item_id, COALESCE(i.text_hash, '')
	FROM seen AS s LEFT JOIN items AS i ON i.id = s.item_id
	WHERE s.feed_id = ?1 AND s.identity = ANY(?2)`

// SeenItems returns, by identity, those of identities that feed feedID has
// seen. Like Unseen it reads outside any write transaction, so that a poll
// learns which items are new and which changed without the write
// connection; a Tx's Seen stays authoritative.
func (s *Store) SeenItems(ctx context.Context, feedID int64, identities []string) (map[string]SeenItem, error) {
	out := map[string]SeenItem{}
	if len(identities) == 0 {
		return out, nil
	}
	list, err := s.textList(identities)
	if err != nil {
		return nil, fmt.Errorf("store: seen items: %w", err)
	}
	rows, err := s.reads.get(stmtSeenItems).QueryContext(ctx, feedID, list)
	if err != nil {
		return nil, fmt.Errorf("store: seen items: %w", err)
	}
	defer rows.Close()
	stored := storedAs(s.engine, identities)
	for rows.Next() {
		var (
			si     SeenItem
			itemID sql.NullInt64
		)
		if err := rows.Scan(&si.Identity, &itemID, &si.TextHash); err != nil {
			return nil, fmt.Errorf("store: seen items: %w", err)
		}
		if orig, ok := stored[si.Identity]; ok {
			si.Identity = orig
		}
		si.ItemID = itemID.Int64
		out[si.Identity] = si
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: seen items: %w", err)
	}
	return out, nil
}

// storedAs maps the identities of list that engine e stores changed (on
// PostgreSQL, those pgText changes) from how they are stored back to
// themselves, so that an answer read from the database names them as the
// caller does. It is nil when none is changed, as nearly always.
func storedAs(e Engine, list []string) map[string]string {
	if e != Postgres {
		return nil
	}
	var m map[string]string
	for _, id := range list {
		if t := pgText(id); t != id {
			if m == nil {
				m = map[string]string{}
			}
			m[t] = id
		}
	}
	return m
}

// ItemEdit is a new version of an item's text.
type ItemEdit struct {
	Title, Summary, Content string
	TextHash                string
	At                      time.Time // when the edit was seen
}

const updateItemSQL = `UPDATE items SET title = ?, summary = ?, content = ?,
	text_hash = ?, updated_at = ?, features = NULL, features_version = NULL WHERE id = ?`

// UpdateItem records an edit of item id: its new text and text hash, and
// when it was seen (UpdatedAt). The item's story features, which were of
// the old text, are forgotten. A pruned item is ErrNotFound.
func (tx *Tx) UpdateItem(id int64, e ItemEdit) error {
	res, err := tx.exec(stmtUpdateItem, e.Title, e.Summary, e.Content, e.TextHash, millis(e.At), id)
	if err == nil {
		err = affected(res, 1)
	}
	if err != nil {
		return fmt.Errorf("store: update item %d: %w", id, err)
	}
	return nil
}

// Item returns item id, or an error wrapping ErrNotFound.
func (s *Store) Item(ctx context.Context, id int64) (*model.Item, error) {
	it, err := scanItem(s.read.QueryRowContext(ctx, `SELECT `+itemColumns+itemsFrom+` WHERE i.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("store: item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: item %d: %w", id, err)
	}
	return it, nil
}
