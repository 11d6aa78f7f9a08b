package monitor

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// The hostile world: feeds that are slow, huge, endless, malformed or in
// legacy encodings, each polled through the Scheduler beside healthy feeds,
// round after round. The healthy feeds must keep being polled and alerting,
// the daemon's memory must stay within its caps, and every bad feed must
// end up with a clear error in its state (or, for the ones that are only
// unusual, with its items read correctly). TestRunOnceBesideHostileFeeds
// covers the simpler cases (empty body, a 200 with a 404 page, a stalled
// body, an endless body, a redirect loop); this file covers the rest.

// hostileCap is the fetcher's body cap in these tests: the daemon's default.
const hostileCap = DefaultMaxBodyBytes

// hostileItem is an item of a generated RSS document.
type hostileItem struct {
	guid, title string
	published   time.Time
}

// rssBody renders items as RSS 2.0 with the given XML declaration
// encoding; text must already be in that encoding.
func rssBody(encoding string, items ...hostileItem) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="%s"?>`+"\n<rss version=\"2.0\"><channel><title>t</title><link>https://news.example/</link>\n", encoding)
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><pubDate>%s</pubDate></item>\n",
			it.guid, it.title, it.published.UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// encode converts UTF-8 text to a legacy code page, failing the test on a
// character the code page lacks.
func encode(t *testing.T, cm *charmap.Charmap, s string) string {
	t.Helper()
	out, err := cm.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode %q in %s: %v", s, cm, err)
	}
	return out
}

// healthyFeed serves a document that gains one item per round.
type healthyFeed struct {
	mu    sync.Mutex
	items []hostileItem
}

func (h *healthyFeed) add(it hostileItem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.items = append([]hostileItem{it}, h.items...)
}

func (h *healthyFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	body := rssBody("UTF-8", h.items...)
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write(body)
}

// repeat streams chunk until n bytes were written or the client left.
func repeat(w http.ResponseWriter, r *http.Request, chunk []byte, n int64) {
	for written := int64(0); written < n && r.Context().Err() == nil; written += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// gzipBomb is a gzip stream of 256 MiB of zeros, 25 times the body cap,
// about 250 KB long.
var gzipBomb = sync.OnceValue(func() []byte {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 {
		zw.Write(zeros)
	}
	zw.Close()
	return bomb.Bytes()
})

// hostileWorld is a store, a poller with a given fetch timeout, and one
// loopback server with every feed of the test on its own path.
type hostileWorld struct {
	t       *testing.T
	store   *store.Store
	clock   *testClock
	log     *logtest.Buffer
	poller  *Poller
	mux     *http.ServeMux
	srv     *httptest.Server
	healthy map[string]*healthyFeed
	feeds   []model.Feed
	failing map[string]failure
}

// failure is how a hostile feed must fail: with an error of kind, whose
// message says says.
type failure struct {
	kind ErrorKind
	says string
}

func newHostileWorld(t *testing.T, timeout time.Duration) *hostileWorld {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q, err := rules.ParseQuery(`syria OR سوريا OR סוריה OR café OR euro`)
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "watch", Enabled: true}, Query: q}})
	w := &hostileWorld{
		t: t, store: st, clock: &testClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)},
		log: &logtest.Buffer{}, mux: http.NewServeMux(), healthy: map[string]*healthyFeed{},
		failing: map[string]failure{},
	}
	w.poller = &Poller{
		Store:    st,
		Fetcher:  NewFetcher(FetcherOptions{Timeout: timeout, MaxBodyBytes: hostileCap}),
		Rules:    func() *rules.Set { return set },
		Routing:  Routing{Default: []string{"slack"}},
		Backfill: 24 * time.Hour,
		Log:      slog.New(slog.NewTextHandler(w.log, nil)),
		Now:      w.clock.Now,
		Rand:     func() float64 { return 0 },
	}
	w.srv = httptest.NewServer(w.mux)
	t.Cleanup(w.srv.Close)
	return w
}

// handle serves feed name with h and adds it to the feeds polled.
func (w *hostileWorld) handle(name string, h http.Handler) model.Feed {
	w.mux.Handle("/"+name, h)
	f := model.Feed{Name: name, URL: w.srv.URL + "/" + name, Enabled: true}
	w.feeds = append(w.feeds, f)
	return f
}

// fail serves feed name with h and expects its polls to fail as want says.
func (w *hostileWorld) fail(name string, want failure, h http.HandlerFunc) {
	w.handle(name, h)
	w.failing[name] = want
}

func (w *hostileWorld) handleFunc(name string, h http.HandlerFunc) model.Feed {
	return w.handle(name, h)
}

// addHealthy adds a healthy feed with one item that alerts.
func (w *hostileWorld) addHealthy(name string) model.Feed {
	h := &healthyFeed{}
	h.add(hostileItem{guid: name + "-1", title: "Syria talks, round 1", published: w.clock.Now().Add(-time.Minute)})
	w.healthy[name] = h
	return w.handle(name, h)
}

// alertsByFeed counts the alerts of each feed.
func (w *hostileWorld) alertsByFeed() map[string]int {
	w.t.Helper()
	as, err := w.store.Alerts(context.Background(), store.AlertFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	n := map[string]int{}
	for _, a := range as {
		n[a.Feed]++
	}
	return n
}

// itemsOf returns the stored items of feed.
func (w *hostileWorld) itemsOf(feed string) []*model.Item {
	w.t.Helper()
	st, err := w.store.Feed(context.Background(), feed)
	if err != nil {
		w.t.Fatal(err)
	}
	items, err := w.store.Items(context.Background(), time.Time{})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []*model.Item
	for _, it := range items {
		if it.FeedID == st.ID {
			out = append(out, it)
		}
	}
	return out
}

// pollRounds polls every feed in rounds through a Scheduler, checking
// after each round that every failing feed failed as it should, with its
// error in its state, and nothing else failed, and that every healthy feed
// alerted on each of its items. Between rounds each healthy feed gets a new
// item, and the clock moves past any backoff.
func (w *hostileWorld) pollRounds(rounds int) {
	t := w.t
	t.Helper()
	s := &Scheduler{Poller: w.poller, Feeds: w.feeds, PerHost: len(w.feeds), Concurrency: len(w.feeds)}
	for round := 1; round <= rounds; round++ {
		failures, err := s.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]error{}
		for _, f := range failures {
			got[f.Feed] = f.Err
		}
		for name, want := range w.failing {
			var fe *FetchError
			if !errors.As(got[name], &fe) || fe.Kind != want.kind {
				t.Errorf("round %d: %s failed with %v, want a %s error", round, name, got[name], want.kind)
			}
			st, err := w.store.Feed(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			// The feed's row shows its name and URL: the error is the cause.
			if !strings.Contains(st.LastError, want.says) || strings.Contains(st.LastError, name) || st.ConsecutiveFailures != round {
				t.Errorf("round %d: %s state: last error %q (want it to say %q, without the feed's name), %d consecutive failures",
					round, name, st.LastError, want.says, st.ConsecutiveFailures)
			}
			delete(got, name)
		}
		for name, err := range got {
			t.Errorf("round %d: %s failed: %v", round, name, err)
		}

		// The healthy feeds alerted on every item so far.
		alerts := w.alertsByFeed()
		for name := range w.healthy {
			if alerts[name] != round {
				t.Errorf("round %d: %s has %d alerts, want %d", round, name, alerts[name], round)
			}
		}

		// Next round: a new item on each healthy feed, and time enough for
		// every failing feed's backoff to end.
		w.clock.Advance(6 * time.Hour)
		for name, h := range w.healthy {
			h.add(hostileItem{guid: fmt.Sprintf("%s-%d", name, round+1), title: fmt.Sprintf("Syria talks, round %d", round+1),
				published: w.clock.Now().Add(-time.Minute)})
		}
	}
}

// TestHostileDrip polls a feed that sends one byte a second, forever,
// beside healthy ones. No read is ever idle for long, so only the fetch's
// total time limit, made short here, ends it.
func TestHostileDrip(t *testing.T) {
	w := newHostileWorld(t, time.Second)
	w.addHealthy("healthy-1")
	w.addHealthy("healthy-2")
	w.fail("drip", failure{KindTimeout, "no complete response within 1s"}, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/rss+xml")
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for b := range strings.SplitSeq(`<?xml version="1.0"?><rss version="2.0"><channel>`, "") {
			if _, err := io.WriteString(rw, b); err != nil {
				return
			}
			http.NewResponseController(rw).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
	w.pollRounds(2)
}

func TestHostileWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("polls a 100,000-item document and several capped bodies")
	}
	// Nothing here should need the time limit, however slow the machine.
	w := newHostileWorld(t, time.Minute)
	now := w.clock.Now()

	for _, name := range []string{"healthy-1", "healthy-2", "healthy-3"} {
		w.addHealthy(name)
	}

	// Gzip bomb: small on the wire, 25 times the cap once inflated.
	bomb := gzipBomb()
	w.fail("gzip-bomb", failure{KindTooLarge, "size cap of 10 MiB"}, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Encoding", "gzip")
		rw.Header().Set("Content-Type", "application/rss+xml")
		rw.Write(bomb)
	})

	// 50 MB of valid RSS, with its length declared, and streamed without.
	item := []byte("<item><title>Filler</title><description>" + strings.Repeat("x", 400) + "</description></item>\n")
	const fifty = 50 << 20
	w.fail("50mb-declared", failure{KindTooLarge, "size cap"}, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Length", fmt.Sprint(fifty))
		repeat(rw, r, item, fifty)
	})
	w.fail("50mb-streamed", failure{KindTooLarge, "size cap"}, func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, `<?xml version="1.0"?><rss version="2.0"><channel>`)
		repeat(rw, r, item, fifty)
	})

	// An HTML home page where the feed was.
	w.fail("html-page", failure{KindParse, "HTML page"}, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(rw, `<!DOCTYPE html><html lang="en"><head><title>Daily News</title>
<link rel="alternate" type="application/rss+xml" href="/rss"></head>
<body><h1>Daily News</h1><p>Syria talks continue.</p></body></html>`)
	})

	// Feeds that are unusual but readable: their items must be read
	// correctly, and those that match alert.
	type readable struct {
		items      int    // items recorded
		wantTitle  string // a title that must be stored exactly so
		wantAlerts int
	}
	readables := map[string]readable{}
	read := func(f model.Feed, r readable) { readables[f.Name] = r }
	recent := now.Add(-time.Hour)

	// 100,000 items in one document: only the newest MaxItems are read.
	var huge bytes.Buffer
	huge.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>` + "\n")
	for i := 100_000; i > 0; i-- {
		fmt.Fprintf(&huge, "<item><guid>h-%d</guid><title>Item %d</title></item>\n", i, i)
	}
	huge.WriteString("</channel></rss>\n")
	read(w.handleFunc("100k-items", func(rw http.ResponseWriter, r *http.Request) {
		// Validators spare the later rounds from parsing it again.
		rw.Header().Set("ETag", `"100k"`)
		if r.Header.Get("If-None-Match") == `"100k"` {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		rw.Write(huge.Bytes())
	}), readable{items: DefaultMaxItems, wantTitle: "Item 100000"})

	// Invalid UTF-8 in a document that declares UTF-8: the bad bytes do not
	// reach the store, the rest of the text does.
	read(w.handleFunc("invalid-utf8", func(rw http.ResponseWriter, r *http.Request) {
		rw.Write(rssBody("UTF-8",
			hostileItem{guid: "u-1", title: "سوريا \xff\xfe talks", published: recent},
			hostileItem{guid: "u-2", title: "Weather \xe9 report", published: recent}))
	}), readable{items: 2, wantTitle: "سوريا \uFFFD talks", wantAlerts: 1})

	// Legacy code pages declared in the XML prolog.
	read(w.handleFunc("windows-1252", func(rw http.ResponseWriter, r *http.Request) {
		rw.Write(rssBody("windows-1252",
			hostileItem{guid: "w-1", title: encode(t, charmap.Windows1252, "Café owners fear the euro at 1.20 €"), published: recent}))
	}), readable{items: 1, wantTitle: "Café owners fear the euro at 1.20 €", wantAlerts: 1})
	read(w.handleFunc("windows-1256", func(rw http.ResponseWriter, r *http.Request) {
		rw.Write(rssBody("windows-1256",
			hostileItem{guid: "a-1", title: encode(t, charmap.Windows1256, "سوريا وإسرائيل: محادثات أمنية"), published: recent}))
	}), readable{items: 1, wantTitle: "سوريا وإسرائيل: محادثات أمنية", wantAlerts: 1})
	read(w.handleFunc("iso-8859-8", func(rw http.ResponseWriter, r *http.Request) {
		rw.Write(rssBody("ISO-8859-8",
			hostileItem{guid: "he-1", title: encode(t, charmap.ISO8859_8, "שיחות עם סוריה"), published: recent}))
	}), readable{items: 1, wantTitle: "שיחות עם סוריה", wantAlerts: 1})

	// Entity expansion ("billion laughs"): entities declared in a DTD are
	// not expanded, so the document costs nothing.
	read(w.handleFunc("entity-expansion", func(rw http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n <!ENTITY l0 \"lol lol lol lol lol lol lol lol lol lol\">\n")
		for i := 1; i <= 9; i++ {
			fmt.Fprintf(&b, " <!ENTITY l%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&l%d;", i-1), 10))
		}
		b.WriteString("]>\n<rss version=\"2.0\"><channel><title>t</title><item><guid>e-1</guid><title>Laughs &l9;</title></item></channel></rss>\n")
		io.WriteString(rw, b.String())
	}), readable{items: 1})

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	const rounds = 3
	w.pollRounds(rounds)

	alerts := w.alertsByFeed()
	for name, want := range readables {
		items := w.itemsOf(name)
		if len(items) != want.items {
			t.Errorf("%s: %d items stored, want %d", name, len(items), want.items)
		}
		found := want.wantTitle == ""
		for _, it := range items {
			if !utf8.ValidString(it.Title) {
				t.Errorf("%s: stored title %q is not valid UTF-8", name, it.Title)
			}
			if it.Title == want.wantTitle {
				found = true
			}
			if len(it.Title) > 200 {
				t.Errorf("%s: title of %d bytes stored: %.80q…", name, len(it.Title), it.Title)
			}
		}
		if !found {
			t.Errorf("%s: no stored title %q among %d items", name, want.wantTitle, len(items))
		}
		if alerts[name] != want.wantAlerts {
			t.Errorf("%s: %d alerts, want %d", name, alerts[name], want.wantAlerts)
		}
	}
	if log := w.log.String(); !strings.Contains(log, "too many items") {
		t.Errorf("the 100,000-item feed was not logged:\n%s", log)
	}

	// Nothing of the hostile documents stays in memory.
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 4*hostileCap {
		t.Errorf("heap in use grew by %d MiB over %d rounds", grown>>20, rounds)
	}
}

// TestHostileBodiesStayWithinTheCap polls each oversized feed alone and
// checks that the poll allocated about the body cap, not the size of what
// the server sent or would inflate to.
func TestHostileBodiesStayWithinTheCap(t *testing.T) {
	w := newHostileWorld(t, 10*time.Second)
	bomb := gzipBomb()
	chunk := bytes.Repeat([]byte("<item><title>x</title></item>\n"), 1000)
	feeds := []model.Feed{
		w.handleFunc("gzip-bomb", func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Encoding", "gzip")
			rw.Write(bomb)
		}),
		w.handleFunc("endless", func(rw http.ResponseWriter, r *http.Request) {
			io.WriteString(rw, `<?xml version="1.0"?><rss version="2.0"><channel>`)
			repeat(rw, r, chunk, 1<<40)
		}),
	}
	specs := make([]model.Feed, len(feeds))
	for i, f := range feeds {
		specs[i] = model.Feed{Name: f.Name, URL: f.URL}
	}
	if err := w.store.SyncFeeds(context.Background(), specs); err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		t.Run(f.Name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := w.poller.Poll(context.Background(), f)
			runtime.ReadMemStats(&after)
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Kind != KindTooLarge {
				t.Fatalf("poll: %v, want a too_large error", err)
			}
			// Reading a body of unknown size allocates about what it read
			// (buffers each as large as all before them), here the cap:
			// far from the 25 times it the bomb inflates to, or the endless
			// body's anything. (A doubling buffer took about 3 times the
			// cap, 6 under the race detector.)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*hostileCap {
				t.Errorf("the poll allocated %d MiB; the cap is %d MiB", alloc>>20, hostileCap>>20)
			}
		})
	}
}
