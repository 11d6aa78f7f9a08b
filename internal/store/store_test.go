package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// openTest opens a store on a fresh file and closes it when the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openTestAt(t, filepath.Join(t.TempDir(), "newswatch.db"))
}

// openTestAt opens the database at path, to be closed when the test ends.
func openTestAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
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
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	ms := embedded
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i := range 3 {
		s, err := Open(ctx, path)
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
		for _, table := range []string{"feeds", "items", "alerts"} {
			var name string
			err := s.read.QueryRowContext(ctx,
				`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&name)
			if err != nil {
				t.Errorf("open %d: table %s: %v", i+1, table, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	s, err := Open(ctx, path)
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
	s, err = Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a database newer than the binary")
	}
	if !strings.Contains(err.Error(), "newer") || !strings.HasPrefix(err.Error(), "store: ") {
		t.Errorf("error %q does not say the database is newer", err)
	}
}

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 || m.name == "" || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d: version %d name %q, %d bytes", i, m.version, m.name, len(m.sql))
		}
	}
}

func TestOpenRespectsCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded with a cancelled context")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestFailedMigrationLeavesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next := len(embedded) + 1
	broken := append(slices.Clone(embedded), migration{
		version: next, name: "broken",
		sql: `CREATE TABLE half (a INTEGER); INSERT INTO no_such_table VALUES (1);`,
	})
	if err := s.migrate(ctx, broken); err == nil {
		t.Fatal("a failing migration succeeded")
	} else if !strings.Contains(err.Error(), "broken") {
		t.Errorf("error %q does not name the migration", err)
	}
	if v, err := schemaVersion(ctx, s.write); err != nil || v != len(embedded) {
		t.Errorf("version after a failed migration = %d, %v; want %d", v, err, len(embedded))
	}
	var n int
	err = s.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n)
	if err != nil || n != 0 {
		t.Errorf("the failed migration's first statement was kept (%d, %v)", n, err)
	}

	fixed := append(slices.Clone(embedded), migration{version: next, name: "fixed", sql: `CREATE TABLE whole (a INTEGER);`})
	if err := s.migrate(ctx, fixed); err != nil {
		t.Fatal(err)
	}
	if v, _ := schemaVersion(ctx, s.write); v != next {
		t.Errorf("version = %d, want %d", v, next)
	}
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	const opens = 3
	var wg sync.WaitGroup
	stores := make([]*Store, opens)
	errs := make([]error, opens)
	for i := range opens {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, path) })
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
	if n != len(embedded) {
		t.Errorf("%d migrations recorded, want %d", n, len(embedded))
	}
}
