// Package store owns newswatch's database: the schema and its numbered
// migrations, feed state, seen items, stories, the alert outbox and alert
// history, on one of two engines behind one API.
//
// SQLite (Open) is the embedded default: one file for one process. The
// Store holds two connection pools on it. Every write goes through a
// single connection (SQLite allows one writer at a time; queueing writers
// in Go is cheaper and fairer than having them retry on SQLITE_BUSY), and
// its transactions begin IMMEDIATE so a writer never has to upgrade a read
// lock. Queries that only read use a separate pool of read-only
// connections, which WAL mode lets run while a write transaction is open.
//
// PostgreSQL (OpenPostgres) is what several replicas share: one pool of
// connections, writers in parallel, and the database's own locking (row
// locks, unique constraints) deciding between them.
//
// Both engines hold the same tables with the same encodings. Times are
// stored as unix milliseconds UTC, the zero time as NULL; times read back
// are in UTC with millisecond precision. Lists are stored as JSON text,
// booleans as 0/1.
//
// The store holds no business rules: it records what the monitor and the
// dispatcher decide.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned (wrapped) when a named feed or an alert id does not
// exist.
var ErrNotFound = errors.New("not found")

// timeNow is the store's default clock.
var timeNow = time.Now

// Store is the newswatch database. It is safe for concurrent use. On
// SQLite writes are serialised on one connection: a goroutine holding a Tx
// must not call the Store's own write methods (SaveFeed, SyncFeeds,
// Mark…, Requeue) before the Tx ends, as they wait for the connection the
// Tx holds.
type Store struct {
	engine Engine
	// target names the database for messages: the SQLite file, or the
	// PostgreSQL host and database (never a password).
	target string
	write  *sql.DB             // SQLite: one connection, transactions BEGIN IMMEDIATE
	read   *sql.DB             // SQLite: read-only connections; PostgreSQL: write
	poll   [numStmts]*sql.Stmt // see pollSQL
	reads  readStmts           // prepared queries of the read pool
	gate   *writeGate          // SQLite: who gets the write connection next
	ckpt   *checkpointer       // SQLite: WAL checkpoints in the background
	health integrity           // the first corruption seen (integrity.go)
	now    func() time.Time
}

// Engine returns the engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// Target names the database for people: the SQLite file's path, or the
// PostgreSQL host, port and database. It never holds a password.
func (s *Store) Target() string { return s.target }

// Close closes the database. Transactions still open are rolled back.
func (s *Store) Close() error {
	var errs []error
	if s.engine == SQLite {
		s.optimize()
		errs = append(errs, s.ckpt.close())
	}
	errs = append(errs, s.reads.close(), s.closePoll())
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// closePoll closes the prepared statements of polls.
func (s *Store) closePoll() error {
	var errs []error
	for i, stmt := range s.poll {
		if stmt != nil {
			errs = append(errs, stmt.Close())
			s.poll[i] = nil
		}
	}
	return errors.Join(errs...)
}

// lockWrite waits for the turn to write at priority p: on SQLite, the
// write connection; on PostgreSQL, whose writers work in parallel, at
// once.
func (s *Store) lockWrite(ctx context.Context, p writePriority) error {
	if s.gate == nil {
		return ctx.Err()
	}
	return s.gate.lock(ctx, p)
}

// unlockWrite ends the turn lockWrite gave.
func (s *Store) unlockWrite() {
	if s.gate != nil {
		s.gate.unlock()
	}
}

// inWriteTx runs fn in a write transaction, when it is its turn at
// priority p, and commits it when fn returns nil.
func (s *Store) inWriteTx(ctx context.Context, p writePriority, fn func(*sql.Tx) error) error {
	if err := s.lockWrite(ctx, p); err != nil {
		return err
	}
	defer s.unlockWrite()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// writeExec runs one statement outside a transaction, when it is its turn
// at priority p.
func (s *Store) writeExec(ctx context.Context, p writePriority, query string, args ...any) (sql.Result, error) {
	if err := s.lockWrite(ctx, p); err != nil {
		return nil, err
	}
	defer s.unlockWrite()
	return s.write.ExecContext(ctx, query, args...)
}
