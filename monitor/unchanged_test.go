package monitor

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// plainServer serves one document with a 200 and no validators, whatever
// the request says, as many feeds do; it counts the requests.
type plainServer struct {
	*httptest.Server
	mu       sync.Mutex
	doc      string
	requests int
}

func newPlainServer(t testing.TB, doc string) *plainServer {
	s := &plainServer{doc: doc}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		doc := s.doc
		s.requests++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, doc)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *plainServer) set(doc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = doc
}

func (s *plainServer) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// onPolls records what OnPoll reports.
type onPolls struct {
	mu      sync.Mutex
	results []PollResult
	errs    []error
}

func (o *onPolls) hook(res PollResult, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.results = append(o.results, res)
	o.errs = append(o.errs, err)
}

func (o *onPolls) last(t *testing.T) (PollResult, error) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.results) == 0 {
		t.Fatal("OnPoll was not called")
	}
	return o.results[len(o.results)-1], o.errs[len(o.errs)-1]
}

func TestPollSameDocumentWithoutValidatorsIsNotParsed(t *testing.T) {
	// No rule at first: the rules in force do not decide whether a
	// document is read again (they apply to new items only).
	var set *rules.Set
	env := newTestEnv(t, nil)
	env.poller.Rules = func() *rules.Set { return set }
	hook := &onPolls{}
	env.poller.OnPoll = hook.hook
	doc := rssDoc(story(2, 0), story(1, time.Hour))
	srv := newPlainServer(t, doc)
	feed := model.Feed{Name: "NoValidators", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	env.poll(feed)
	if res, err := hook.last(t); err != nil || res.Unchanged || res.Items != 2 || res.New != 2 || res.Alerts != 0 {
		t.Fatalf("first poll = %+v, %v; want both items recorded, no alert", res, err)
	}
	first := env.feedState("NoValidators")
	if first.BodyHash == "" || first.BodySize != int64(len(doc)) || first.PrimedAt.IsZero() {
		t.Fatalf("state after the first poll: body hash %q, size %d (document %d bytes), primed %v",
			first.BodyHash, first.BodySize, len(doc), first.PrimedAt)
	}

	// The same document again, after a rule that matches both items came
	// into force: the fetch succeeds and nothing is parsed, so nothing
	// alerts (the items are not new).
	set = syriaRules(t)
	env.clock.Advance(5 * time.Minute)
	env.poll(feed)
	res, err := hook.last(t)
	// Items counts the parsed document's items: zero proves nothing was
	// parsed.
	if err != nil || !res.Unchanged || res.NotModified || res.StatusCode != 200 ||
		res.Items != 0 || res.New != 0 || res.Alerts != 0 || res.Edited != 0 {
		t.Errorf("second poll = %+v, %v; want an unchanged 200, nothing parsed", res, err)
	}
	if srv.requestCount() != 2 {
		t.Errorf("the server had %d requests, want 2", srv.requestCount())
	}
	second := env.feedState("NoValidators")
	if second.LastStatus != 200 || !second.LastSuccessAt.Equal(t0.Add(5*time.Minute)) ||
		!second.LastFetchAt.Equal(t0.Add(5*time.Minute)) || second.ConsecutiveFailures != 0 ||
		second.LastError != "" || second.BodyHash != first.BodyHash || !second.PrimedAt.Equal(first.PrimedAt) {
		t.Errorf("state after the unchanged poll = %+v", second)
	}
	if n := len(env.items()); n != 2 {
		t.Errorf("%d items recorded, want 2", n)
	}

	// A changed document is parsed, and its new item alerts.
	srv.set(rssDoc(story(3, 0), story(2, 0), story(1, time.Hour)))
	env.clock.Advance(5 * time.Minute)
	env.poll(feed)
	res, err = hook.last(t)
	if err != nil || res.Unchanged || res.Items != 3 || res.New != 1 || res.Alerts != 1 {
		t.Errorf("third poll = %+v, %v; want the new item recorded and alerted", res, err)
	}
	if got := alertTitles(env.alerts()); len(got) != 1 || got[0] != story(3, 0).Title {
		t.Errorf("alerts = %q, want the third story's", got)
	}
	third := env.feedState("NoValidators")
	if third.BodyHash == first.BodyHash || third.BodyHash == "" {
		t.Errorf("the changed document's hash %q was not recorded", third.BodyHash)
	}

	// What the document is read as is part of it: under another language
	// (which may pick its character set) it is parsed again.
	feed.Lang = "ar"
	env.poll(feed)
	if res, err := hook.last(t); err != nil || res.Unchanged || res.Items != 3 || res.New != 0 {
		t.Errorf("poll under another language = %+v, %v; want the document parsed again, nothing new", res, err)
	}
}

func TestPollDocumentOfAFailedPollIsReadAgain(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	hook := &onPolls{}
	env.poller.OnPoll = hook.hook
	docA := rssDoc(story(1, time.Hour))
	docB := rssDoc(story(2, 0), story(1, time.Hour))
	srv := newPlainServer(t, docA)
	feed := model.Feed{Name: "Flaky", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	// The first fetch of a feed rolls back: its document is not known.
	crash := errors.New("injected crash")
	env.poller.beforeAlerts = func() error { return crash }
	if _, err := env.poller.Poll(context.Background(), feed); !errors.Is(err, crash) {
		t.Fatalf("poll error = %v, want the injected crash", err)
	}
	if st := env.feedState("Flaky"); st.BodyHash != "" || st.BodySize != 0 || !st.PrimedAt.IsZero() {
		t.Fatalf("a rolled-back poll saved body hash %q, size %d, primed %v", st.BodyHash, st.BodySize, st.PrimedAt)
	}
	env.poller.beforeAlerts = nil
	env.poll(feed)
	if res, _ := hook.last(t); res.Unchanged || res.New != 1 || res.Alerts != 1 {
		t.Fatalf("the same document after the rollback = %+v, want it read and its item alerted", res)
	}
	recordedA := env.feedState("Flaky").BodyHash

	// A later document's poll rolls back: the hash stays the last recorded
	// document's, and the same later document is read again.
	srv.set(docB)
	env.poller.beforeAlerts = func() error { return crash }
	if _, err := env.poller.Poll(context.Background(), feed); !errors.Is(err, crash) {
		t.Fatalf("poll error = %v, want the injected crash", err)
	}
	if st := env.feedState("Flaky"); st.BodyHash != recordedA {
		t.Fatalf("after a rolled-back poll the body hash is %q, want the last recorded document's %q", st.BodyHash, recordedA)
	}
	env.poller.beforeAlerts = nil
	env.poll(feed)
	if res, _ := hook.last(t); res.Unchanged || res.New != 1 || res.Alerts != 1 {
		t.Errorf("the same document after the rollback = %+v, want it read and its new item alerted", res)
	}
	if n := len(env.alerts()); n != 2 {
		t.Errorf("%d alerts, want 2", n)
	}

	// A document that does not parse changes nothing of what is known:
	// the last recorded one, served again, needs no parse.
	recordedB := env.feedState("Flaky").BodyHash
	srv.set("<html><body>maintenance</body></html>")
	if _, err := env.poller.Poll(context.Background(), feed); err == nil {
		t.Fatal("a page that is not a feed parsed")
	}
	if st := env.feedState("Flaky"); st.BodyHash != recordedB || st.ConsecutiveFailures != 1 {
		t.Fatalf("after a parse failure: body hash %q (want %q), failures %d", st.BodyHash, recordedB, st.ConsecutiveFailures)
	}
	env.clock.Advance(time.Hour) // past the backoff
	srv.set(docB)
	env.poll(feed)
	if res, _ := hook.last(t); !res.Unchanged || res.Items != 0 {
		t.Errorf("the recorded document after a parse failure = %+v, want it unchanged", res)
	}
	if st := env.feedState("Flaky"); st.ConsecutiveFailures != 0 || st.LastError != "" || st.LastStatus != 200 {
		t.Errorf("an unchanged document did not count as a success: %+v", st)
	}
}

func TestPollNewURLReadsTheDocumentAgain(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	hook := &onPolls{}
	env.poller.OnPoll = hook.hook
	doc := rssDoc(story(1, 0))
	a, b := newPlainServer(t, doc), newPlainServer(t, doc)
	feed := model.Feed{Name: "Moved", URL: a.URL, Enabled: true}
	env.addFeeds(feed)
	env.poll(feed)

	feed.URL = b.URL
	env.addFeeds(feed)
	if st := env.feedState("Moved"); st.BodyHash != "" {
		t.Fatalf("a new URL kept the old document's hash %q", st.BodyHash)
	}
	env.poll(feed)
	if res, _ := hook.last(t); res.Unchanged || res.Items != 1 || res.New != 0 {
		t.Errorf("first poll of the new URL = %+v, want its document parsed, nothing new", res)
	}
}

// TestDocumentHashIsStable pins the hash of a known document: a change of
// what documentHash covers, or of how it writes it, must come with a new
// documentHashVersion (every feed is then parsed once more), not by
// accident. It also checks that each input changes the hash.
func TestDocumentHashIsStable(t *testing.T) {
	fr := &FetchResult{FinalURL: "https://example.org/feed", ContentType: "application/rss+xml; charset=utf-8", Body: []byte("<rss/>")}
	f := model.Feed{Name: "example", Lang: "he"}
	const want = "f05851080a6faf195a3d4ece5d69bf9c"
	base := documentHash(fr, f, 500)
	if base != want {
		t.Errorf("documentHash = %s, want %s", base, want)
	}
	variants := map[string]string{
		"body":         documentHash(&FetchResult{FinalURL: fr.FinalURL, ContentType: fr.ContentType, Body: []byte("<rss />")}, f, 500),
		"url":          documentHash(&FetchResult{FinalURL: fr.FinalURL + "/", ContentType: fr.ContentType, Body: fr.Body}, f, 500),
		"content type": documentHash(&FetchResult{FinalURL: fr.FinalURL, ContentType: "application/rss+xml", Body: fr.Body}, f, 500),
		"lang":         documentHash(fr, model.Feed{Name: f.Name, Lang: "ar"}, 500),
		"max items":    documentHash(fr, f, 501),
		// A field's text moved into the next one must not give the same hash.
		"fields run together": documentHash(&FetchResult{FinalURL: fr.FinalURL + "\n", ContentType: fr.ContentType[1:], Body: fr.Body}, f, 500),
	}
	for name, h := range variants {
		if h == base {
			t.Errorf("a different %s gives the same document hash", name)
		}
	}
}

// gzipServer serves one document with a 200 and no validators, compressed
// as the test sets it: gzip at a level, or not at all (level 0).
type gzipServer struct {
	*httptest.Server
	mu    sync.Mutex
	doc   string
	level int
}

func newGzipServer(t *testing.T, doc string, level int) *gzipServer {
	s := &gzipServer{doc: doc, level: level}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		doc, level := s.doc, s.level
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		if level == 0 || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			fmt.Fprint(w, doc)
			return
		}
		var z bytes.Buffer
		zw, err := gzip.NewWriterLevel(&z, level)
		if err != nil {
			t.Error(err)
			return
		}
		zw.Write([]byte(doc))
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(z.Bytes())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *gzipServer) set(doc string, level int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc, s.level = doc, level
}

// TestPollCompressedDocument follows one feed whose server changes its
// compression under the same document and then the document: a document
// counts as unchanged exactly when it is, however it came.
func TestPollCompressedDocument(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	hook := &onPolls{}
	env.poller.OnPoll = hook.hook
	docA := rssDoc(story(2, 0), story(1, time.Hour))
	docB := rssDoc(story(3, 0), story(2, 0), story(1, time.Hour))
	srv := newGzipServer(t, docA, gzip.BestSpeed)
	feed := model.Feed{Name: "Gzipped", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	steps := []struct {
		name  string
		doc   string
		level int
		// want
		unchanged       bool
		items, new      int
		compressedSaved bool
	}{
		{name: "first poll", doc: docA, level: gzip.BestSpeed, items: 2, new: 2, compressedSaved: true},
		{name: "the same bytes", doc: docA, level: gzip.BestSpeed, unchanged: true, compressedSaved: true},
		{name: "compressed otherwise", doc: docA, level: gzip.BestCompression, unchanged: true, compressedSaved: true},
		{name: "not compressed", doc: docA, level: 0, unchanged: true},
		{name: "compressed again", doc: docA, level: gzip.BestSpeed, unchanged: true, compressedSaved: true},
		{name: "a new item", doc: docB, level: gzip.BestSpeed, items: 3, new: 1, compressedSaved: true},
		{name: "the new document not compressed", doc: docB, level: 0, unchanged: true},
		{name: "the first document again", doc: docA, level: 0, items: 2},
	}
	var wantDoc string
	for _, step := range steps {
		srv.set(step.doc, step.level)
		env.clock.Advance(5 * time.Minute)
		env.poll(feed)
		res, err := hook.last(t)
		if err != nil || res.Unchanged != step.unchanged || res.StatusCode != 200 || res.Items != step.items || res.New != step.new {
			t.Fatalf("%s: poll = %+v, %v; want unchanged %v, %d items, %d new", step.name, res, err, step.unchanged, step.items, step.new)
		}
		st := env.feedState("Gzipped")
		sums := parseBodySums(st.BodyHash)
		if !step.unchanged {
			wantDoc = documentHash(&FetchResult{FinalURL: srv.URL, ContentType: "application/rss+xml; charset=utf-8",
				Body: []byte(step.doc)}, feed, DefaultMaxItems)
		}
		if sums.document != wantDoc || (sums.compressed != "") != step.compressedSaved || st.BodySize != int64(len(step.doc)) {
			t.Fatalf("%s: body hash %q, size %d; want the document's hash %s, a compressed hash %v, size %d",
				step.name, st.BodyHash, st.BodySize, wantDoc, step.compressedSaved, len(step.doc))
		}
		if st.LastStatus != 200 || st.ConsecutiveFailures != 0 || !st.LastSuccessAt.Equal(env.clock.Now()) {
			t.Fatalf("%s: state %+v; want a success now", step.name, st)
		}
	}
	if got := alertTitles(env.alerts()); len(got) != 3 || got[2] != story(3, 0).Title {
		t.Errorf("alerts = %q, want the first document's two stories and the new one", got)
	}
}

// TestPollCompressedHashDecides shows that the same compressed bytes are
// told unchanged by their compressed hash alone, without decompressing
// them: a state whose document hash no longer matches still finds them
// unchanged. A body too large for today's size cap is not.
func TestPollCompressedHashDecides(t *testing.T) {
	env := newTestEnv(t, nil)
	hook := &onPolls{}
	env.poller.OnPoll = hook.hook
	doc := rssDoc(story(1, 0))
	srv := newGzipServer(t, doc, gzip.BestSpeed)
	feed := model.Feed{Name: "Gzipped", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)
	env.poll(feed)

	st := env.feedState("Gzipped")
	sums := parseBodySums(st.BodyHash)
	if sums.compressed == "" {
		t.Fatalf("body hash %q has no compressed hash", st.BodyHash)
	}
	st.BodyHash = bodySums{document: strings.Repeat("0", 32), compressed: sums.compressed}.String()
	if err := env.store.SaveFeed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(5 * time.Minute)
	env.poll(feed)
	if res, err := hook.last(t); err != nil || !res.Unchanged || res.Items != 0 {
		t.Fatalf("poll = %+v, %v; want the same compressed bytes unchanged, not decompressed", res, err)
	}

	// A cap lowered below the document: it is decompressed, and too large.
	env.poller.Fetcher = NewFetcher(FetcherOptions{MaxBodyBytes: int64(len(doc) - 1)})
	env.clock.Advance(5 * time.Minute)
	_, err := env.poller.Poll(context.Background(), feed)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Kind != KindTooLarge || fe.StatusCode != 200 || !strings.Contains(fe.Error(), formatBytes(int64(len(doc)-1))) {
		t.Fatalf("poll under a cap below the document: %v; want it too large for that cap", err)
	}
}

// TestPollBodyHashOfAnEarlierRelease upgrades a state saved before the
// compressed hash (the document's hash alone): the same document is
// unchanged, and its compressed hash is saved for the next poll.
func TestPollBodyHashOfAnEarlierRelease(t *testing.T) {
	env := newTestEnv(t, nil)
	hook := &onPolls{}
	env.poller.OnPoll = hook.hook
	srv := newGzipServer(t, rssDoc(story(1, 0)), gzip.BestSpeed)
	feed := model.Feed{Name: "Gzipped", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)
	env.poll(feed)

	st := env.feedState("Gzipped")
	sums := parseBodySums(st.BodyHash)
	st.BodyHash = sums.document
	if err := env.store.SaveFeed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(5 * time.Minute)
	env.poll(feed)
	if res, err := hook.last(t); err != nil || !res.Unchanged {
		t.Fatalf("poll = %+v, %v; want the document unchanged", res, err)
	}
	if got := env.feedState("Gzipped").BodyHash; got != sums.String() {
		t.Errorf("body hash = %q, want %q", got, sums.String())
	}
}
