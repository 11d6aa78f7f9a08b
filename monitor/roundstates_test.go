package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// envOn is a testEnv on st, a store a test opened (of either engine).
func envOn(t testing.TB, st *store.Store, set *rules.Set) *testEnv {
	e := &testEnv{t: t, store: st, clock: &testClock{t: t0}, log: &logtest.Buffer{}}
	e.poller = &Poller{
		Store:    st,
		Fetcher:  NewFetcher(FetcherOptions{Timeout: 10 * time.Second}),
		Rules:    func() *rules.Set { return set },
		Routing:  Routing{Default: []string{"console"}},
		Backfill: 100 * 365 * 24 * time.Hour,
		Log:      slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      e.clock.Now,
		Rand:     func() float64 { return 0 },
	}
	return e
}

// stateWorld is a set of feeds, each answering a round's polls in its own
// way, for comparing the states that rounds of polls leave.
type stateWorld struct {
	mu    sync.Mutex
	round int
	srv   *httptest.Server
}

func (w *stateWorld) setRound(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.round = n
}

// serve answers /NAME as the feed NAME does in the current round:
//
//   - same: one document with validators (304 from round 2);
//   - grows: a new item every round;
//   - plain: one document without validators (the same 200 from round 2);
//   - retitled: the same items under a new channel title every round;
//   - revalidated: 304 from round 2, with a new ETag every round;
//   - breaks: fails from round 2 (backing off);
//   - moved: moved permanently to /moved-to, which answers as same does.
func (w *stateWorld) serve(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	round := w.round
	w.mu.Unlock()
	item := func(i int) testItem {
		return testItem{GUID: fmt.Sprintf("%s-%d", r.URL.Path, i), Title: fmt.Sprintf("Syria item %d of %s", i, r.URL.Path),
			Link: fmt.Sprintf("https://news.example%s/%d", r.URL.Path, i), Published: t0.Add(-time.Duration(i) * time.Minute)}
	}
	doc := rssDoc(item(1), item(2))
	etag := `"v1"`
	switch r.URL.Path {
	case "/grows":
		var items []testItem
		for i := range round + 1 {
			items = append(items, item(i+1))
		}
		doc, etag = rssDoc(items...), fmt.Sprintf(`"v%d"`, round)
	case "/plain":
		etag = ""
	case "/retitled":
		doc = rssDoc(item(1), item(2))
		doc = doc[:len(doc)-len("</channel></rss>\n")] + fmt.Sprintf("<description>round %d</description></channel></rss>\n", round)
		etag = ""
	case "/revalidated":
		if round > 1 && r.Header.Get("If-None-Match") != "" {
			rw.Header().Set("ETag", fmt.Sprintf(`"r%d"`, round))
			rw.WriteHeader(http.StatusNotModified)
			return
		}
	case "/breaks":
		if round > 1 {
			http.Error(rw, "down", http.StatusServiceUnavailable)
			return
		}
	case "/moved":
		http.Redirect(rw, r, "/moved-to", http.StatusMovedPermanently)
		return
	}
	if etag != "" {
		rw.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
	}
	rw.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(rw, doc)
}

func newStateWorld(t *testing.T) (*stateWorld, []model.Feed) {
	w := &stateWorld{}
	w.srv = httptest.NewServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.srv.Close)
	var feeds []model.Feed
	for _, name := range []string{"same", "grows", "plain", "retitled", "revalidated", "breaks", "moved"} {
		feeds = append(feeds, model.Feed{Name: name, URL: w.srv.URL + "/" + name, Enabled: true})
	}
	return w, feeds
}

// TestRunOnceSavesStatesAsEachPoll: rounds of RunOnce, which reads its
// feeds' states in one query and saves those of its polls that found
// nothing new in one transaction, leave every feed's state (validators,
// redirect, success, failures and backoff, the document's hash, the
// revision) and the items and alerts exactly as polling each feed on its
// own does, on both engines.
func TestRunOnceSavesStatesAsEachPoll(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "syria", Query: "syria"})
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			world, feeds := newStateWorld(t)
			each := envOn(t, openShared(t, engine)(), set)
			round := envOn(t, openShared(t, engine)(), set)
			if err := each.store.SyncFeeds(context.Background(), feeds); err != nil {
				t.Fatal(err)
			}
			sched := &Scheduler{Poller: round.poller, Feeds: feeds, Concurrency: 3}
			for n := 1; n <= 4; n++ {
				world.setRound(n)
				at := t0.Add(time.Duration(n) * time.Hour)
				each.clock.Set(at)
				round.clock.Set(at)
				for _, f := range feeds {
					if _, err := each.poller.Poll(context.Background(), f); err != nil && f.Name != "breaks" {
						t.Fatalf("round %d: poll %s: %v", n, f.Name, err)
					}
				}
				failures, err := sched.RunOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if n > 1 && (len(failures) != 1 || failures[0].Feed != "breaks") {
					t.Errorf("round %d: RunOnce failures %v, want feed breaks", n, failures)
				}
				for _, f := range feeds {
					want, got := each.feedState(f.Name), round.feedState(f.Name)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("round %d: state of %s\n got %+v\nwant %+v", n, f.Name, got, want)
					}
				}
				if got, want := alertTitles(round.alerts()), alertTitles(each.alerts()); len(got) != len(want) {
					t.Errorf("round %d: %d alerts, want %d", n, len(got), len(want))
				}
				if got, want := len(round.items()), len(each.items()); got != want {
					t.Errorf("round %d: %d items, want %d", n, got, want)
				}
			}
			// The rounds did fetch conditionally from the saved validators:
			// the last state of revalidated has its last round's ETag.
			if st := round.feedState("revalidated"); st.ETag != `"r4"` || st.LastStatus != http.StatusNotModified {
				t.Errorf("revalidated: ETag %s, status %d; want \"r4\" from its last 304", st.ETag, st.LastStatus)
			}
		})
	}
}

// TestRoundStateSavedByAnotherPoll: a round read a feed's state, and
// another process (a replica, a `once` beside it) polled the feed before
// the round's poll of it: that poll never overwrites the other's state,
// and never loses or doubles an alert, on both engines.
func TestRoundStateSavedByAnotherPoll(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "syria", Query: "syria"})
	old := testItem{GUID: "old", Title: "Syria old report", Link: "https://news.example/old", Published: t0.Add(-72 * time.Hour)}
	fresh := testItem{GUID: "fresh", Title: "Syria fresh report", Link: "https://news.example/fresh", Published: t0.Add(-time.Minute)}
	undated := testItem{GUID: "undated", Title: "Syria undated report", Link: "https://news.example/undated"}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			open := openShared(t, engine)
			mine := envOn(t, open(), set)
			other := envOn(t, open(), set) // another process on the same database
			other.poller.Replica = "other"
			for _, e := range []*testEnv{mine, other} {
				e.clock.Set(t0)
				e.poller.Backfill = 24 * time.Hour // a first fetch alerts on the last day's items only
			}
			known := newFeedServer(t, rssDoc(old))
			first := newFeedServer(t, rssDoc(old))
			feedKnown := model.Feed{Name: "known", URL: known.URL, Enabled: true}
			feedFirst := model.Feed{Name: "first", URL: first.URL, Enabled: true}
			mine.addFeeds(feedKnown, feedFirst)
			mine.poll(feedKnown) // primed: old is backfilled

			rs := newRoundStates(mine.store, mine.poller.Log)
			if err := rs.load(context.Background(), []string{"known", "first"}); err != nil {
				t.Fatal(err)
			}

			// In between, the other process polls both: known brings a
			// fresh item, and first is primed (old backfilled).
			known.set(rssDoc(fresh, old), 0)
			other.clock.Set(t0.Add(time.Minute))
			other.poll(feedKnown)
			other.poll(feedFirst)
			wantKnown := other.feedState("known")

			// The round's polls, from the states read before: known's
			// document is the one the other recorded, with nothing new
			// for it; first has an undated item since, which a first fetch
			// would backfill without alerting.
			first.set(rssDoc(undated, old), 0)
			mine.clock.Set(t0.Add(2 * time.Minute))
			if _, err := mine.poller.pollWith(context.Background(), feedKnown, rs.take("known"), rs); err != nil {
				t.Fatal(err)
			}
			res, err := mine.poller.pollWith(context.Background(), feedFirst, rs.take("first"), rs)
			if err != nil {
				t.Fatal(err)
			}
			rs.flush(context.Background())

			if got := mine.feedState("known"); !reflect.DeepEqual(got, wantKnown) {
				t.Errorf("known: the round's save overwrote the other's state\n got %+v\nwant %+v", got, wantKnown)
			}
			if res.New != 1 || res.Backfilled != 0 || res.Alerts != 1 {
				t.Errorf("first: poll %+v, want the undated item new and matched, not backfilled", res)
			}
			st := mine.feedState("first")
			if !st.PrimedAt.Equal(t0.Add(time.Minute)) || st.PolledBy != "" || !st.LastFetchAt.Equal(t0.Add(2*time.Minute)) {
				t.Errorf("first: state %+v, want primed by the other's poll and saved by this one", st)
			}
			want := []string{"Syria fresh report", "Syria undated report"}
			if got := alertTitles(mine.alerts()); !reflect.DeepEqual(got, want) {
				t.Errorf("alerts %q, want %q (each once)", got, want)
			}
			if !strings.Contains(mine.log.String(), "polling again from it") {
				t.Errorf("log does not say first was polled again:\n%s", mine.log)
			}
		})
	}
}

// TestRoundStatesLostInACrash: a process that dies after its polls and
// before its round's saves loses only those saves: the items and alerts
// of its polls with new items are recorded (their own transactions), and
// the next run fetches the other feeds again from their previous state,
// with no alert lost or doubled.
func TestRoundStatesLostInACrash(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "syria", Query: "syria"})
	open := openShared(t, "sqlite")
	quiet := newFeedServer(t, rssDoc(testItem{GUID: "q1", Title: "Syria quiet", Link: "https://news.example/q1", Published: t0}))
	busy := newFeedServer(t, rssDoc(testItem{GUID: "b1", Title: "Syria busy 1", Link: "https://news.example/b1", Published: t0}))
	feeds := []model.Feed{{Name: "quiet", URL: quiet.URL, Enabled: true}, {Name: "busy", URL: busy.URL, Enabled: true}}

	e := envOn(t, open(), set)
	sched := &Scheduler{Poller: e.poller, Feeds: feeds}
	if _, err := sched.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := e.feedState("quiet")

	// Round 2 polls, and the process dies before its round's saves.
	busy.set(rssDoc(testItem{GUID: "b2", Title: "Syria busy 2", Link: "https://news.example/b2", Published: t0.Add(time.Hour)},
		testItem{GUID: "b1", Title: "Syria busy 1", Link: "https://news.example/b1", Published: t0}), 0)
	e.clock.Set(t0.Add(time.Hour))
	rs := newRoundStates(e.store, e.poller.Log)
	if err := rs.load(context.Background(), []string{"quiet", "busy"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		if _, err := e.poller.pollWith(context.Background(), f, rs.take(f.Name), rs); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}

	// The next run.
	next := envOn(t, open(), set)
	next.clock.Set(t0.Add(2 * time.Hour))
	if got := next.feedState("quiet"); !reflect.DeepEqual(got, before) {
		t.Errorf("quiet after the crash:\n got %+v\nwant the state before the lost round %+v", got, before)
	}
	// Sorted: the first round's polls ran at once.
	want := []string{"Syria busy 1", "Syria busy 2", "Syria quiet"}
	if got := slices.Sorted(slices.Values(alertTitles(next.alerts()))); !reflect.DeepEqual(got, want) {
		t.Fatalf("alerts after the crash %q, want %q", got, want)
	}
	quietRequests := quiet.requestCount()
	sched = &Scheduler{Poller: next.poller, Feeds: feeds}
	if _, err := sched.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if quiet.requestCount() != quietRequests+1 || quiet.lastRequest().Header.Get("If-None-Match") != before.ETag {
		t.Errorf("quiet was not fetched again with the validators saved before the crash")
	}
	if got := slices.Sorted(slices.Values(alertTitles(next.alerts()))); !reflect.DeepEqual(got, want) {
		t.Errorf("alerts after the next run %q, want %q", got, want)
	}
	if got := len(next.items()); got != 3 {
		t.Errorf("%d items after the next run, want 3", got)
	}
	if st := next.feedState("quiet"); st.LastStatus != http.StatusNotModified || !st.LastFetchAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("quiet after the next run: %+v, want its 304 saved", st)
	}
}

// TestRoundStateOfAMovedFeed: a new configuration moves a feed, or removes
// it, after its round read its state and before its poll, which still has
// the old feed: that poll records nothing from the old URL or the removed
// feed and saves nothing over the change, and the next poll, at the new
// URL, starts afresh.
func TestRoundStateOfAMovedFeed(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "syria", Query: "syria"})
	e := newTestEnv(t, set)
	oldSrv := newFeedServer(t, rssDoc(testItem{GUID: "o1", Title: "Syria old source", Link: "https://old.example/1", Published: t0}))
	newSrv := newFeedServer(t, rssDoc(testItem{GUID: "n1", Title: "Syria new source", Link: "https://new.example/1", Published: t0}))
	quiet := newFeedServer(t, rssDoc(testItem{GUID: "q1", Title: "Syria quiet", Link: "https://news.example/q1", Published: t0}))
	goneSrv := newFeedServer(t, rssDoc(testItem{GUID: "g1", Title: "Syria gone", Link: "https://gone.example/1", Published: t0}))
	wire := model.Feed{Name: "wire", URL: oldSrv.URL, Enabled: true}
	still := model.Feed{Name: "still", URL: quiet.URL, Enabled: true}
	gone := model.Feed{Name: "gone", URL: goneSrv.URL, Enabled: true}
	e.addFeeds(wire, still, gone)
	e.poll(wire)
	e.poll(still)
	e.poll(gone)

	rs := newRoundStates(e.store, e.poller.Log)
	if err := rs.load(context.Background(), []string{"wire", "still", "gone"}); err != nil {
		t.Fatal(err)
	}
	oldSrv.set(rssDoc(testItem{GUID: "o2", Title: "Syria old source again", Link: "https://old.example/2", Published: t0}), 0)
	goneSrv.set(rssDoc(testItem{GUID: "g2", Title: "Syria gone again", Link: "https://gone.example/2", Published: t0}), 0)
	moved := wire
	moved.URL = newSrv.URL
	stillMoved := still
	stillMoved.URL = quiet.URL + "/elsewhere"
	e.addFeeds(moved, stillMoved) // and gone is no longer configured
	if _, err := e.poller.pollWith(context.Background(), gone, rs.take("gone"), rs); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("poll of a feed removed since its state was read: %v, want ErrNotFound", err)
	}

	// The polls queued before the move still have the old URLs.
	if _, err := e.poller.pollWith(context.Background(), wire, rs.take("wire"), rs); err == nil ||
		!strings.Contains(err.Error(), "is not the stored") {
		t.Errorf("poll at the old URL after the move: %v, want it refused", err)
	}
	if _, err := e.poller.pollWith(context.Background(), still, rs.take("still"), rs); err != nil {
		t.Fatal(err) // a 304 at the old URL
	}
	rs.flush(context.Background())
	for _, it := range e.items() {
		if it.Title == "Syria old source again" || it.Title == "Syria gone again" {
			t.Errorf("%q was recorded after its feed moved or left", it.Title)
		}
	}
	if st := e.feedState("still"); st.ETag != "" || st.URL != stillMoved.URL {
		t.Errorf("still after the move: %+v, want its new URL without the old one's validators", st)
	}
	res := e.poll(moved)
	if res.New != 1 || res.Alerts != 1 {
		t.Errorf("first poll at the new URL: %+v, want its item new and alerted", res)
	}
}

// TestRunSavesRoundStates: the daemon's rounds read the states of the
// feeds due together in one query and save those of their polls that
// found nothing new when the round's polls are done, and at its stop.
func TestRunSavesRoundStates(t *testing.T) {
	e := newTestEnv(t, nil)
	var feeds []model.Feed
	var servers []*feedServer
	for i := range 6 {
		srv := newFeedServer(t, rssDoc(testItem{GUID: fmt.Sprint(i), Title: "Item", Link: fmt.Sprintf("https://news.example/%d", i), Published: t0}))
		servers = append(servers, srv)
		feeds = append(feeds, model.Feed{Name: fmt.Sprintf("feed-%d", i), URL: srv.URL, Enabled: true, Schedule: "@every 1s"})
	}
	e.addFeeds(feeds...)
	e.poller.Now = time.Now
	s := &Scheduler{Poller: e.poller, Feeds: feeds, Concurrency: 2, StartSpread: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, "a later round's 304s saved", func() bool {
		for _, f := range feeds {
			st, err := e.store.Feed(context.Background(), f.Name)
			if err != nil {
				t.Fatal(err)
			}
			if st.LastStatus != http.StatusNotModified {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, f := range feeds {
		st := e.feedState(f.Name)
		if got := servers[i].lastRequest().Header.Get("If-None-Match"); got != st.ETag || st.ConsecutiveFailures != 0 {
			t.Errorf("%s: state %+v after its last request with ETag %s", f.Name, st, got)
		}
	}
}
