package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL is reached through pgx's database/sql adapter (pgx/v5/stdlib)
// rather than its native pool (pgxpool): every method of the store is
// written once against database/sql (*sql.DB, *sql.Tx, *sql.Stmt, Scan
// into sql.Null… values), and the adapter lets the same code, the same
// transactions and the same scanning serve both engines. pgxpool would
// need a second implementation of every query, scan and transaction for
// one engine. What the adapter costs, an interface call and a value
// conversion per column, is small beside a network round trip, and pgx
// still prepares and caches each statement per connection underneath.

// pgMaxConns bounds the connections one Store opens to PostgreSQL: a poll
// holds one through its write transaction, the dispatcher, the status
// page and the periodic jobs one each while they query.
const pgMaxConns = 16

// OpenPostgres opens the PostgreSQL database dsn names (a URL,
// postgres://user:password@host:5432/database?sslmode=…, or key=value
// pairs, as libpq takes them; a search_path parameter selects a schema)
// and applies every pending migration. A database whose schema is newer
// than this binary knows is refused.
//
// Errors name the host and the database, never the password.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: the dsn does not parse: %w", redact(err, dsn, ""))
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "newswatch"
	}
	target := postgresTarget(cfg)
	fail := func(err error) error {
		return fmt.Errorf("store: postgres %s: %w", target, redact(err, dsn, cfg.Password))
	}

	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	s := &Store{engine: Postgres, target: target, write: db, read: db, now: timeNow}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fail(err)
	}
	var encoding string
	if err := db.QueryRowContext(ctx, `SHOW server_encoding`).Scan(&encoding); err != nil {
		db.Close()
		return nil, fail(err)
	}
	if encoding != "UTF8" {
		db.Close()
		return nil, fmt.Errorf("store: postgres %s: the database's encoding is %s; newswatch needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')", target, encoding)
	}
	if err := s.migrate(ctx, embedded[Postgres]); err != nil {
		db.Close()
		return nil, fail(err)
	}
	if err := s.preparePoll(ctx); err != nil {
		db.Close()
		return nil, fail(err)
	}
	if err := s.reads.prepare(ctx, s.engine, db); err != nil {
		s.closePoll()
		db.Close()
		return nil, fail(err)
	}
	return s, nil
}

// postgresTarget names the database cfg connects to, for messages: host,
// port and database, without the user's password.
func postgresTarget(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") { // a Unix socket directory
		host = "socket " + host
	} else {
		host = "host " + host + ":" + strconv.Itoa(int(cfg.Port))
	}
	return fmt.Sprintf("(%s, database %q)", host, cfg.Database)
}

// userinfo and passwordPair find what could be a password in a
// connection string, or in an error quoting one that may be malformed.
var (
	userinfo     = regexp.MustCompile(`(?i)(postgres(?:ql)?://[^:/?#@\s]*:)[^@\s]*@`)
	passwordPair = regexp.MustCompile(`(?i)((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)`)
)

// redactDSN removes from msg the password of dsn, wherever it shows: the
// password itself (as parsed), the userinfo of a URL and password=…
// pairs, however malformed the rest. pgx already hides passwords in its
// own messages; this also covers errors that quote the string whole
// (net/url's, say).
func redactDSN(msg, dsn, password string) string {
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "xxxxx")
	}
	if dsn != "" {
		msg = strings.ReplaceAll(msg, dsn, "<dsn>")
	}
	msg = userinfo.ReplaceAllString(msg, "${1}xxxxx@")
	return passwordPair.ReplaceAllString(msg, "${1}xxxxx")
}

// redactedError is an error whose message has had a password taken out
// (redactDSN); errors.Is and errors.As still see the error it wraps.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with the password of dsn taken out of its message.
func redact(err error, dsn, password string) error {
	return &redactedError{msg: redactDSN(err.Error(), dsn, password), err: err}
}

// pgConnector opens pgx connections for database/sql that speak the
// store's SQL: see pgConn.
type pgConnector struct{ driver.Connector }

// Connect opens a connection.
func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is a pgx connection that takes the store's SQL as written for
// both engines: placeholders written ? or ?N become PostgreSQL's $N, and
// text parameters are made valid for a PostgreSQL text column (see
// pgText). Every other method is pgx's own.
type pgConn struct{ *stdlib.Conn }

// Prepare prepares query.
func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

// PrepareContext prepares query.
func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

// ExecContext runs a statement.
func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

// QueryContext runs a query.
func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// CheckNamedValue lets pgx encode every parameter, after making text
// valid for PostgreSQL.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case string:
		nv.Value = pgText(v)
	case []string:
		for i, s := range v {
			if t := pgText(s); t != s {
				clean := make([]string, len(v))
				copy(clean, v)
				for j := i; j < len(v); j++ {
					clean[j] = pgText(v[j])
				}
				nv.Value = clean
				break
			}
		}
	}
	return nil
}

// pgText makes s storable in a PostgreSQL text value, which must be valid
// UTF-8 without NUL characters (SQLite stores any bytes): each byte that
// is not part of valid UTF-8, and each NUL, becomes the character U+F700
// plus its value, from Unicode's private use area. Different strings stay
// different (short of one holding those very characters) and the same
// string is stored the same each time, so an identity made of such bytes
// is found again.
func pgText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r == 0:
			b.WriteRune(pgByteRune + rune(s[i]))
		default:
			b.WriteString(s[i : i+size])
		}
		i += max(size, 1)
	}
	return b.String()
}

// pgByteRune is where pgText maps a byte that PostgreSQL text cannot hold.
const pgByteRune = 0xF700

// rebound caches rebind's answers: the store runs a bounded set of
// statement texts.
var rebound sync.Map // string → string

// rebind rewrites the placeholders of query, written for SQLite (? and
// ?N), as PostgreSQL's ($N). A bare ? takes the number after the highest
// one so far, as in SQLite. Placeholders in string literals, quoted names
// and comments are left alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	top := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			end := min(j+1, len(query)) // past the closing quote
			b.WriteString(query[i:end])
			i = end - 1
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n := top + 1
			if j > i+1 {
				n, _ = strconv.Atoi(query[i+1 : j])
			}
			top = max(top, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	q := b.String()
	rebound.Store(query, q)
	return q
}
