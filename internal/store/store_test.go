package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// The conformance suite: every test of the store's behaviour runs once per
// engine, as subtests named "sqlite" and "postgres", each on a database of
// its own (a new file; a new schema, see pgtest). The PostgreSQL subtests
// skip, saying why, when $NEWSWATCH_TEST_POSTGRES is not set. Tests of
// what only one engine has (SQLite's pragmas, query plans and files) say
// so in their names or comments.

// testDB is a database of one engine for a test: a SQLite file or a
// PostgreSQL schema, which open opens (again, for a test of reopening).
type testDB struct {
	engine Engine
	source string // the file's path, or the DSN
}

// newTestDB makes a new, empty database of engine e for t.
func newTestDB(t testing.TB, e Engine) testDB {
	t.Helper()
	if e == Postgres {
		return testDB{engine: Postgres, source: pgtest.DSN(t)}
	}
	return testDB{engine: SQLite, source: filepath.Join(t.TempDir(), "newswatch.db")}
}

// openStore opens the database, failing on an error.
func (db testDB) openStore(ctx context.Context) (*Store, error) {
	if db.engine == Postgres {
		return OpenPostgres(ctx, db.source)
	}
	return Open(ctx, db.source)
}

// open opens the database, to be closed when the test ends.
func (db testDB) open(t testing.TB) *Store {
	t.Helper()
	s, err := db.openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// engines are the engines of the conformance suite.
var engines = []Engine{SQLite, Postgres}

// eachEngine runs test as a subtest per engine, with a new database. The
// test runs in parallel with other tests: each has databases of its own,
// and a PostgreSQL one spends most of its time waiting for the server.
func eachEngine(t *testing.T, test func(t *testing.T, db testDB)) {
	t.Helper()
	t.Parallel()
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) { test(t, newTestDB(t, e)) })
	}
}

// eachStore runs test as a subtest per engine, with a new database open.
func eachStore(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Helper()
	eachEngine(t, func(t *testing.T, db testDB) { test(t, db.open(t)) })
}

// openTest opens a SQLite store on a fresh file and closes it when the
// test ends, for tests and benchmarks of SQLite alone.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openTestAt(t, filepath.Join(t.TempDir(), "newswatch.db"))
}

// openTestAt opens the SQLite database at path, to be closed when the test
// ends.
func openTestAt(t testing.TB, path string) *Store {
	t.Helper()
	return testDB{engine: SQLite, source: path}.open(t)
}

// testTime is a fixed instant with sub-millisecond digits, which the store
// drops.
var testTime = time.Date(2026, 11, 26, 9, 12, 0, 123_456_789, time.UTC)

func TestOpenCreatesDirectoryAndFile(t *testing.T) {
	// Characters that mean something in a URI must survive the DSN.
	path := filepath.Join(t.TempDir(), "data dir #1", "news?watch%.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&^0o750 != 0 {
		t.Errorf("data dir mode %v, want at most 0750", perm)
	}
	for _, name := range []string{path, path + "-wal"} {
		info, err := os.Stat(name)
		if err != nil {
			t.Errorf("database file: %v", err)
			continue
		}
		if perm := info.Mode().Perm(); perm&^0o640 != 0 {
			t.Errorf("%s mode %v, want at most 0640", filepath.Base(name), perm)
		}
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestConnectionSettings(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "1"}, // NORMAL
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "5000"},
		{"write", "query_only", "0"},
		{"write", "journal_size_limit", "67108864"},
		{"read", "journal_mode", "wal"},
		{"read", "foreign_keys", "1"},
		{"read", "busy_timeout", "5000"},
		{"read", "query_only", "1"},
	} {
		t.Run(tc.pool+"/"+tc.pragma, func(t *testing.T) {
			db := s.write
			if tc.pool == "read" {
				db = s.read
			}
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
			}
		})
	}
}

func TestMigrationsApplyOnceAndReopen(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		ms := embedded[db.engine]
		for i := range 3 {
			s, err := db.openStore(ctx)
			if err != nil {
				t.Fatalf("open %d: %v", i+1, err)
			}
			var n, v int
			err = s.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(ms) || v != len(ms) {
				t.Errorf("open %d: %d migrations recorded up to version %d, want %d", i+1, n, v, len(ms))
			}
			for _, table := range []string{"feeds", "items", "seen", "stories", "alerts", "feed_health"} {
				if !tableExists(t, s, table) {
					t.Errorf("open %d: no table %s", i+1, table)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// tableExists reports whether the database has a table called name.
func tableExists(t testing.TB, s *Store, name string) bool {
	t.Helper()
	query := `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`
	if s.engine == Postgres {
		query = `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?`
	}
	var n int
	if err := s.read.QueryRow(query, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestNewerSchemaIsRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, err := db.openStore(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.write.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)`)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = db.openStore(ctx)
		if err == nil {
			s.Close()
			t.Fatal("Open succeeded on a database newer than the binary")
		}
		if !strings.Contains(err.Error(), "newer") || !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("error %q does not say the database is newer", err)
		}
	})
}

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	for _, e := range engines {
		ms, err := loadMigrations(e)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range ms {
			if m.version != i+1 || m.name == "" || strings.TrimSpace(m.sql) == "" {
				t.Errorf("%s migration %d: version %d name %q, %d bytes", e, i, m.version, m.name, len(m.sql))
			}
		}
	}
}

func TestOpenRespectsCancelledContext(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s, err := db.openStore(ctx)
		if err == nil {
			s.Close()
			t.Fatal("Open succeeded with a cancelled context")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestFailedMigrationLeavesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		ms := embedded[db.engine]
		next := len(ms) + 1
		broken := append(slices.Clone(ms), migration{
			version: next, name: "broken",
			sql: `CREATE TABLE half (a INTEGER); INSERT INTO no_such_table VALUES (1);`,
		})
		if err := s.migrate(ctx, broken); err == nil {
			t.Fatal("a failing migration succeeded")
		} else if !strings.Contains(err.Error(), "broken") {
			t.Errorf("error %q does not name the migration", err)
		}
		if v, err := schemaVersion(ctx, s.write); err != nil || v != len(ms) {
			t.Errorf("version after a failed migration = %d, %v; want %d", v, err, len(ms))
		}
		if tableExists(t, s, "half") {
			t.Errorf("the failed migration's first statement was kept")
		}

		fixed := append(slices.Clone(ms), migration{version: next, name: "fixed", sql: `CREATE TABLE whole (a INTEGER);`})
		if err := s.migrate(ctx, fixed); err != nil {
			t.Fatal(err)
		}
		if v, _ := schemaVersion(ctx, s.write); v != next {
			t.Errorf("version = %d, want %d", v, next)
		}
	})
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		const opens = 3
		var wg sync.WaitGroup
		stores := make([]*Store, opens)
		errs := make([]error, opens)
		for i := range opens {
			wg.Go(func() { stores[i], errs[i] = db.openStore(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("open %d: %v", i, err)
				continue
			}
			defer stores[i].Close()
		}
		if t.Failed() {
			return
		}
		var n int
		if err := stores[0].read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(embedded[db.engine]) {
			t.Errorf("%d migrations recorded, want %d", n, len(embedded[db.engine]))
		}
	})
}

// TestReadCacheSize: each read connection keeps a page cache of
// readCacheKiB, not SQLite's default (see readCacheKiB).
func TestReadCacheSize(t *testing.T) {
	s := openTest(t)
	var kib int
	if err := s.read.QueryRow(`PRAGMA cache_size`).Scan(&kib); err != nil {
		t.Fatal(err)
	}
	if kib != -readCacheKiB {
		t.Errorf("cache_size of a read connection = %d, want %d (KiB)", kib, -readCacheKiB)
	}
}

// TestLimitReaders checks that a store limited to one read connection
// opens no second one while many reads run at once, and that the reads
// all answer.
func TestLimitReaders(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SyncFeeds(ctx, []model.Feed{{Name: "A", URL: "https://a.example/"}}); err != nil {
		t.Fatal(err)
	}
	s.LimitReaders(0) // at least one
	if got := s.read.Stats().MaxOpenConnections; got != 1 {
		t.Fatalf("MaxOpenConnections %d after LimitReaders(0), want 1", got)
	}
	errs := make(chan error, 16)
	for range cap(errs) {
		go func() {
			st, err := s.Feed(ctx, "A")
			if err == nil && st.Name != "A" {
				err = fmt.Errorf("read the state of %q, want A", st.Name)
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := s.read.Stats().OpenConnections; got > 1 {
		t.Errorf("%d read connections open, want at most 1", got)
	}
}
