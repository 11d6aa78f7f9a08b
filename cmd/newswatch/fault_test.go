//go:build unix

package main

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
)

// Fault tests run newswatch against a loopback feed server and a fake Slack
// and do to it what happens to daemons: SIGKILL at the worst moments, the
// database locked by another process, a full disk. Afterwards every alert
// must have reached Slack, and none twice but within the window the
// Dispatcher documents: a message Slack accepted just before the kill,
// which is sent again after the restart. The daemon runs as a separate
// process (the binary built from this package), but for the full disk,
// which needs a hook in its SQLite driver.

// newswatchBinary builds the binary of this package into a temporary
// directory.
func newswatchBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build newswatch with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "newswatch")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// faultWords make the titles of test items: each item draws its own, so
// that no two items read like the same story.
var faultWords = strings.Fields(`ministers harbour wheat bridge courts drought envoy museum
	pipeline election cabinet refinery port mayor strike tariff vaccine airline desert
	archive treaty quarry orchestra census glacier festival shipyard lottery satellite
	monastery reservoir telescope vineyard railway parliament dairy canal observatory`)

// faultItem is one published item. Matching items mention Syria, which the
// test's rule watches; the others must never alert.
type faultItem struct {
	n         int
	title     string
	matching  bool
	published time.Time
}

// faultFeeds serves RSS feeds whose items the test publishes. A gate, when
// set, holds the next request until released.
type faultFeeds struct {
	srv *httptest.Server

	mu      sync.Mutex
	items   map[string][]faultItem // by feed path, newest first
	next    int
	gate    *gate
	version map[string]int // by feed path: publications so far
	shown   map[string]int // by feed path: the last version served whole
	servedC chan struct{}  // a document with new items was served
	fetches map[string]int // by feed path: requests served
}

// gate holds one request: arrived is closed when it comes, and it waits
// for release (or for the client to go away); done is closed when its
// handler has returned.
type gate struct {
	arrived, release, done chan struct{}
}

func newGate() *gate {
	return &gate{arrived: make(chan struct{}), release: make(chan struct{}), done: make(chan struct{})}
}

// open lets the held request go on, and waits until its handler returned.
func (g *gate) open() {
	close(g.release)
	<-g.done
}

func newFaultFeeds(t *testing.T, paths ...string) *faultFeeds {
	f := &faultFeeds{items: map[string][]faultItem{}, version: map[string]int{}, shown: map[string]int{},
		servedC: make(chan struct{}, 1), next: 1, fetches: map[string]int{}}
	for _, p := range paths {
		f.items[p] = nil
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// publish adds n items to the feed at path, every fourth one not matching,
// and returns the numbers of the matching ones.
func (f *faultFeeds) publish(path string, n int, r *rand.Rand) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var matching []int
	for range n {
		it := faultItem{n: f.next, matching: f.next%4 != 0, published: time.Now()}
		f.next++
		words := make([]string, 4)
		for i, j := range r.Perm(len(faultWords))[:4] {
			words[i] = faultWords[j]
		}
		if it.matching {
			it.title = "Syria " + strings.Join(words, " ")
			matching = append(matching, it.n)
		} else {
			it.title = "Weather " + strings.Join(words, " ")
		}
		f.items[path] = append([]faultItem{it}, f.items[path]...)
	}
	f.version[path]++
	return matching
}

// hold makes the next request wait at a gate, which it returns.
func (f *faultFeeds) hold() *gate {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = newGate()
	return f.gate
}

func (f *faultFeeds) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	items, ok := f.items[r.URL.Path]
	version := f.version[r.URL.Path]
	g := f.gate
	f.gate = nil
	f.fetches[r.URL.Path]++
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if g != nil {
		defer close(g.done)
		close(g.arrived)
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Fault</title><link>https://wire.example/</link>` + "\n")
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid>story-%d</guid><title>%s</title><link>https://wire.example/story-%d</link><pubDate>%s</pubDate></item>\n",
			it.n, it.title, it.n, it.published.UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write(b.Bytes())

	f.mu.Lock()
	defer f.mu.Unlock()
	if version > f.shown[r.URL.Path] {
		f.shown[r.URL.Path] = version
		select {
		case f.servedC <- struct{}{}:
		default:
		}
	}
}

// served drains any old notice and returns the channel that says a feed
// with new items was served.
func (f *faultFeeds) served() <-chan struct{} {
	select {
	case <-f.servedC:
	default:
	}
	return f.servedC
}

// faultSlack is the fake Slack, counting the messages that name each item.
type faultSlack struct{ *slacktest.Server }

var storyLink = regexp.MustCompile(`wire\.example/story-(\d+)`)

func newFaultSlack(t *testing.T) *faultSlack {
	s := slacktest.Start(t, slacktest.Options{Token: "xoxb-fault"})
	return &faultSlack{s}
}

// count returns how many messages Slack accepted name each item.
func (s *faultSlack) count() map[int]int {
	counts := map[int]int{}
	for _, m := range s.Messages() {
		seen := map[int]bool{}
		for _, k := range storyLink.FindAllStringSubmatch(m.Text+m.Blocks, -1) {
			if n, _ := strconv.Atoi(k[1]); !seen[n] {
				seen[n] = true
				counts[n]++
			}
		}
	}
	return counts
}

// faultDaemon is one run of the newswatch binary.
type faultDaemon struct {
	cmd    *exec.Cmd
	stderr *logtest.Buffer
	done   chan error
}

// faultSetup is a configuration directory for the binary.
type faultSetup struct {
	bin, dir, config string
	log              []string // stderr of every run, for failures
}

func newFaultSetup(t *testing.T, feeds *faultFeeds, slack *faultSlack) *faultSetup {
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, `
[daemon]
data_dir   = "data"
schedule   = "@every 1s"
backfill   = "1h"
admin_addr = ""

[log]
level = "info"

[fetch]
jitter = "0"

[[notifier]]
name    = "slack"
type    = "slack"
token   = "${FAULT_SLACK_TOKEN}"
channel = "#news"
api_url = "%s/api/"
rate    = 100
burst   = 100

[notify]
fold_threshold = 1000
`, slack.URL())
	for _, p := range slices.Sorted(maps.Keys(feeds.items)) {
		fmt.Fprintf(&b, "\n[[feed]]\nname = %q\nurl = %q\n", strings.Trim(p, "/"), feeds.srv.URL+p)
	}
	writeFiles(t, dir, map[string]string{
		"config.toml":        b.String(),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	return &faultSetup{bin: newswatchBinary(t), dir: dir, config: filepath.Join(dir, "config.toml")}
}

func (s *faultSetup) start(t *testing.T) *faultDaemon {
	t.Helper()
	d := &faultDaemon{stderr: &logtest.Buffer{}, done: make(chan error, 1)}
	d.cmd = exec.Command(s.bin, "run", "-config", s.config)
	d.cmd.Env = append(os.Environ(), "FAULT_SLACK_TOKEN=xoxb-fault")
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	return d
}

// kill ends the daemon with SIGKILL and waits for it.
func (s *faultSetup) kill(t *testing.T, d *faultDaemon) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGKILL)
	err := <-d.done
	s.log = append(s.log, d.stderr.String())
	if ws, ok := d.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the daemon was not killed but exited: %v\n%s", err, d.stderr)
	}
}

// stop ends the daemon with SIGTERM, once it is up, and checks it stopped
// cleanly.
func (s *faultSetup) stop(t *testing.T, d *faultDaemon) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.stderr.String(), "newswatch started") && time.Now().Before(deadline) {
		select {
		case <-d.done:
			t.Fatalf("the daemon exited before it started:\n%s", d.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		s.log = append(s.log, d.stderr.String())
		if err != nil {
			t.Errorf("the daemon did not stop cleanly on SIGTERM: %v\n%s", err, d.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the daemon did not stop within 30s of SIGTERM\n%s", d.stderr)
	}
}

// openDB opens the daemon's database from this process, for reading only
// or not, and closes it when the test ends.
func (s *faultSetup) openDB(t *testing.T, readOnly bool) *sql.DB {
	t.Helper()
	// Like any other program on the database (the sqlite3 shell's .timeout),
	// it waits for the daemon's write lock rather than failing at once.
	q := url.Values{"_busy_timeout": {"10000"}}
	if readOnly {
		q.Set("_pragma", "query_only(1)")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(s.dir, "data", databaseFile)), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dump logs the stderr of the last runs.
func (s *faultSetup) dump(t *testing.T) {
	for i, l := range s.log[max(0, len(s.log)-3):] {
		t.Logf("daemon run %d of the last ones:\n%s", i+1, l)
	}
}

// await waits for ch, failing the test after a generous deadline.
func await(t *testing.T, s *faultSetup, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		s.dump(t)
		t.Fatalf("gave up waiting for %s", what)
	}
}

// writeLocked reports whether another process holds SQLite's WAL write lock
// on the database whose shared-memory file is shm: byte 120 of the -shm
// file, locked exclusively for as long as a write transaction is open.
// F_GETLK only asks; it takes no lock.
func writeLocked(shm *os.File) bool {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 120, Len: 1}
	if err := syscall.FcntlFlock(shm.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != syscall.F_UNLCK
}

// TestFaultSIGKILL kills the daemon at least twenty times: while it
// fetches a feed, while its poll transaction is open, while Slack holds a
// message it has not accepted yet, after Slack accepted a message but
// before the daemon heard so, and at random moments; it restarts the
// daemon each time. In the end every matching item must have been alerted,
// no other, and none more than twice; only the messages Slack accepted at
// a kill may be the second copy.
func TestFaultSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 25 times")
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	feeds := newFaultFeeds(t, "/wire", "/gazette")
	slack := newFaultSlack(t)
	setup := newFaultSetup(t, feeds, slack)
	paths := []string{"/wire", "/gazette"}

	expected := map[int]bool{}
	publish := func(n int) []int {
		keys := feeds.publish(paths[r.IntN(len(paths))], n, r)
		for _, k := range keys {
			expected[k] = true
		}
		return keys
	}
	db := setup.openDB(t, true)
	// recorded counts how many of keys the store has as items.
	recorded := func(keys []int) int {
		ids := make([]string, len(keys))
		for i, k := range keys {
			ids[i] = fmt.Sprintf("'https://wire.example/story-%d'", k)
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM items WHERE link IN (" + strings.Join(ids, ",") + ")").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	const (
		duringFetch    = "during a fetch"
		duringTx       = "during a write transaction"
		beforeAccepted = "during a send, before Slack accepted it"
		afterAccepted  = "during a send, after Slack accepted it"
		atRandom       = "at a random moment"
	)
	modes := []string{duringFetch, duringTx, beforeAccepted, afterAccepted, atRandom}
	kills := map[string]int{}
	// resendable counts, for each item, the kills at which Slack had
	// accepted its alert but the store still had it queued: each such kill
	// allows one more copy.
	resendable := map[int]int{}
	afterKill := func(mode string) {
		t.Helper()
		rows, err := db.Query("SELECT link FROM alerts WHERE status = 'queued'")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		counts := slack.count()
		var unrecorded []int
		for rows.Next() {
			var link string
			if err := rows.Scan(&link); err != nil {
				t.Fatal(err)
			}
			m := storyLink.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("alert for %s", link)
			}
			if k, _ := strconv.Atoi(m[1]); counts[k] > 0 {
				unrecorded = append(unrecorded, k)
				resendable[k]++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// The Dispatcher's promise: one message in flight per destination,
		// its result recorded before the next is sent.
		if len(unrecorded) > 1 {
			t.Errorf("after a kill %s, %d messages Slack had accepted were not recorded as delivered: %v",
				mode, len(unrecorded), unrecorded)
		}
	}
	txCaught, txCut := 0, 0

	for i := range 25 {
		mode := modes[i%len(modes)]
		d := setup.start(t)
		switch mode {
		case duringFetch:
			g := feeds.hold()
			publish(3)
			await(t, setup, "a fetch", g.arrived)
			setup.kill(t, d)
			g.open()
		case duringTx:
			// A poll with many new items holds its transaction longest.
			served := feeds.served()
			keys := publish(40)
			await(t, setup, "a document with new items to be served", served)
			shm, err := os.Open(filepath.Join(setup.dir, "data", databaseFile+"-shm"))
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for !writeLocked(shm) && time.Now().Before(deadline) {
			}
			if writeLocked(shm) {
				txCaught++
			}
			shm.Close()
			setup.kill(t, d)
			if recorded(keys) == 0 {
				txCut++ // the poll's transaction died with the process
			}
		case beforeAccepted, afterAccepted:
			// The next message hangs: Slack has it (after) or not
			// (before), and the answer never comes.
			arrived := make(chan struct{})
			slack.Script("#news", slacktest.Reply{Hang: true, Accept: mode == afterAccepted, Arrived: arrived})
			publish(3)
			await(t, setup, "a message to Slack", arrived)
			setup.kill(t, d)
			slack.Release()
		case atRandom:
			publish(1 + r.IntN(5))
			select {
			case <-time.After(time.Duration(r.IntN(2000)) * time.Millisecond):
			case err := <-d.done:
				t.Fatalf("the daemon exited: %v\n%s", err, d.stderr)
			}
			setup.kill(t, d)
		}
		afterKill(mode)
		kills[mode]++
	}
	t.Logf("kills: %v; at %d of %d kills during a transaction the write lock was seen held, and at %d the new items were not recorded",
		kills, txCaught, kills[duringTx], txCut)

	// A last run delivers whatever is left.
	undelivered := func() int {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM alerts WHERE status <> 'delivered'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	d := setup.start(t)
	deadline := time.Now().Add(60 * time.Second)
	for {
		counts := slack.count()
		missing := 0
		for k := range expected {
			if counts[k] == 0 {
				missing++
			}
		}
		if missing == 0 && undelivered() == 0 {
			break
		}
		if time.Now().After(deadline) {
			setup.stop(t, d)
			setup.dump(t)
			t.Fatalf("%d of %d alerts never reached Slack; %d not recorded delivered", missing, len(expected), undelivered())
		}
		select {
		case err := <-d.done:
			t.Fatalf("the daemon exited: %v\n%s", err, d.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	setup.stop(t, d)

	counts := slack.count()
	copies := 0
	for k, n := range counts {
		switch {
		case !expected[k]:
			t.Errorf("item %d, which matches no rule, was alerted %d times", k, n)
		case n > 1+resendable[k]:
			t.Errorf("item %d alerted %d times; it was accepted but unrecorded at %d kills", k, n, resendable[k])
		}
		copies += n - 1
	}
	t.Logf("%d items alerted, %d copies more, all at kills after Slack had accepted a message", len(counts), copies)
	if kills[afterAccepted] > 0 && len(resendable) == 0 {
		t.Error("no kill after Slack accepted a message left it unrecorded: the test did not test the duplicate window")
	}

	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check after %d kills: %q, %v", len(modes)*5, check, err)
	}
}

// TestFaultDatabaseLocked locks the running daemon's database from another
// process (this one) while new items wait: the daemon must log the failure,
// keep its place, and deliver every alert exactly once after the lock is
// released.
func TestFaultDatabaseLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits out SQLite's five-second busy timeout")
	}
	r := rand.New(rand.NewPCG(1, 2))
	feeds := newFaultFeeds(t, "/wire")
	slack := newFaultSlack(t)
	setup := newFaultSetup(t, feeds, slack)
	d := setup.start(t)
	defer setup.stop(t, d)

	first := feeds.publish("/wire", 3, r)
	waitForCounts(t, setup, d, slack, first)

	db := setup.openDB(t, false)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	second := feeds.publish("/wire", 3, r)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.stderr.String(), "database is locked") {
		if time.Now().After(deadline) {
			conn.ExecContext(ctx, "ROLLBACK")
			t.Fatalf("no log of the locked database within 30s:\n%s", d.stderr)
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case err := <-d.done:
			t.Fatalf("the daemon exited: %v\n%s", err, d.stderr)
		}
	}
	if counts := slack.count(); counts[second[0]] != 0 {
		t.Fatalf("item %d alerted while the database was locked", second[0])
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	waitForCounts(t, setup, d, slack, append(first, second...))
}

// waitForCounts waits until each of keys was alerted, then checks each
// was alerted exactly once.
func waitForCounts(t *testing.T, setup *faultSetup, d *faultDaemon, slack *faultSlack, keys []int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		counts := slack.count()
		done := true
		for _, k := range keys {
			done = done && counts[k] > 0
		}
		if done {
			for _, k := range keys {
				if counts[k] != 1 {
					t.Errorf("item %d alerted %d times", k, counts[k])
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("items %v not all alerted within 30s (%v):\n%s", keys, counts, d.stderr)
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case err := <-d.done:
			t.Fatalf("the daemon exited: %v\n%s", err, d.stderr)
		}
	}
}

// pageLimited holds the database paths whose new connections get a page
// limit of the database's size when they open: a full disk for SQLite.
var pageLimited sync.Map // string → struct{}

// The hook is registered before any test runs, as the driver wants.
func init() {
	sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, dsn string) error {
		limited := false
		pageLimited.Range(func(path, _ any) bool {
			limited = strings.Contains(dsn, path.(string))
			return !limited
		})
		if !limited {
			return nil
		}
		ctx := context.Background()
		rows, err := conn.QueryContext(ctx, "PRAGMA page_count", nil)
		if err != nil {
			return err
		}
		v := make([]driver.Value, 1)
		err = rows.Next(v)
		rows.Close()
		if err != nil {
			return err
		}
		_, err = conn.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", v[0]), nil)
		return err
	})
}

// TestFaultDiskFull runs the daemon (in this process, so that its SQLite
// connections can be given a page limit) on a database that cannot grow:
// new items cannot be recorded. The daemon must log it and keep its place;
// once space is freed (another process drops a table) every alert must be
// delivered, once.
func TestFaultDiskFull(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	feeds := newFaultFeeds(t, "/wire")
	slack := newFaultSlack(t)
	setup := newFaultSetup(t, feeds, slack)
	dbPath := filepath.Join(setup.dir, "data", databaseFile)

	// The database exists, migrated, with 4 MB of ballast: the space that
	// will be freed.
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db := setup.openDB(t, false)
	if _, err := db.Exec(`CREATE TABLE ballast (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
		INSERT INTO ballast SELECT zeroblob(4000) FROM n`); err != nil {
		t.Fatal(err)
	}
	pageLimited.Store(dbPath, struct{}{})
	defer pageLimited.Delete(dbPath)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &logtest.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "-config", setup.config}, &IO{
			Stdin: strings.NewReader(""), Stdout: &logtest.Buffer{}, Stderr: stderr,
			LookupEnv: func(k string) (string, bool) { return "xoxb-fault", k == "FAULT_SLACK_TOKEN" },
		})
	}()
	// Enough items that recording them needs new pages.
	keys := feeds.publish("/wire", 60, r)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "database or disk is full") {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the full disk within 30s:\n%s", stderr)
		}
		select {
		case code := <-done:
			t.Fatalf("the daemon exited with %d:\n%s", code, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if counts := slack.count(); len(counts) > 0 {
		t.Fatalf("alerts sent though their items could not be recorded: %v", counts)
	}

	// Another process frees space; the daemon's next polls record the items.
	if _, err := db.Exec("DROP TABLE ballast"); err != nil {
		t.Fatal(err)
	}
	d := &faultDaemon{stderr: stderr, done: make(chan error, 1)}
	go func() {
		code := <-done
		d.done <- fmt.Errorf("exit status %d", code)
	}()
	waitForCounts(t, setup, d, slack, keys)
	cancel()
	if err := <-d.done; err.Error() != "exit status 0" {
		t.Errorf("the daemon stopped with %v:\n%s", err, stderr)
	}
}
