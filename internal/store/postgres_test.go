package store

import (
	"context"
	"errors"
	"net"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`WHERE a = ?2 AND b = ?1 AND c = ?2`, `WHERE a = $2 AND b = $1 AND c = $2`},
		{`WHERE a = ?2 AND b = ?`, `WHERE a = $2 AND b = $3`}, // as SQLite numbers them
		{`SELECT '?', "a?b", ? -- what?` + "\n" + `, ?`, `SELECT '?', "a?b", $1 -- what?` + "\n" + `, $2`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
		{`x = ?10`, `x = $10`},
	} {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPGText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"تطبيع ונורמליזציה", "تطبيع ונורמליזציה"},
		{"a\x00b", "a\uf700b"},
		{"guid:\xff", "guid:\uf7ff"},
		{"guid:\xff\xfe", "guid:\uf7ff\uf7fe"},
		{"cut \xe2\x82", "cut \uf7e2\uf782"}, // a truncated €
	} {
		got := pgText(tc.in)
		if got != tc.want {
			t.Errorf("pgText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if pgText(got) != got {
			t.Errorf("pgText(%q) changes its own answer", tc.in)
		}
	}
}

// TestPostgresErrorsHideThePassword: whatever goes wrong opening a
// PostgreSQL database, the error names the host and the database and
// never shows the password.
func TestPostgresErrorsHideThePassword(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	// A port nothing listens on: the connection is refused at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	cases := []struct {
		name, dsn string
		want      []string // in the message
	}{
		{"bad port", "postgres://nw:" + secret + "@127.0.0.1:notaport/news", []string{"does not parse"}},
		{"bad sslmode", "postgres://nw:" + secret + "@127.0.0.1/news?sslmode=sometimes", []string{"does not parse"}},
		{"key value", "host=127.0.0.1 port=x user=nw password=" + secret + " dbname=news", []string{"does not parse"}},
		{"quoted key value", "host=127.0.0.1 port=x password='" + secret + " x' dbname=news", []string{"does not parse"}},
		{"broken url", "postgres://nw:" + secret + "@[::1/news", []string{"does not parse"}},
		{"refused", "postgres://nw:" + secret + "@" + closed + "/news?sslmode=disable&connect_timeout=5",
			[]string{closed, `database "news"`}},
	}
	if pgtest.Available() {
		u, err := url.Parse(pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), secret)
		cases = append(cases, struct {
			name, dsn string
			want      []string
		}{"wrong password", u.String(), []string{u.Host, strings.TrimPrefix(u.Path, "/"), "password authentication failed"}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := OpenPostgres(ctx, tc.dsn)
			if err == nil {
				s.Close()
				t.Fatal("OpenPostgres succeeded")
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "s3cr3t") {
				t.Errorf("the error shows the password: %s", msg)
			}
			if !strings.HasPrefix(msg, "store: postgres") {
				t.Errorf("error %q does not say where it comes from", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not name %q", msg, w)
				}
			}
		})
	}
}

func TestPostgresTarget(t *testing.T) {
	db := newTestDB(t, Postgres)
	s := db.open(t)
	u, err := url.Parse(db.source)
	if err != nil {
		t.Fatal(err)
	}
	if s.Engine() != Postgres {
		t.Errorf("Engine() = %q", s.Engine())
	}
	got := s.Target()
	if !strings.Contains(got, u.Host) || !strings.Contains(got, strings.TrimPrefix(u.Path, "/")) {
		t.Errorf("Target() = %q, want the host %s and the database %s", got, u.Host, u.Path)
	}
	// The host and the database name may happen to contain the password's
	// text (a role "newswatch" with password "newswatch" on a database
	// "newswatch_test"); what is left after them must not.
	rest := strings.NewReplacer(u.Host, "", strings.TrimPrefix(u.Path, "/"), "").Replace(got)
	if p, ok := u.User.Password(); ok && strings.Contains(rest, p) {
		t.Errorf("Target() = %q shows the password", got)
	}
}

// TestTwoStoresOneDatabase: two Stores on one database, as two processes
// (replicas) have them, recording the same item and the same story's
// first alert at the same moment: one of each is written, and the other
// is told it is a duplicate, with its transaction still usable.
func TestTwoStoresOneDatabase(t *testing.T) {
	eachEngine(t, func(t *testing.T, db testDB) {
		a, b := db.open(t), db.open(t)
		syncFeeds(t, a, "wire")
		syncFeeds(t, b, "wire")
		f := feedNamed(t, a, "wire")
		ctx := context.Background()
		setup := begin(t, a)
		story := &Story{Title: "Talks", CreatedAt: testTime}
		if err := setup.NewStory(story); err != nil {
			t.Fatal(err)
		}
		if err := setup.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:first", StoryID: story.ID, SeenAt: testTime}); err != nil {
			t.Fatal(err)
		}
		if err := setup.Commit(); err != nil {
			t.Fatal(err)
		}

		type result struct{ item, alert error }
		results := make(chan result, 2)
		start := make(chan struct{})
		for _, s := range []*Store{a, b} {
			go func() {
				<-start
				tx, err := s.Begin(ctx)
				if err != nil {
					results <- result{err, err}
					return
				}
				defer tx.Rollback()
				var r result
				r.item = tx.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:same", SeenAt: testTime})
				r.alert = tx.Enqueue(&model.Alert{StoryID: story.ID, Rule: "r", Notifier: "slack", Title: "Talks"})
				if err := tx.Commit(); err != nil {
					r.item, r.alert = err, err
				}
				results <- r
			}()
		}
		close(start)
		var items, alerts int
		for range 2 {
			r := <-results
			switch {
			case r.item == nil:
				items++
			case !errors.Is(r.item, ErrDuplicate):
				t.Errorf("AddItem: %v, want nil or ErrDuplicate", r.item)
			}
			switch {
			case r.alert == nil:
				alerts++
			case !errors.Is(r.alert, ErrDuplicate):
				t.Errorf("Enqueue: %v, want nil or ErrDuplicate", r.alert)
			}
		}
		if items != 1 || alerts != 1 {
			t.Errorf("%d items and %d alerts written, want 1 and 1", items, alerts)
		}
		if n := countRows(t, a, "items"); n != 2 {
			t.Errorf("%d item rows, want 2", n)
		}
		if n := countRows(t, a, "alerts"); n != 1 {
			t.Errorf("%d alert rows, want 1", n)
		}
	})
}

// TestPostgresPollsTakeTurns: on PostgreSQL a poll transaction of one
// replica waits for another's to end, so that rows are committed in the
// order of their IDs and a reader that goes on from the highest ID it saw
// (WindowItems, DueAlertsAfter) passes none over.
func TestPostgresPollsTakeTurns(t *testing.T) {
	db := newTestDB(t, Postgres)
	a, b := db.open(t), db.open(t)
	syncFeeds(t, a, "wire")
	f := feedNamed(t, a, "wire")
	ctx := context.Background()

	first := begin(t, a)
	if err := first.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:1", SeenAt: testTime}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		tx, err := b.Begin(ctx)
		if err == nil {
			err = tx.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:2", SeenAt: testTime})
		}
		if err == nil {
			err = tx.Commit()
		}
		done <- err
	}()
	// The second transaction waits for the lock the first holds.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		// A bigint advisory lock shows as its high and low halves.
		if err := a.read.QueryRowContext(ctx, `SELECT COUNT(*)
			FROM pg_locks, (SELECT `+schemaLockKey+` AS k) AS key
			WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid::bigint = (k >> 32) & 4294967295 AND objid::bigint = k & 4294967295`, "writes").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the second poll ended (%v) while the first was open", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the second poll never waited for the first")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := a.WindowItems(ctx, time.Time{}, 0, func(it *model.Item) error {
		ids = append(ids, it.Identity)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids, []string{"guid:1", "guid:2"}) {
		t.Errorf("items by ID: %v, want the first poll's first", ids)
	}
}
