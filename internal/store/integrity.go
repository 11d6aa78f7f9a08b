package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// ErrCorrupt is what the store's errors wrap when SQLite's own check
// (QuickCheck) found the database corrupt; IsCorrupt also recognises
// SQLite's "database disk image is malformed" and "file is not a
// database" errors of any query.
var ErrCorrupt = errors.New("store: the database is corrupt")

// SQLite's primary result codes of a damaged file (the extended codes
// keep them in their low byte).
const (
	sqliteCorrupt = 11 // SQLITE_CORRUPT
	sqliteNotADB  = 26 // SQLITE_NOTADB
)

// quickCheckProblems is how many problems QuickCheck asks SQLite for: the
// first few say enough, and stopping early bounds the time on a badly
// damaged file.
const quickCheckProblems = 10

// IsCorrupt reports whether err says the database file is damaged: it
// wraps ErrCorrupt, or SQLite answered SQLITE_CORRUPT or SQLITE_NOTADB.
func IsCorrupt(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrCorrupt) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqliteCorrupt || code == sqliteNotADB
	}
	return false
}

// integrity is what the store knows of its file's health: the first
// corruption seen, and whom to tell.
type integrity struct {
	mu      sync.Mutex
	corrupt error
	notify  func(error)
}

// QuickCheck runs SQLite's PRAGMA quick_check, which reads every page of
// the database and checks its structure (not that indexes match their
// tables: that is integrity_check, several times slower). It takes about
// as long as reading the file (see docs/operations.md for a figure). On a
// damaged database the error wraps ErrCorrupt and lists the first
// problems SQLite found, and the store remembers it (Corrupt). On
// PostgreSQL, which checks its own pages, it does nothing.
func (s *Store) QuickCheck(ctx context.Context) error {
	if s.engine != SQLite {
		return nil
	}
	problems, err := s.quickCheck(ctx)
	switch {
	case IsCorrupt(err):
		// SQLite may stop the check at the first damaged page it reads.
		problems = append(problems, err.Error())
	case err != nil:
		return fmt.Errorf("store: quick_check: %w", err)
	}
	if len(problems) == 0 {
		return nil
	}
	err = fmt.Errorf("%w: quick_check: %s", ErrCorrupt, strings.Join(problems, "; "))
	s.NoteCorrupt(err)
	return err
}

// quickCheck returns the problems PRAGMA quick_check lists.
func (s *Store) quickCheck(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, fmt.Sprintf(`PRAGMA quick_check(%d)`, quickCheckProblems))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return problems, err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}

// NoteCorrupt reports whether err says the database is damaged
// (IsCorrupt) and, when it does, remembers it: the first such error
// (wrapping ErrCorrupt) is what Corrupt and Ping return from then on, and it is handed once to the
// function OnCorrupt set. A caller that met err logs it quietly when this
// is true, so that a damaged database is reported once, not per poll.
func (s *Store) NoteCorrupt(err error) bool {
	if !IsCorrupt(err) {
		return false
	}
	if !errors.Is(err, ErrCorrupt) {
		err = fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	s.health.mu.Lock()
	first := s.health.corrupt == nil
	if first {
		s.health.corrupt = err
	}
	notify := s.health.notify
	s.health.mu.Unlock()
	if first && notify != nil {
		notify(err)
	}
	return true
}

// Corrupt returns the first error that said the database is damaged, nil
// while none has. It does not read the database; QuickCheck does.
func (s *Store) Corrupt() error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return s.health.corrupt
}

// OnCorrupt sets the function called once, with the error, when the store
// first learns that the database is damaged (the daemon logs it). When it
// already knows, f is called now.
func (s *Store) OnCorrupt(f func(error)) {
	s.health.mu.Lock()
	s.health.notify = f
	known := s.health.corrupt
	s.health.mu.Unlock()
	if known != nil && f != nil {
		f(known)
	}
}
