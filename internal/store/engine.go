package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine the store runs on.
type Engine string

// The engines. Both hold the same tables, with the same column encodings
// (times as unix milliseconds, booleans as 0/1, lists as JSON text), so
// that one SQL text serves both wherever their dialects agree and a
// database moves from one to the other row by row (Copy).
const (
	// SQLite is the embedded default: one file, one process.
	SQLite Engine = "sqlite"
	// Postgres is PostgreSQL, which several replicas share.
	Postgres Engine = "postgres"
)

// Where the dialects differ, a statement has a text for each engine. The
// SQLite text is the one written in each file beside the code that runs
// it; the PostgreSQL text of a statement that needs one of its own is
// beside it, named …PG. Placeholders are written the SQLite way (? and
// ?N) in both: the PostgreSQL connection rewrites them (postgres.go).
//
// The differences:
//   - lists of identities or IDs travel as a JSON array read with
//     json_each on SQLite, and as an array parameter (= ANY) on
//     PostgreSQL (listArg);
//   - an INSERT that makes a row reports its ID through LastInsertId on
//     SQLite and through RETURNING id on PostgreSQL, where a unique
//     violation would abort the whole transaction and ON CONFLICT DO
//     NOTHING stands in for it (insertID);
//   - "no limit" is LIMIT -1 on SQLite and LIMIT NULL on PostgreSQL
//     (limitArg);
//   - SQLite's query-planner hints (a unary + on a column, CROSS JOIN
//     order) do not exist on PostgreSQL, whose planner needs none.

// sqlFor returns the text of a statement on engine e: pg on PostgreSQL,
// lite otherwise.
func sqlFor(e Engine, lite, pg string) string {
	if e == Postgres {
		return pg
	}
	return lite
}

// limitArg maps "0 means no limit" to the engine's LIMIT argument.
func (s *Store) limitArg(n int) any {
	if n > 0 {
		return n
	}
	if s.engine == Postgres {
		return nil // LIMIT NULL: no limit
	}
	return -1
}

// idList is a list of IDs as a statement's list parameter takes it: a JSON
// array for json_each on SQLite, an array on PostgreSQL. The IDs are
// sorted and without repeats.
func (s *Store) idList(ids []int64) (any, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if s.engine == Postgres {
		return ids, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// textList is a list of strings as a statement's list parameter takes
// it: a JSON array on SQLite, an array on PostgreSQL.
func (s *Store) textList(list []string) (any, error) {
	if s.engine == Postgres {
		return list, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// lockTx serialises, on PostgreSQL, the transactions that call it with
// the same name, through a transaction-level advisory lock of the
// database's schema: the second waits until the first ends. On SQLite,
// where one writer is all there is, it does nothing.
func (s *Store) lockTx(ctx context.Context, tx *sql.Tx, name string) error {
	if s.engine != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+schemaLockKey+`)`, name); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	return nil
}

// insertRow runs an INSERT of one row in tx, a transaction of an engine e
// database, and returns the row's ID: through LastInsertId on SQLite, from
// a RETURNING clause it adds on PostgreSQL.
func insertRow(ctx context.Context, e Engine, tx *sql.Tx, query string, args ...any) (int64, error) {
	if e == Postgres {
		var id int64
		err := tx.QueryRowContext(ctx, query+` RETURNING id`, args...).Scan(&id)
		return id, err
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// errConflict is an INSERT that made no row because the row would have
// broken a unique constraint.
var errConflict = errors.New("unique constraint")

// isUniqueViolation reports whether err is the database refusing a row
// that breaks a UNIQUE constraint or index.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (or one of its
// extended codes): another connection holds a lock this one needed.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
