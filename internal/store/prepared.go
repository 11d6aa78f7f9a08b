package store

import (
	"context"
	"database/sql"
	"fmt"
)

// readStmt names a query of the read pool prepared when the store opens:
// the ones run on every poll or every look at the outbox, which would
// otherwise be compiled again each time (the story index's look at the
// moves and items recorded since its last is one per poll with new items).
type readStmt int

const (
	stmtFeedByName readStmt = iota
	stmtSeenItems
	stmtLastAlertID
	stmtDueAfter
	stmtDueIDs
	stmtDueIn
	stmtDueFollowUps
	stmtItemMemo
	stmtStoryMoves
	stmtStoryWindow
	numReadStmts
)

// readSQL returns the text of each read query on engine e.
func readSQL(e Engine) [numReadStmts]string {
	return [numReadStmts]string{
		stmtFeedByName:   feedByNameSQL,
		stmtSeenItems:    sqlFor(e, seenItemsSQL, seenItemsPG),
		stmtLastAlertID:  lastAlertIDSQL,
		stmtDueAfter:     sqlFor(e, dueAfterSQL, dueAfterPG),
		stmtDueIDs:       dueIDsSQL,
		stmtDueIn:        sqlFor(e, dueInSQL, dueInPG),
		stmtDueFollowUps: sqlFor(e, dueFollowUpsSQL, dueFollowUpsPG),
		stmtItemMemo:     itemMemoSQL,
		stmtStoryMoves:   storyMovesSQL,
		stmtStoryWindow:  storyWindowSQL,
	}
}

// readStmts are the prepared read queries. database/sql prepares each on a
// read connection the first time it runs there.
type readStmts [numReadStmts]*sql.Stmt

func (r *readStmts) get(id readStmt) *sql.Stmt { return r[id] }

// prepare prepares every read query of engine e on db.
func (r *readStmts) prepare(ctx context.Context, e Engine, db *sql.DB) error {
	for id, query := range readSQL(e) {
		stmt, err := db.PrepareContext(ctx, query)
		if err != nil {
			r.close()
			return fmt.Errorf("store: prepare: %w", err)
		}
		r[id] = stmt
	}
	return nil
}

// close closes the prepared queries.
func (r *readStmts) close() error {
	var first error
	for i, stmt := range r {
		if stmt == nil {
			continue
		}
		if err := stmt.Close(); err != nil && first == nil {
			first = err
		}
		r[i] = nil
	}
	return first
}
