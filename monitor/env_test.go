package monitor

import (
	"context"
	"crypto/sha256"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// testEnv is a store in a temporary file and a Poller on it, with a
// settable clock and a captured log.
type testEnv struct {
	t      testing.TB
	store  *store.Store
	clock  *testClock
	log    *logtest.Buffer
	poller *Poller
}

// t0 is the start of every test clock: item dates in tests are relative to it.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newTestEnv(t testing.TB, set *rules.Set) *testEnv {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, clock: &testClock{t: t0}, log: &logtest.Buffer{}}
	e.poller = &Poller{
		Store:    st,
		Fetcher:  NewFetcher(FetcherOptions{Timeout: 10 * time.Second}),
		Rules:    func() *rules.Set { return set },
		Routing:  Routing{Default: []string{"console"}},
		Backfill: 100 * 365 * 24 * time.Hour, // alert on every dated item unless a test says otherwise
		Log:      slog.New(slog.NewTextHandler(e.log, nil)),
		Now:      e.clock.Now,
		Rand:     func() float64 { return 0 },
	}
	return e
}

// addFeeds configures feeds in the store.
func (e *testEnv) addFeeds(feeds ...model.Feed) {
	e.t.Helper()
	specs := make([]model.Feed, len(feeds))
	for i, f := range feeds {
		specs[i] = model.Feed{Name: f.Name, URL: f.URL}
	}
	if err := e.store.SyncFeeds(context.Background(), specs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) feedState(name string) *store.FeedState {
	e.t.Helper()
	f, err := e.store.Feed(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// alerts returns every alert, oldest first.
func (e *testEnv) alerts() []*model.Alert {
	e.t.Helper()
	as, err := e.store.Alerts(context.Background(), store.AlertFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Reverse(as)
	return as
}

func (e *testEnv) items() []*model.Item {
	e.t.Helper()
	items, err := e.store.Items(context.Background(), time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	return items
}

func (e *testEnv) poll(f model.Feed) PollResult {
	e.t.Helper()
	res, err := e.poller.Poll(context.Background(), f)
	if err != nil {
		e.t.Fatalf("poll %s: %v", f.Name, err)
	}
	return res
}

func alertTitles(as []*model.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return out
}

// ruleSet compiles rules; each rule's Query is its query.
func ruleSet(t testing.TB, rs ...*rules.Rule) *rules.Set {
	t.Helper()
	var cs []rules.Compiled
	for _, r := range rs {
		q, err := rules.ParseQuery(r.Query)
		if err != nil {
			t.Fatalf("rule %s: %v", r.Name, err)
		}
		r.Enabled = true
		cs = append(cs, rules.Compiled{Rule: r, Query: q})
	}
	return rules.NewSet(cs)
}

// testItem is an item of a generated RSS document.
type testItem struct {
	GUID, Title, Link, Description string
	Published                      time.Time // zero: no pubDate
}

// rssDoc renders items as an RSS 2.0 document, in the given order.
func rssDoc(items ...testItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0"><channel><title>Test feed</title><link>https://news.example/</link>` + "\n")
	for _, it := range items {
		b.WriteString("<item>")
		if it.GUID != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, html.EscapeString(it.GUID))
		}
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(it.Title))
		if it.Link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(it.Link))
		}
		if it.Description != "" {
			fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(it.Description))
		}
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.Published.Format(time.RFC1123Z))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// feedServer serves one document with an ETag and a Last-Modified derived
// from it, answers matching conditional requests with 304, and records the
// requests it gets.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	doc      string
	status   int               // when not 0, answer with this status and no document
	header   map[string]string // extra response headers
	requests []*http.Request
}

func newFeedServer(t testing.TB, doc string) *feedServer {
	s := &feedServer{doc: doc}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Clone(context.Background()))
	doc, status := s.doc, s.status
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	s.mu.Unlock()

	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(doc)))
	lastMod := "Thu, 26 Nov 2026 10:00:00 GMT"
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", lastMod)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, doc)
}

func (s *feedServer) set(doc string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc, s.status = doc, status
}

func (s *feedServer) setHeader(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.header == nil {
		s.header = map[string]string{}
	}
	s.header[k] = v
}

// lastRequest is the last request the server got.
func (s *feedServer) lastRequest() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return nil
	}
	return s.requests[len(s.requests)-1]
}

func (s *feedServer) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}
