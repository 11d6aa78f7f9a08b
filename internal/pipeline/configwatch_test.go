package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// TestDaemonReloadsFeeds runs the daemon and edits its configuration file
// as a user would: a new feed is polled without a restart and a removed
// one leaves, a broken edit keeps the feeds in force with its errors
// logged once and shown on the status page, and a change outside [[feed]]
// is named as waiting for a restart.
func TestDaemonReloadsFeeds(t *testing.T) {
	w := newWorld(t, "127.0.0.1:0")
	var newHits atomic.Int32
	newFeed := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		newHits.Add(1)
		rw.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(rw, `<?xml version="1.0"?><rss version="2.0"><channel><title>New</title></channel></rss>`)
	}))
	t.Cleanup(newFeed.Close)

	watcher, err := rules.NewWatcher(w.cfg.Rules.Dir, w.log)
	if err != nil {
		t.Fatal(err)
	}
	p := w.open(t, watcher.Current)
	d, err := p.Daemon(context.Background(), watcher)
	if err != nil {
		t.Fatal(err)
	}
	d.config.debounce = 0
	watching := make(chan struct{})
	d.config.watching = func() { close(watching) }
	ctx, cancel := context.WithCancel(context.Background())
	reload := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, reload) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	select {
	case <-watching:
	case <-time.After(20 * time.Second):
		t.Fatal("the configuration watcher did not start")
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 20s; log:\n%s", what, w.logs)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	original, err := os.ReadFile(w.cfg.File)
	if err != nil {
		t.Fatal(err)
	}
	wire, _, _ := strings.Cut(string(original), "[[feed]]\nname = \"Gone\"")
	save := func(text string) {
		t.Helper()
		tmp := w.cfg.File + ".tmp"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, w.cfg.File); err != nil { // as editors save
			t.Fatal(err)
		}
	}
	names := func() []string {
		var out []string
		for _, f := range p.Scheduler.Configured() {
			out = append(out, f.Name)
		}
		return out
	}

	// "feeds add": a new feed, and "Gone" removed.
	save(wire + fmt.Sprintf("[[feed]]\nname = \"New\"\nurl  = %q\n", newFeed.URL+"/rss"))
	waitUntil("poll of the new feed", func() bool { return newHits.Load() > 0 })
	if got := names(); !slices.Equal(got, []string{"Wire", "New"}) {
		t.Errorf("feeds in force %q, want Wire and New", got)
	}
	if !strings.Contains(w.logs.String(), `msg="configuration: feeds reloaded"`) ||
		!strings.Contains(w.logs.String(), "added=New removed=Gone") {
		t.Errorf("the reload does not say what changed:\n%s", w.logs)
	}

	// A broken edit: the feeds stay, the errors are logged once and shown.
	good := wire + fmt.Sprintf("[[feed]]\nname = \"New\"\nurl  = %q\n", newFeed.URL+"/rss")
	save(good + "[[feed]]\nname = \"Broken\"\nurl = \"gopher://x\"\nshedule = \"@daily\"\n")
	waitUntil("the refused reload", func() bool { return strings.Contains(w.logs.String(), "configuration: reload failed") })
	if got := names(); !slices.Equal(got, []string{"Wire", "New"}) {
		t.Errorf("feeds in force after a broken edit %q, want Wire and New", got)
	}
	st := d.config.Status()
	if len(st.Errors) != 2 || !strings.Contains(st.Errors[1], `unknown key "shedule" in [feed] (did you mean "schedule"?)`) {
		t.Errorf("status errors %q", st.Errors)
	}
	reload <- syscall.SIGHUP
	waitUntil("the SIGHUP", func() bool { return strings.Contains(w.logs.String(), "unchanged since its errors were logged") })
	if n := strings.Count(w.logs.String(), `unknown key \"shedule\"`); n != 1 {
		t.Errorf("the error was logged %d times, want once:\n%s", n, w.logs)
	}
	rec := httptest.NewRecorder()
	d.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if body := rec.Body.String(); !strings.Contains(body, "but has errors: newswatch keeps polling the feeds it read before") ||
		!strings.Contains(body, "(did you mean &#34;schedule&#34;?)") {
		t.Errorf("the status page does not show the refused edit:\n%s", body)
	}

	// Fixed, with a change that waits for a restart.
	save(strings.Replace(good, "[daemon]", "[daemon]\nbackfill = \"48h\"", 1))
	waitUntil("the fixed reload", func() bool { return len(d.config.Status().Errors) == 0 })
	if st := d.config.Status(); !slices.Equal(st.Restart, []string{"[daemon]"}) {
		t.Errorf("restart sections %q, want [daemon]", st.Restart)
	}
	if !strings.Contains(w.logs.String(), `changes outside [[feed]] take effect when newswatch restarts" file=`) {
		t.Errorf("no restart warning:\n%s", w.logs)
	}
}

func TestRestartSections(t *testing.T) {
	base := &config.Config{Feeds: []config.Feed{{Name: "a"}}, Notifiers: []config.Notifier{{Name: "console", Type: "console"}}}
	same := *base
	same.Feeds = []config.Feed{{Name: "b"}}
	same.File, same.Warnings = "other.toml", nil
	if got := restartSections(base, &same); got != nil {
		t.Errorf("feeds only: %q, want none", got)
	}
	changed := *base
	changed.Notifiers = []config.Notifier{{Name: "slack", Type: "slack"}}
	changed.Daemon.Backfill = time.Hour
	changed.Stories.Window = time.Hour
	if got := restartSections(base, &changed); !slices.Equal(got, []string{"[daemon]", "[[notifier]]", "[stories]"}) {
		t.Errorf("restartSections = %q", got)
	}
}

// TestApplyFeedsChecksRules checks that the rules are checked against the
// feeds a reload puts in force: a rule selecting a feed that is gone draws
// a warning.
func TestApplyFeedsChecksRules(t *testing.T) {
	w := newWorld(t, "")
	if err := os.WriteFile(w.cfg.Rules.Dir+"/a.toml", []byte("[[rule]]\nname = \"a\"\nquery = \"x\"\nfeeds = [\"Gone\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	watcher, err := rules.NewWatcher(w.cfg.Rules.Dir, w.log)
	if err != nil {
		t.Fatal(err)
	}
	watcher.SetKnown(Known(w.cfg))
	p := w.open(t, watcher.Current)
	d, err := p.Daemon(context.Background(), watcher)
	if err != nil {
		t.Fatal(err)
	}
	next := *w.cfg
	next.Feeds = w.cfg.Feeds[:1]
	changes, err := d.applyFeeds(context.Background(), &next)
	if err != nil || !slices.Equal(changes.Removed, []string{"Gone"}) {
		t.Fatalf("applyFeeds = %+v, %v", changes, err)
	}
	if !strings.Contains(w.logs.String(), `no feed is named \"Gone\"`) {
		t.Errorf("no warning about the rule's feed:\n%s", w.logs)
	}
	if got := p.Scheduler.Configured(); len(got) != 1 || !slices.EqualFunc(got, Feeds(next.Feeds), func(a, b model.Feed) bool { return a.Name == b.Name }) {
		t.Errorf("feeds in force %v", got)
	}
}
