package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// itemMemoSQL reads a feed's item memo.
const itemMemoSQL = `SELECT memo FROM item_memos WHERE feed_id = ?`

// saveItemMemoSQL writes a feed's item memo, replacing the one it had.
const saveItemMemoSQL = `INSERT INTO item_memos (feed_id, memo) VALUES (?, ?)
	ON CONFLICT (feed_id) DO UPDATE SET memo = excluded.memo`

// deleteItemMemoSQL removes a feed's item memo.
const deleteItemMemoSQL = `DELETE FROM item_memos WHERE feed_id = ?`

// ItemMemo returns what the poll that recorded feed feedID's last document
// remembered of its items (package monitor's bytes, opaque here), or nil
// when it remembered nothing.
func (s *Store) ItemMemo(ctx context.Context, feedID int64) ([]byte, error) {
	var memo []byte
	err := s.reads.get(stmtItemMemo).QueryRowContext(ctx, feedID).Scan(&memo)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: item memo of feed %d: %w", feedID, err)
	}
	return memo, nil
}

// SaveItemMemo replaces feed feedID's item memo with memo in the
// transaction, or removes it when memo is empty. It belongs in the
// transaction that records the document memo describes, so that the memo
// never describes items the store does not hold.
func (tx *Tx) SaveItemMemo(feedID int64, memo []byte) error {
	if err := tx.ctx.Err(); err != nil {
		return fmt.Errorf("store: save item memo of feed %d: %w", feedID, err)
	}
	var err error
	if len(memo) == 0 {
		_, err = tx.exec(stmtDeleteItemMemo, feedID)
	} else {
		_, err = tx.exec(stmtSaveItemMemo, feedID, memo)
	}
	if err != nil {
		return fmt.Errorf("store: save item memo of feed %d: %w", feedID, err)
	}
	return nil
}
