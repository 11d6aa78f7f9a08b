package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// waitFor polls cond until it holds, failing the test after a generous
// deadline. It waits for events, it does not measure time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		<-tick.C
	}
}

// gate is a feed server whose requests block until released, and which
// records how many it served at once.
type gate struct {
	*httptest.Server
	release  chan struct{}
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	total    *atomic.Int32 // shared by the gates of one test
	maxTotal *atomic.Int32
	hits     sync.Map // path → *atomic.Int32
}

func newGate(t *testing.T, total, maxTotal *atomic.Int32) *gate {
	g := &gate{release: make(chan struct{}), total: total, maxTotal: maxTotal}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := g.hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		raise(&g.maxSeen, g.inFlight.Add(1))
		raise(g.maxTotal, g.total.Add(1))
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
		g.inFlight.Add(-1)
		g.total.Add(-1)
		fmt.Fprint(w, rssDoc(story(1, 0)))
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gate) hitCount(path string) int32 {
	n, ok := g.hits.Load(path)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

// raise makes m at least v.
func raise(m *atomic.Int32, v int32) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func TestRunOnceRespectsLimits(t *testing.T) {
	const feedsPerHost = 6
	var total, maxTotal atomic.Int32
	a, b := newGate(t, &total, &maxTotal), newGate(t, &total, &maxTotal)
	env := newTestEnv(t, syriaRules(t))
	var feeds []model.Feed
	for i := range feedsPerHost {
		feeds = append(feeds,
			model.Feed{Name: fmt.Sprintf("a%d", i), URL: fmt.Sprintf("%s/%d", a.URL, i), Enabled: true},
			model.Feed{Name: fmt.Sprintf("b%d", i), URL: fmt.Sprintf("%s/%d", b.URL, i), Enabled: true})
	}
	s := &Scheduler{Poller: env.poller, Feeds: feeds, Concurrency: 3, PerHost: 2}

	done := make(chan []Failure)
	go func() {
		failures, err := s.RunOnce(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- failures
	}()
	// Let the pool fill up before anything finishes, then release the
	// requests one by one: each lets the pool start the next.
	waitFor(t, "the pool to fill", func() bool { return total.Load() == 3 })
	for range 2 * feedsPerHost {
		select {
		case a.release <- struct{}{}:
		case b.release <- struct{}{}:
		}
	}
	if failures := <-done; len(failures) != 0 {
		t.Fatalf("failures: %v", failures)
	}
	if got := maxTotal.Load(); got != 3 {
		t.Errorf("at most %d polls at once, want the global limit 3", got)
	}
	if ma, mb := a.maxSeen.Load(), b.maxSeen.Load(); ma > 2 || mb > 2 {
		t.Errorf("per host at once: %d and %d, want at most 2", ma, mb)
	}
	for i := range feedsPerHost {
		for _, g := range []*gate{a, b} {
			if n := g.hitCount(fmt.Sprintf("/%d", i)); n != 1 {
				t.Errorf("feed %d fetched %d times, want once", i, n)
			}
		}
	}
}

func TestRunOncePerHostLimit(t *testing.T) {
	var total, maxTotal atomic.Int32
	g := newGate(t, &total, &maxTotal)
	env := newTestEnv(t, syriaRules(t))
	var feeds []model.Feed
	for i := range 5 {
		feeds = append(feeds, model.Feed{Name: fmt.Sprint(i), URL: fmt.Sprintf("%s/%d", g.URL, i), Enabled: true})
	}
	s := &Scheduler{Poller: env.poller, Feeds: feeds, Concurrency: 10, PerHost: 2}
	done := make(chan error)
	go func() {
		_, err := s.RunOnce(context.Background())
		done <- err
	}()
	waitFor(t, "two requests to the host", func() bool { return g.inFlight.Load() == 2 })
	for range 5 {
		g.release <- struct{}{}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := g.maxSeen.Load(); got != 2 {
		t.Errorf("at most %d polls at once to one host, want 2", got)
	}
}

func TestRunOnceReportsFailuresAndHolds(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if strings.HasPrefix(r.URL.Path, "/broken") {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, rssDoc(story(1, 0)))
	}))
	defer srv.Close()
	feeds := []model.Feed{
		{Name: "ok-1", URL: srv.URL + "/ok-1", Enabled: true},
		{Name: "ok-2", URL: srv.URL + "/ok-2", Enabled: true},
		{Name: "broken", URL: srv.URL + "/broken", Enabled: true},
		{Name: "held", URL: srv.URL + "/held", Enabled: true},
		{Name: "off", URL: srv.URL + "/off", Enabled: false},
	}
	s := &Scheduler{Poller: env.poller, Feeds: feeds}

	// RunOnce records the configured feeds itself; hold one back first.
	env.addFeeds(feeds...)
	held := env.feedState("held")
	held.NextAttemptAt, held.LastError, held.ConsecutiveFailures = t0.Add(time.Hour), "timeout", 3
	if err := env.store.SaveFeed(context.Background(), held); err != nil {
		t.Fatal(err)
	}

	failures, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) != 2 || failures[0].Feed != "broken" || failures[1].Feed != "held" {
		t.Fatalf("failures = %v, want broken and held", failures)
	}
	var fe *FetchError
	if !errors.As(failures[0].Err, &fe) || fe.StatusCode != http.StatusBadGateway {
		t.Errorf("broken: %v", failures[0].Err)
	}
	var he *HoldError
	if !errors.As(failures[1].Err, &he) || !he.Until.Equal(t0.Add(time.Hour)) || !strings.Contains(he.Error(), "timeout") {
		t.Errorf("held: %v", failures[1].Err)
	}
	for path, want := range map[string]int32{"/ok-1": 1, "/ok-2": 1, "/broken": 1, "/held": 0, "/off": 0} {
		var got int32
		if n, ok := hits.Load(path); ok {
			got = n.(*atomic.Int32).Load()
		}
		if got != want {
			t.Errorf("%s fetched %d times, want %d", path, got, want)
		}
	}
	stored, err := env.store.Feeds(context.Background())
	if err != nil || len(stored) != len(feeds) {
		t.Errorf("store has %d feeds (%v), want all %d configured, disabled included", len(stored), err, len(feeds))
	}
}

func TestPoolDoesNotDoubleAFeed(t *testing.T) {
	p := newPool(4, 4)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var runs atomic.Int32
	job := func(context.Context) {
		runs.Add(1)
		started <- struct{}{}
		<-release
	}
	if !p.submit(ctx, "feed", "h", job) {
		t.Fatal("first submit refused")
	}
	<-started
	if p.submit(ctx, "feed", "h", job) {
		t.Fatal("a feed in flight was queued again")
	}
	if !p.submit(ctx, "other", "h", func(context.Context) {}) {
		t.Fatal("another feed was refused")
	}
	close(release)
	p.wait()
	if !p.submit(ctx, "feed", "h", func(context.Context) { runs.Add(1) }) {
		t.Fatal("a finished feed could not be submitted again")
	}
	p.wait()
	if runs.Load() != 2 {
		t.Errorf("runs = %d, want 2", runs.Load())
	}
}

func TestPoolDropsQueuedJobsOfADoneContext(t *testing.T) {
	p := newPool(1, 1)
	ctx, cancel := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	p.submit(ctx, "first", "h", func(context.Context) { close(started); <-release })
	<-started
	var ran atomic.Bool
	p.submit(ctx, "queued", "h", func(context.Context) { ran.Store(true) })
	cancel()
	close(release)
	p.wait()
	if ran.Load() {
		t.Error("a queued job ran after its context was done")
	}
	if p.submit(ctx, "late", "h", func(context.Context) {}) {
		t.Error("a job was accepted with a done context")
	}
}

func TestRunPollsAtStartAndStopsCleanly(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	quick := newFeedServer(t, rssDoc(story(1, 0)))
	stuck := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(stuck)
		<-r.Context().Done() // answers only when the poll is abandoned
	}))
	defer slow.Close()
	feeds := []model.Feed{
		{Name: "quick", URL: quick.URL, Enabled: true, Schedule: "@every 1h"},
		{Name: "slow", URL: slow.URL, Enabled: true},
	}
	s := &Scheduler{Poller: env.poller, Feeds: feeds, Jitter: time.Second}
	s.after = func(time.Duration) <-chan time.Time { // start polls at once
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- s.Run(ctx) }()

	<-stuck
	waitFor(t, "the quick feed's alert", func() bool { return len(env.alerts()) == 1 })
	if !s.Alive() {
		t.Error("Alive() = false while running")
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if s.Alive() {
		t.Error("Alive() = true after Run returned")
	}
	st := env.feedState("slow")
	if st.ConsecutiveFailures != 0 || st.LastError != "" || !st.LastFetchAt.IsZero() {
		t.Errorf("the abandoned poll left state: %+v", st)
	}
	if quick.requestCount() != 1 {
		t.Errorf("quick feed fetched %d times, want 1", quick.requestCount())
	}
}

func TestRunRejectsABadSchedule(t *testing.T) {
	env := newTestEnv(t, nil)
	s := &Scheduler{Poller: env.poller, Feeds: []model.Feed{
		{Name: "fine", URL: "file:///dev/null", Enabled: true},
		{Name: "typo", URL: "file:///dev/null", Enabled: true, Schedule: "every 5 minutes"},
		{Name: "seconds", URL: "file:///dev/null", Enabled: true, Schedule: "*/30 * * * * *"},
		{Name: "off", URL: "file:///dev/null", Enabled: false, Schedule: "nonsense"},
	}}
	err := s.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"typo"`) || !strings.Contains(err.Error(), `"seconds"`) || strings.Contains(err.Error(), `"off"`) {
		t.Fatalf("Run = %v, want errors naming the enabled feeds with bad schedules", err)
	}
	if feeds, _ := env.store.Feeds(context.Background()); len(feeds) != 0 {
		t.Errorf("feeds recorded despite the bad configuration: %d", len(feeds))
	}
}

func TestJitteredSchedule(t *testing.T) {
	at := time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)
	tests := []struct {
		spec      string
		max       time.Duration
		r         float64
		wantDelay time.Duration // after the unjittered time
	}{
		{"@every 5m", 30 * time.Second, 0.5, 15 * time.Second},
		{"@every 5m", 10 * time.Minute, 0.99999999, 30 * time.Second}, // cut to a tenth of the interval
		{"*/10 * * * *", 20 * time.Second, 1, 20 * time.Second},
		{"@hourly", 0, 0.7, 0},
	}
	for _, tc := range tests {
		sched, err := ParseSchedule(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		j := jittered{inner: sched, max: tc.max, rand: func() float64 { return tc.r }}
		plain := sched.Next(at)
		got := j.Next(at)
		if d := got.Sub(plain); d.Round(time.Millisecond) != tc.wantDelay {
			t.Errorf("%s, jitter %s, r %v: delayed %s, want %s", tc.spec, tc.max, tc.r, d, tc.wantDelay)
		}
		// The next firing after a jittered one is the following slot.
		if after := j.Next(got); sched.Next(plain).After(after) {
			t.Errorf("%s: firing at %v skipped back to %v", tc.spec, got, after)
		}
	}
}

func TestHostKey(t *testing.T) {
	tests := map[string]string{
		"https://Example.org/feed":     "https://example.org",
		"https://example.org:8443/x":   "https://example.org:8443",
		"http://example.org/a?b":       "http://example.org",
		"file:///var/lib/feeds/x.xml":  "file://",
		"file:relative/feeds/x.xml":    "file://",
		"https://news.example.org/rss": "https://news.example.org",
	}
	for in, want := range tests {
		if got := hostKey(in); got != want {
			t.Errorf("hostKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRunOnceBesideHostileFeeds polls healthy feeds beside hostile ones
// (issue 7's list, the cheap part): the healthy ones alert, every bad one
// fails with its own kind and a clear error in its state.
func TestRunOnceBesideHostileFeeds(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	env.poller.Fetcher = NewFetcher(FetcherOptions{Timeout: time.Second, MaxBodyBytes: 64 << 10})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/healthy", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, rssDoc(story(1, 0))) })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/soft-404", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>Not found</body></html>")
	})
	mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<rss")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // the rest never comes
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("<item><title>x</title></item>", 100))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })

	want := map[string]ErrorKind{
		"empty": KindParse, "soft-404": KindParse, "drip": KindTimeout, "endless": KindTooLarge, "loop": KindRedirect,
	}
	feeds := []model.Feed{{Name: "healthy", URL: srv.URL + "/healthy", Enabled: true}}
	for name := range want {
		feeds = append(feeds, model.Feed{Name: name, URL: srv.URL + "/" + name, Enabled: true})
	}
	s := &Scheduler{Poller: env.poller, Feeds: feeds, PerHost: len(feeds)}
	failures, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) != len(want) {
		t.Fatalf("failures = %v, want one for each hostile feed", failures)
	}
	for _, f := range failures {
		var fe *FetchError
		if !errors.As(f.Err, &fe) || fe.Kind != want[f.Feed] {
			t.Errorf("%s: %v, want kind %s", f.Feed, f.Err, want[f.Feed])
		}
		if st := env.feedState(f.Feed); st.LastError == "" || st.ConsecutiveFailures != 1 {
			t.Errorf("%s: state %+v", f.Feed, st)
		}
	}
	if as := env.alerts(); len(as) != 1 || as[0].Feed != "healthy" {
		t.Errorf("alerts = %v, want one from the healthy feed", alertTitles(as))
	}
}
