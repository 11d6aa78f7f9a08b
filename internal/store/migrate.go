package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// migrationFiles holds the schema history of each engine:
// migrations/ENGINE/NNNN_name.sql, numbered from 1 without gaps. A
// migration, once released, is never edited; a schema change is a new file
// for each engine.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// embedded is the schema history this binary knows, by engine.
var embedded = map[Engine][]migration{
	SQLite:   mustLoadMigrations(SQLite),
	Postgres: mustLoadMigrations(Postgres),
}

func mustLoadMigrations(e Engine) []migration {
	ms, err := loadMigrations(e)
	if err != nil {
		// The files are compiled in: this is a build defect, caught by
		// every test of the package.
		panic("store: " + err.Error())
	}
	return ms
}

// loadMigrations reads the embedded migrations of engine e in version
// order, checking that they are numbered 1, 2, 3… with no gap or
// duplicate.
func loadMigrations(e Engine) ([]migration, error) {
	paths, err := fs.Glob(migrationFiles, "migrations/"+string(e)+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, p := range paths { // fs.Glob returns names in lexical order
		base := strings.TrimSuffix(path.Base(p), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", p)
		}
		if v != len(ms)+1 {
			return nil, fmt.Errorf("migration file %s: version %d, want %d", p, v, len(ms)+1)
		}
		text, err := migrationFiles.ReadFile(p)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(text)})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations for %s", e)
	}
	return ms, nil
}

// migrate applies every migration of ms (in version order, numbered from 1)
// newer than the database's schema version, each in its own write
// transaction together with the record of its version. Two processes
// opening one fresh database at once apply each migration exactly once: on
// SQLite because write transactions begin IMMEDIATE, on PostgreSQL because
// the migrating process holds an advisory lock (see migratePostgres).
//
// Foreign key enforcement cannot be switched off inside a transaction: a
// migration that rebuilds a referenced table must keep the references valid
// at every statement, or be run in a way this function does not offer yet.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	if s.engine == Postgres {
		return s.migratePostgres(ctx, ms)
	}
	const ledger = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`
	if _, err := s.write.ExecContext(ctx, ledger); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return s.applyMigrations(ctx, ms, func(fn func(*sql.Tx) error) error {
		return s.inWriteTx(ctx, writeNormal, fn)
	})
}

// migratePostgres migrates a PostgreSQL database holding a session
// advisory lock of its schema: creating the ledger table itself races
// with another process's (CREATE TABLE IF NOT EXISTS is not safe against a
// concurrent one), and a migration may take a while on a large database.
func (s *Store) migratePostgres(ctx context.Context, ms []migration) (err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+schemaLockKey+`)`, "migrate"); err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer func() {
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+schemaLockKey+`)`, "migrate")
		if uerr != nil {
			// The lock must not go back to the pool with the connection:
			// close it, and the session's locks end with it.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	const ledger = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`
	if _, err := conn.ExecContext(ctx, ledger); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return s.applyMigrations(ctx, ms, func(fn func(*sql.Tx) error) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// schemaLockKey is the key of a PostgreSQL advisory lock named by the
// statement's first parameter, within the current schema: advisory locks
// belong to the whole database, and two newswatch databases may share one
// in different schemas.
const schemaLockKey = `hashtextextended('newswatch.' || current_schema() || '.' || ?::text, 0)`

// applyMigrations applies those of ms the database has not, each in a
// transaction that inTx runs.
func (s *Store) applyMigrations(ctx context.Context, ms []migration, inTx func(func(*sql.Tx) error) error) error {
	v, err := schemaVersion(ctx, s.write)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if v > len(ms) {
		return fmt.Errorf("store: database schema version %d is newer than this newswatch supports (%d): upgrade newswatch", v, len(ms))
	}
	for _, m := range ms[v:] {
		err := inTx(func(tx *sql.Tx) error {
			// Another process may have applied it since the check above.
			if v, err := schemaVersion(ctx, tx); err != nil || v >= m.version {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if s.engine == SQLite && editsSchemaText(m) {
				if err := reloadSchema(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate to %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// schemaVersion is the highest migration applied to the database, 0 for a
// new one.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// editsSchemaText reports whether SQLite migration m edits the text of the
// schema in place (PRAGMA writable_schema), as SQLite documents for a change
// that leaves every stored row valid, such as a CHECK rewritten to mean the
// same: see migrations/sqlite/0015_check_equalities.sql.
func editsSchemaText(m migration) bool {
	return strings.Contains(m.sql, "PRAGMA writable_schema = ON")
}

// reloadSchema ends an in-place edit of SQLite's schema text in
// transaction tx: it bumps the schema version, so that every other
// connection (of this process or another) reads the schema again before its
// next statement, reloads this connection's (writable_schema = RESET, which
// also turns the editing off), and reads the new schema, so that a text that
// does not parse fails the migration, rolled back, instead of the next
// statement.
func reloadSchema(ctx context.Context, tx *sql.Tx) error {
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	// A pragma takes no parameter: v is an integer SQLite gave.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA schema_version = %d`, v+1)); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA writable_schema = RESET`); err != nil {
		return fmt.Errorf("schema reload: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&n); err != nil {
		return fmt.Errorf("schema reload: %w", err)
	}
	return nil
}
