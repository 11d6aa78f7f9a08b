package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
