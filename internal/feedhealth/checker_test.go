package feedhealth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the poller and the checker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// site serves one RSS feed whose items and health the test sets.
type site struct {
	mu     sync.Mutex
	items  []string // GUIDs, newest first
	broken bool
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		http.Error(w, "upstream down", http.StatusBadGateway)
		return
	}
	etag := fmt.Sprintf(`"%d"`, len(s.items))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Kan</title>`)
	for _, guid := range s.items {
		fmt.Fprintf(w, `<item><guid>%s</guid><title>Item %s</title></item>`, guid, guid)
	}
	fmt.Fprint(w, `</channel></rss>`)
}

func (s *site) set(broken bool, items ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken = broken
	if items != nil {
		s.items = items
	}
}

// healthEnv is a store with one feed served by a site, a poller and a
// checker sharing a clock.
type healthEnv struct {
	t       *testing.T
	ctx     context.Context
	store   *store.Store
	clock   *clock
	site    *site
	feed    model.Feed
	poller  *monitor.Poller
	checker *Checker
	woken   int
}

func newHealthEnv(t *testing.T, expectEvery time.Duration) *healthEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &site{items: []string{"1"}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	e := &healthEnv{t: t, ctx: ctx, store: st, clock: &clock{t: t0}, site: s}
	e.feed = model.Feed{Name: "Kan", URL: srv.URL, Enabled: true, Schedule: "@every 5m", ExpectEvery: expectEvery}
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: e.feed.Name, URL: e.feed.URL}}); err != nil {
		t.Fatal(err)
	}
	e.poller = &monitor.Poller{Store: st, Now: e.clock.Now, Rand: func() float64 { return 0 }}
	e.checker = e.newChecker()
	return e
}

func (e *healthEnv) newChecker() *Checker {
	return &Checker{
		Store:        e.store,
		Feeds:        func() []model.Feed { return []model.Feed{e.feed} },
		AlertAfter:   6 * time.Hour,
		Notify:       []string{"ops-slack", "console"},
		Now:          e.clock.Now,
		AlertsQueued: func(n int) { e.woken += n },
	}
}

// pollAt polls the feed at t and checks health right after, as the
// daemon does (OnPoll pokes the checker); it returns the alerts queued.
func (e *healthEnv) pollAt(t time.Time) int {
	e.t.Helper()
	e.clock.Set(t)
	if _, err := e.poller.Poll(e.ctx, model.Feed{Name: e.feed.Name, URL: e.feed.URL, Enabled: true}); err != nil {
		var fe *monitor.FetchError
		if !errors.As(err, &fe) {
			e.t.Fatalf("poll at %s: %v", t, err)
		}
	}
	return e.checkAt(t)
}

func (e *healthEnv) checkAt(t time.Time) int {
	e.t.Helper()
	e.clock.Set(t)
	n, err := e.checker.Check(e.ctx)
	if err != nil {
		e.t.Fatalf("check at %s: %v", t, err)
	}
	return n
}

// healthAlerts returns the titles of the feed-health alerts queued for
// notifier, oldest first.
func (e *healthEnv) healthAlerts(notifier string) []string {
	e.t.Helper()
	all, err := e.store.Alerts(e.ctx, store.AlertFilter{Rule: notify.HealthRule})
	if err != nil {
		e.t.Fatal(err)
	}
	var titles []string
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Notifier == notifier {
			titles = append(titles, all[i].Severity+": "+all[i].Title)
		}
	}
	return titles
}

func TestFailingFeedAlertsOnceAndRecoversOnce(t *testing.T) {
	e := newHealthEnv(t, 0)
	if n := e.pollAt(t0); n != 0 {
		t.Fatalf("healthy feed: %d alerts", n)
	}
	e.site.set(true)
	// Failing polls for almost six hours: nothing yet.
	for _, at := range []time.Duration{5 * time.Minute, time.Hour, 3 * time.Hour, 6*time.Hour + 4*time.Minute} {
		if n := e.pollAt(t0.Add(at)); n != 0 {
			t.Fatalf("failing for %s: %d alerts, want none before feed_alert_after", at-5*time.Minute, n)
		}
	}
	// Past six hours since the first failure: one alert per notifier.
	if n := e.checkAt(t0.Add(6*time.Hour + 6*time.Minute)); n != 2 {
		t.Fatalf("failing for 6h1m: %d alerts, want 2 (one per notifier)", n)
	}
	// More failed polls, checks, and a restart: no more alerts.
	for _, at := range []time.Duration{7 * time.Hour, 9 * time.Hour} {
		if n := e.pollAt(t0.Add(at)); n != 0 {
			t.Fatalf("still failing at +%s: %d more alerts", at, n)
		}
	}
	e.checker = e.newChecker()
	if n := e.checkAt(t0.Add(9*time.Hour + time.Minute)); n != 0 {
		t.Fatalf("after a restart: %d more alerts", n)
	}
	// Recovery: one alert per notifier, once.
	e.site.set(false)
	if n := e.pollAt(t0.Add(10 * time.Hour)); n != 2 {
		t.Fatalf("recovered: %d alerts, want 2", n)
	}
	if n := e.pollAt(t0.Add(10*time.Hour + 5*time.Minute)); n != 0 {
		t.Fatalf("healthy again: %d more alerts", n)
	}
	want := []string{`notice: Feed "Kan" is failing`, `info: Feed "Kan" has recovered`}
	for _, n := range []string{"ops-slack", "console"} {
		if got := e.healthAlerts(n); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("alerts to %s = %q, want %q", n, got, want)
		}
	}
	if e.woken != 4 {
		t.Errorf("AlertsQueued reported %d alerts, want 4", e.woken)
	}

	all, _ := e.store.Alerts(e.ctx, store.AlertFilter{Rule: notify.HealthRule, Limit: 1})
	recovery := all[0]
	if recovery.Link != e.feed.URL || recovery.Feed != "Kan" || !strings.Contains(recovery.Summary, "after failing for 9h 55m") {
		t.Errorf("recovery alert = %+v", recovery)
	}
	failing, _ := e.store.Alerts(e.ctx, store.AlertFilter{Rule: notify.HealthRule, Status: model.StatusQueued})
	if f := failing[len(failing)-1]; !strings.Contains(f.Summary, "No successful fetch for 6h 1m (4 failed attempts in a row). Last error:") ||
		!strings.Contains(f.Summary, "502") {
		t.Errorf("failing alert summary = %q", f.Summary)
	}
}

func TestQuietFeedAlertsOnceAndRecoversOnce(t *testing.T) {
	e := newHealthEnv(t, 2*time.Hour)
	if n := e.pollAt(t0); n != 0 {
		t.Fatal("first poll alerted")
	}
	// Fetches keep succeeding (304s) without new items.
	if n := e.pollAt(t0.Add(time.Hour)); n != 0 {
		t.Fatal("quiet for 1h of an expected 2h alerted")
	}
	// The daemon is stopped for a day: a check at start must not take that
	// for silence, since the last successful fetch was only 1h after the
	// last item.
	if n := e.checkAt(t0.Add(25 * time.Hour)); n != 0 {
		t.Fatal("time the daemon was stopped counted as silence")
	}
	if n := e.pollAt(t0.Add(26 * time.Hour)); n != 2 {
		t.Fatalf("quiet for 26h of an expected 2h: %d alerts, want 2", n)
	}
	if n := e.pollAt(t0.Add(27 * time.Hour)); n != 0 {
		t.Fatal("second alert while still quiet")
	}
	e.site.set(false, "2", "1")
	if n := e.pollAt(t0.Add(28 * time.Hour)); n != 2 {
		t.Fatalf("new item: %d alerts, want 2", n)
	}
	want := []string{`notice: Feed "Kan" has gone quiet`, `info: Feed "Kan" is publishing again`}
	if got := e.healthAlerts("console"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("alerts = %q, want %q", got, want)
	}
}

func TestChecksTurnedOff(t *testing.T) {
	e := newHealthEnv(t, 0)
	e.checker.AlertAfter = 0
	e.pollAt(t0)
	e.site.set(true)
	for h := 1; h < 30; h += 4 {
		if n := e.pollAt(t0.Add(time.Duration(h) * time.Hour)); n != 0 {
			t.Fatalf("feed_alert_after = 0 but %d alerts", n)
		}
	}
	// A disabled feed is not checked at all.
	e.checker.AlertAfter = time.Hour
	e.feed.Enabled = false
	if n := e.checkAt(t0.Add(40 * time.Hour)); n != 0 {
		t.Fatalf("disabled feed: %d alerts", n)
	}
}

func TestRunChecksWhenPoked(t *testing.T) {
	e := newHealthEnv(t, 0)
	e.pollAt(t0)
	e.site.set(true)
	e.pollAt(t0.Add(time.Minute))
	// Fails again hours later; no check has run since.
	e.clock.Set(t0.Add(8 * time.Hour))
	if _, err := e.poller.Poll(e.ctx, model.Feed{Name: "Kan", URL: e.feed.URL, Enabled: true}); err == nil {
		t.Fatal("poll of a broken site succeeded")
	}
	queued := make(chan int, 10)
	e.checker.AlertsQueued = func(n int) { queued <- n }
	e.checker.Interval = time.Hour // only pokes and the first turn check here
	e.checker.minGap = -1          // no wait between checks
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.checker.Run(ctx) }()
	select {
	case n := <-queued:
		if n != 2 {
			t.Errorf("first check queued %d alerts, want 2", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not check at start")
	}
	e.site.set(false)
	e.clock.Set(t0.Add(9 * time.Hour))
	if _, err := e.poller.Poll(e.ctx, model.Feed{Name: "Kan", URL: e.feed.URL, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.checker.Poke()
	e.checker.Poke() // merged with the first
	select {
	case n := <-queued:
		if n != 2 {
			t.Errorf("check after the poke queued %d alerts, want 2", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Poke did not make Run check")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
