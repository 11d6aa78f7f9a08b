package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeout is how long a connection waits for a lock held by another
// connection (another process, or a WAL checkpoint) before failing with
// SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// walSizeLimit is the size the WAL file is truncated to after a
// checkpoint.
const walSizeLimit = 64 << 20

// readCacheKiB is the page cache of each read connection, in KiB (SQLite's
// default is 2,000). A read connection's cache lasts only until another
// connection commits: SQLite drops all of it at the next read transaction
// that finds the database changed, and the write connection commits after
// every poll. So the pages it holds are mostly those of its last few
// reads, which a larger cache does not make cheaper; but every page it
// held is memory a process touched fresh and that closing it frees, a
// madvise(2) at a time past the allocator's first 4 MiB: at 2,000 KiB,
// about 4 MB of a `newswatch once` of a few new items, and half the CPU
// of its close.
const readCacheKiB = 256

// Open opens the SQLite database at path, creating the file (mode 0640; SQLite
// gives its -wal and -shm files the same) and its parent directory (0750)
// when missing, and applies every pending migration.
// A database whose schema is newer than this binary knows is refused.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	f.Close()

	s := &Store{engine: SQLite, target: abs, gate: &writeGate{}, now: timeNow}
	s.write, err = sql.Open("sqlite", dsn(abs, url.Values{
		"_journal_mode": {"WAL"},
		// In WAL mode NORMAL loses no integrity on power loss, only the
		// last commits, and spares an fsync per commit.
		"_synchronous": {"NORMAL"},
		"_txlock":      {"immediate"},
		// Truncate the WAL file back to this size after a checkpoint, so
		// that one burst of writes does not hold disk space forever.
		"_pragma": {
			fmt.Sprintf("journal_size_limit(%d)", walSizeLimit),
			// Checkpoints are made in the background (checkpoint.go);
			// a commit makes one only past this backstop.
			fmt.Sprintf("wal_autocheckpoint(%d)", walBackstop),
		},
	}))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)

	// The first connection switches the file to WAL (a persistent setting),
	// so it must exist before any read connection opens the file.
	if err := pingWhileBusy(ctx, s.write); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := s.migrate(ctx, embedded[SQLite]); err != nil {
		s.write.Close()
		return nil, err
	}
	if err := s.preparePoll(ctx); err != nil {
		s.closePoll()
		s.write.Close()
		return nil, err
	}

	s.read, err = sql.Open("sqlite", dsn(abs, url.Values{
		"_query_only": {"on"},
		"_pragma":     {fmt.Sprintf("cache_size(%d)", -readCacheKiB)},
	}))
	if err != nil {
		s.write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	ckpt, err := sql.Open("sqlite", dsn(abs, url.Values{}))
	if err != nil {
		s.read.Close()
		s.write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.ckpt = newCheckpointer(ckpt)
	s.gate.onUnlock = s.ckpt.noteWrite
	go s.ckpt.run()

	readers := max(4, runtime.GOMAXPROCS(0))
	s.read.SetMaxOpenConns(readers)
	s.read.SetMaxIdleConns(readers)
	if err := s.reads.prepare(ctx, s.engine, s.read); err != nil {
		s.ckpt.close()
		s.closePoll()
		s.read.Close()
		s.write.Close()
		return nil, err
	}
	return s, nil
}

// LimitReaders lowers the number of read connections an SQLite store
// keeps to n (at least 1), for a process that does little reading and
// then exits, as `newswatch once` does: each read connection parses the
// schema and compiles the read queries again when it is first used, and
// fills a page cache of its own, all of which a few reads do not repay.
// No caller holds a read connection while it waits for another, so one
// is enough to make progress. On PostgreSQL it does nothing.
func (s *Store) LimitReaders(n int) {
	if s.engine != SQLite || s.read == s.write {
		return
	}
	n = max(n, 1)
	s.read.SetMaxOpenConns(n)
	s.read.SetMaxIdleConns(n)
}

// pingWhileBusy opens db's first connection, trying again while SQLite
// answers SQLITE_BUSY, for up to busyTimeout. Switching a new file to WAL
// needs the file to itself, and SQLite does not wait for that with the busy
// handler: two processes opening a new database at once (a daemon starting
// while `newswatch once` runs) would otherwise see "database is locked".
func pingWhileBusy(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	wait := 5 * time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// dsn builds a modernc.org/sqlite data source name for the database file at
// abs. The path travels as a file: URI so that any character in it is safe;
// SQLite ignores the driver's underscore parameters, which the driver applies
// to every new connection: busy_timeout first, then foreign keys, journal
// mode, synchronous, and query_only last.
func dsn(abs string, params url.Values) string {
	params.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	params.Set("_foreign_keys", "on")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: params.Encode()}
	return u.String()
}

// optimize lets SQLite refresh the query planner's statistics where they are
// missing or stale, as it advises before closing a long-lived connection. It
// is best effort: it gives up after a second (e.g. when a Tx still holds the
// write connection) and its failure changes nothing.
func (s *Store) optimize() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.lockWrite(ctx, writeNormal) != nil {
		return
	}
	defer s.unlockWrite()
	s.write.ExecContext(ctx, `PRAGMA analysis_limit = 400; PRAGMA optimize`)
}
