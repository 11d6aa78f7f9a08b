// Package pgtest gives a test a PostgreSQL database of its own: a new,
// empty schema in the database that $NEWSWATCH_TEST_POSTGRES names,
// dropped when the test ends, so that tests (and several people's test
// runs) share one server without seeing each other's rows.
//
// Without $NEWSWATCH_TEST_POSTGRES the tests that need PostgreSQL are
// skipped, saying so; with $NEWSWATCH_TEST_POSTGRES_REQUIRED set (as CI
// sets it) they fail instead, so that CI cannot pass without running them.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// The environment variables of PostgreSQL tests.
const (
	// EnvDSN names a database the tests may create schemas in, as a URL:
	// postgres://newswatch:newswatch@127.0.0.1:5432/newswatch_test?sslmode=disable
	EnvDSN = "NEWSWATCH_TEST_POSTGRES"
	// EnvRequired, when not empty, makes a missing EnvDSN a failure.
	EnvRequired = "NEWSWATCH_TEST_POSTGRES_REQUIRED"
)

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// Available reports whether PostgreSQL tests can run: EnvDSN is set.
func Available() bool { return os.Getenv(EnvDSN) != "" }

// Require skips t when EnvDSN is not set, and fails it when EnvRequired is
// set too.
func Require(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	if os.Getenv(EnvRequired) != "" {
		t.Fatalf("this test needs PostgreSQL: %s is set but %s is not", EnvRequired, EnvDSN)
	}
	t.Skipf("skipping: this test needs PostgreSQL; set %s to a database it may create schemas in (postgres://user:password@127.0.0.1:5432/db?sslmode=disable)", EnvDSN)
}

// DSN creates a new schema for t and returns a DSN whose search_path is
// that schema. The schema and everything in it are dropped when t ends,
// after the cleanups t registers later (a Store's Close).
func DSN(t testing.TB) string {
	t.Helper()
	Require(t)
	base := os.Getenv(EnvDSN)
	db := adminDB(t, base)
	schema := schemaName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	dsn, err := WithSearchPath(base, schema)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvDSN, err)
	}
	return dsn
}

// adminDB is the connection pool that creates and drops schemas.
func adminDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", dsn)
		if adminErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			adminErr = admin.PingContext(ctx)
		}
	})
	if adminErr != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvDSN, adminErr)
	}
	return admin
}

var notName = regexp.MustCompile(`[^a-z0-9]+`)

// schemaName makes a schema name for a test: a few words of its name, for
// whoever looks at the server, and a random suffix.
func schemaName(test string) string {
	words := strings.Trim(notName.ReplaceAllString(strings.ToLower(test), "_"), "_")
	if len(words) > 40 {
		words = words[len(words)-40:]
	}
	var b [6]byte
	rand.Read(b[:])
	return "nwt_" + words + "_" + hex.EncodeToString(b[:])
}

// WithSearchPath returns dsn with search_path set to schema, for a URL
// (postgres://…) or key=value pairs.
func WithSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("not a URL")
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}
