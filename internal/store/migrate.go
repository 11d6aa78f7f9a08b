package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// migrationFiles holds the schema history: migrations/NNNN_name.sql, numbered
// from 1 without gaps. A migration, once released, is never edited; a schema
// change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// embedded is the schema history this binary knows.
var embedded = mustLoadMigrations()

func mustLoadMigrations() []migration {
	ms, err := loadMigrations()
	if err != nil {
		// The files are compiled in: this is a build defect, caught by
		// every test of the package.
		panic("store: " + err.Error())
	}
	return ms
}

// loadMigrations reads the embedded migrations in version order, checking
// that they are numbered 1, 2, 3… with no gap or duplicate.
func loadMigrations() ([]migration, error) {
	paths, err := fs.Glob(migrationFiles, "migrations/*.sql")
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
	return ms, nil
}

// migrate applies every migration of ms (in version order, numbered from 1)
// newer than the database's schema version, each in its own write
// transaction together with the record of its version. Because write
// transactions begin IMMEDIATE, two processes opening one fresh database at
// once apply each migration exactly once.
//
// Foreign key enforcement cannot be switched off inside a transaction: a
// migration that rebuilds a referenced table must keep the references valid
// at every statement, or be run in a way this function does not offer yet.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	const ledger = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`
	if _, err := s.write.ExecContext(ctx, ledger); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	v, err := schemaVersion(ctx, s.write)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if v > len(ms) {
		return fmt.Errorf("store: database schema version %d is newer than this newswatch supports (%d): upgrade newswatch", v, len(ms))
	}
	for _, m := range ms[v:] {
		err := s.inWriteTx(ctx, writeNormal, func(tx *sql.Tx) error {
			// Another process may have applied it since the check above.
			if v, err := schemaVersion(ctx, tx); err != nil || v >= m.version {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
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
