package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// syriaRules is the rule set of most poll tests: one rule on Syria and
// Israel.
func syriaRules(t testing.TB) *rules.Set {
	return ruleSet(t, &rules.Rule{
		Name:        "syria-israel",
		Description: "Syria–Israel talks",
		Query:       "syria AND israel",
		Severity:    rules.SeverityHigh,
	})
}

// story returns a matching item published ago before t0.
func story(n int, ago time.Duration) testItem {
	return testItem{
		GUID:        fmt.Sprintf("story-%d", n),
		Title:       fmt.Sprintf("Syria and Israel talks, day %d", n),
		Link:        fmt.Sprintf("https://news.example/story/%d", n),
		Description: fmt.Sprintf("<p>Delegations of <b>Syria</b> and Israel met again (%d).</p>", n),
		Published:   t0.Add(-ago),
	}
}

func TestPollConditionalGET(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	srv := newFeedServer(t, rssDoc(story(1, time.Hour)))
	feed := model.Feed{Name: "Example", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	first := env.poll(feed)
	if first.NotModified || first.New != 1 || first.Alerts != 1 {
		t.Fatalf("first poll = %+v", first)
	}
	st := env.feedState("Example")
	if st.ETag == "" || st.LastModified == "" || st.LastStatus != 200 || st.PrimedAt.IsZero() || !st.LastSuccessAt.Equal(t0) {
		t.Fatalf("state after first poll = %+v", st)
	}

	env.clock.Advance(5 * time.Minute)
	second := env.poll(feed)
	req := srv.lastRequest()
	if req.Header.Get("If-None-Match") != st.ETag || req.Header.Get("If-Modified-Since") != st.LastModified {
		t.Errorf("second request sent If-None-Match %q If-Modified-Since %q, want %q %q",
			req.Header.Get("If-None-Match"), req.Header.Get("If-Modified-Since"), st.ETag, st.LastModified)
	}
	// Items counts the parsed document's items: zero proves nothing was
	// parsed.
	if !second.NotModified || second.StatusCode != 304 || second.Items != 0 || second.New != 0 || second.Alerts != 0 {
		t.Errorf("second poll = %+v, want not modified without parsing", second)
	}
	st2 := env.feedState("Example")
	if st2.LastStatus != 304 || !st2.LastSuccessAt.Equal(t0.Add(5*time.Minute)) || st2.ETag != st.ETag {
		t.Errorf("state after 304 = %+v", st2)
	}

	// A changed document is fetched and only its new item alerts.
	srv.set(rssDoc(story(2, 0), story(1, time.Hour)), 0)
	third := env.poll(feed)
	if third.NotModified || third.Items != 2 || third.New != 1 || third.Alerts != 1 {
		t.Errorf("third poll = %+v", third)
	}
	if got := alertTitles(env.alerts()); !slices.Equal(got, []string{story(1, 0).Title, story(2, 0).Title}) {
		t.Errorf("alerts = %q", got)
	}
}

func TestPollRedirects(t *testing.T) {
	tests := []struct {
		name           string
		code           int
		wantCurrentURL bool
	}{
		{name: "301 moves the feed", code: http.StatusMovedPermanently, wantCurrentURL: true},
		{name: "308 moves the feed", code: http.StatusPermanentRedirect, wantCurrentURL: true},
		{name: "302 does not", code: http.StatusFound},
		{name: "307 does not", code: http.StatusTemporaryRedirect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, syriaRules(t))
			oldHits := 0
			mux := http.NewServeMux()
			mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
				oldHits++
				http.Redirect(w, r, "/new", tc.code)
			})
			mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, rssDoc(story(1, 0))) })
			srv := httptest.NewServer(mux)
			defer srv.Close()
			feed := model.Feed{Name: "Moving", URL: srv.URL + "/old", Enabled: true}
			env.addFeeds(feed)

			if res := env.poll(feed); res.Alerts != 1 {
				t.Fatalf("poll = %+v", res)
			}
			st := env.feedState("Moving")
			want := ""
			if tc.wantCurrentURL {
				want = srv.URL + "/new"
			}
			if st.CurrentURL != want || st.URL != feed.URL {
				t.Fatalf("CurrentURL %q URL %q, want CurrentURL %q", st.CurrentURL, st.URL, want)
			}

			env.poll(feed)
			wantOldHits := 2
			if tc.wantCurrentURL {
				wantOldHits = 1 // the second poll went straight to /new
			}
			if oldHits != wantOldHits {
				t.Errorf("old URL fetched %d times, want %d", oldHits, wantOldHits)
			}
			if n := len(env.alerts()); n != 1 {
				t.Errorf("%d alerts after two polls, want 1", n)
			}
		})
	}
}

func TestPollRetryAfter(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	srv := newFeedServer(t, rssDoc(story(1, 0)))
	srv.set("", http.StatusTooManyRequests)
	srv.setHeader("Retry-After", "3600")
	feed := model.Feed{Name: "Busy", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	_, err := env.poller.Poll(context.Background(), feed)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Kind != KindRateLimited {
		t.Fatalf("error = %v, want rate_limited", err)
	}
	st := env.feedState("Busy")
	if !st.NextAttemptAt.Equal(t0.Add(time.Hour)) || st.LastStatus != 429 || st.ConsecutiveFailures != 1 {
		t.Fatalf("state = %+v, want next attempt at %v", st, t0.Add(time.Hour))
	}

	// Held before Retry-After has passed: not fetched.
	env.clock.Advance(59 * time.Minute)
	res := env.poll(feed)
	if !res.Held || !res.NextAttemptAt.Equal(t0.Add(time.Hour)) || srv.requestCount() != 1 {
		t.Fatalf("poll during hold = %+v after %d requests", res, srv.requestCount())
	}

	env.clock.Advance(time.Minute)
	srv.set(rssDoc(story(1, 0)), 0)
	if res := env.poll(feed); res.Held || res.Alerts != 1 {
		t.Fatalf("poll after hold = %+v", res)
	}
	if st := env.feedState("Busy"); st.ConsecutiveFailures != 0 || !st.NextAttemptAt.IsZero() || st.LastError != "" {
		t.Errorf("state after recovery = %+v", st)
	}
}

func TestPollBackoffAndRecovery(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	env.poller.Backoff = Backoff{Base: time.Minute, Max: 10 * time.Minute}
	srv := newFeedServer(t, "")
	srv.set("", http.StatusInternalServerError)
	feed := model.Feed{Name: "Flaky", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	// With Rand 0 the jitter takes nothing off: 1, 2, 4, 8, 10, 10 minutes.
	for i, want := range []time.Duration{1, 2, 4, 8, 10, 10} {
		want *= time.Minute
		now := env.clock.Now()
		if _, err := env.poller.Poll(context.Background(), feed); err == nil {
			t.Fatalf("poll %d succeeded", i+1)
		}
		st := env.feedState("Flaky")
		if st.ConsecutiveFailures != i+1 || !st.NextAttemptAt.Equal(now.Add(want)) {
			t.Fatalf("after failure %d: failures %d, next attempt in %s, want %s",
				i+1, st.ConsecutiveFailures, st.NextAttemptAt.Sub(now), want)
		}
		if st.LastError != "HTTP 500 Internal Server Error" || st.LastStatus != 500 {
			t.Fatalf("LastError %q LastStatus %d", st.LastError, st.LastStatus)
		}
		env.clock.Set(st.NextAttemptAt)
	}
	if !strings.Contains(env.log.String(), "level=WARN") || !strings.Contains(env.log.String(), "feed=Flaky") {
		t.Errorf("failures not logged at warn with the feed name:\n%s", env.log)
	}

	srv.set(rssDoc(story(1, 0)), 0)
	res := env.poll(feed)
	st := env.feedState("Flaky")
	if res.Alerts != 1 || st.ConsecutiveFailures != 0 || st.LastError != "" || !st.NextAttemptAt.IsZero() || st.LastStatus != 200 {
		t.Errorf("after recovery: %+v, state %+v", res, st)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Minute, Max: time.Hour}
	tests := []struct {
		failures int
		r        float64
		want     time.Duration
	}{
		{1, 0, time.Minute},
		{1, 0.999999, 30*time.Second + 30*time.Microsecond},
		{3, 0.5, 3 * time.Minute},
		{7, 0, time.Hour},
		{1000, 0, time.Hour},
		{0, 0, time.Minute},
	}
	for _, tc := range tests {
		got := b.Delay(tc.failures, tc.r)
		if got.Round(time.Second) != tc.want.Round(time.Second) {
			t.Errorf("Delay(%d, %v) = %s, want %s", tc.failures, tc.r, got, tc.want)
		}
	}
	if d := (Backoff{}).Delay(100, 0); d != DefaultBackoffMax {
		t.Errorf("zero Backoff caps at %s, want %s", d, DefaultBackoffMax)
	}
}

func TestPollCrashBetweenItemsAndAlerts(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	srv := newFeedServer(t, rssDoc(story(2, 0), story(1, time.Hour)))
	feed := model.Feed{Name: "Crashy", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	var queuedCalls []int
	env.poller.AlertsQueued = func(n int) { queuedCalls = append(queuedCalls, n) }
	var polled []error
	env.poller.OnPoll = func(_ PollResult, err error) { polled = append(polled, err) }
	crash := errors.New("injected crash")
	env.poller.beforeAlerts = func() error { return crash }
	if _, err := env.poller.Poll(context.Background(), feed); !errors.Is(err, crash) {
		t.Fatalf("poll error = %v, want the injected crash", err)
	}
	if items, alerts := env.items(), env.alerts(); len(items) != 0 || len(alerts) != 0 {
		t.Fatalf("after the crash: %d items and %d alerts recorded, want none", len(items), len(alerts))
	}
	if st := env.feedState("Crashy"); st.ETag != "" || !st.PrimedAt.IsZero() {
		t.Fatalf("feed state was saved by the crashed poll: %+v", st)
	}

	if len(queuedCalls) != 0 {
		t.Fatalf("AlertsQueued called %v by a poll that rolled back", queuedCalls)
	}

	env.poller.beforeAlerts = nil
	res := env.poll(feed)
	if res.New != 2 || res.Alerts != 2 {
		t.Fatalf("poll after the crash = %+v", res)
	}
	if !slices.Equal(queuedCalls, []int{2}) {
		t.Errorf("AlertsQueued calls = %v, want [2] after the commit", queuedCalls)
	}
	if len(polled) != 2 || !errors.Is(polled[0], crash) || polled[1] != nil {
		t.Errorf("OnPoll saw errors %v, want the crash then nil", polled)
	}
	if len(res.Matches) != 1 || res.Matches["syria-israel"] != 2 {
		t.Errorf("Matches = %v, want 2 for syria-israel", res.Matches)
	}
	// Oldest first, so alerts are queued in publication order.
	if got := alertTitles(env.alerts()); !slices.Equal(got, []string{story(1, 0).Title, story(2, 0).Title}) {
		t.Errorf("alerts = %q", got)
	}
}

func TestPollCancelledRollsBack(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	srv := newFeedServer(t, rssDoc(story(1, 0)))
	feed := model.Feed{Name: "Stopped", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	ctx, cancel := context.WithCancel(context.Background())
	env.poller.beforeAlerts = func() error { cancel(); return ctx.Err() }
	if _, err := env.poller.Poll(ctx, feed); err == nil {
		t.Fatal("cancelled poll succeeded")
	}
	env.poller.beforeAlerts = nil
	if len(env.items()) != 0 || len(env.alerts()) != 0 {
		t.Fatal("a cancelled poll left items or alerts")
	}
	if st := env.feedState("Stopped"); st.ConsecutiveFailures != 0 || st.LastError != "" {
		t.Errorf("a cancelled poll counted as a failure: %+v", st)
	}
	if res := env.poll(feed); res.Alerts != 1 {
		t.Errorf("poll after cancel = %+v", res)
	}
}

func TestPollMalformedFeedDoesNotStopOthers(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	bad := newFeedServer(t, `<rss version="2.0"><channel><item><title>Syria and Israel`)
	good := newFeedServer(t, rssDoc(story(1, 0)))
	html := newFeedServer(t, "<!DOCTYPE html><html><body>Moved</body></html>")
	feeds := []model.Feed{
		{Name: "Bad", URL: bad.URL, Enabled: true},
		{Name: "Good", URL: good.URL, Enabled: true},
		{Name: "Page", URL: html.URL, Enabled: true},
	}
	env.addFeeds(feeds...)

	for _, f := range feeds {
		_, err := env.poller.Poll(context.Background(), f)
		if (err != nil) != (f.Name != "Good") {
			t.Fatalf("poll %s: error %v", f.Name, err)
		}
	}
	for _, tc := range []struct{ name, url, want string }{
		{"Bad", bad.URL, "XML syntax error"},
		{"Page", html.URL, "HTML page"},
	} {
		st := env.feedState(tc.name)
		// Shown beside the feed's name and URL, the error is only the cause.
		if !strings.Contains(st.LastError, tc.want) || strings.Contains(st.LastError, tc.name) || strings.Contains(st.LastError, tc.url) {
			t.Errorf("%s: LastError %q should say %q, without the feed's name and URL", tc.name, st.LastError, tc.want)
		}
		if st.ConsecutiveFailures != 1 || st.LastStatus != 200 || st.ETag != "" {
			t.Errorf("%s: state %+v", tc.name, st)
		}
	}
	if !strings.Contains(env.log.String(), "feed=Bad") || !strings.Contains(env.log.String(), "kind=parse") {
		t.Errorf("parse failure not logged against the feed:\n%s", env.log)
	}
	if n := len(env.alerts()); n != 1 {
		t.Errorf("%d alerts, want 1 from the good feed", n)
	}
}

func TestPollOversizedBody(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	env.poller.Fetcher = NewFetcher(FetcherOptions{MaxBodyBytes: 32 << 10})
	huge := rssDoc(story(1, 0)) + strings.Repeat("<!-- padding -->", 4<<10)
	plain := newFeedServer(t, huge)
	bombBody := gzipped(t, []byte(strings.Repeat(" ", 1<<20))) // 1 MiB expanded, 32 times the cap
	bomb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bombBody)
	}))
	defer bomb.Close()
	feeds := []model.Feed{{Name: "Huge", URL: plain.URL, Enabled: true}, {Name: "Bomb", URL: bomb.URL, Enabled: true}}
	env.addFeeds(feeds...)

	for _, f := range feeds {
		_, err := env.poller.Poll(context.Background(), f)
		var fe *FetchError
		if !errors.As(err, &fe) || fe.Kind != KindTooLarge {
			t.Fatalf("%s: error %v, want too_large", f.Name, err)
		}
		if st := env.feedState(f.Name); !strings.Contains(st.LastError, "size cap of 32 KiB") {
			t.Errorf("%s: LastError %q does not name the cap", f.Name, st.LastError)
		}
	}
	if len(env.items()) != 0 {
		t.Error("items recorded from a cut-off body")
	}
}

func TestPollFileFeed(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	path := filepath.Join(t.TempDir(), "feed.xml")
	if err := os.WriteFile(path, []byte(rssDoc(story(1, 0))), 0o644); err != nil {
		t.Fatal(err)
	}
	feed := model.Feed{Name: "Local", URL: "file://" + filepath.ToSlash(path), Enabled: true}
	env.addFeeds(feed)

	if res := env.poll(feed); res.Alerts != 1 {
		t.Fatalf("first poll = %+v", res)
	}
	if res := env.poll(feed); !res.NotModified {
		t.Fatalf("unchanged file: %+v, want not modified", res)
	}
	if err := os.WriteFile(path, []byte(rssDoc(story(2, 0), story(1, 0))), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := env.poll(feed); res.NotModified || res.New != 1 || res.Alerts != 1 {
		t.Fatalf("changed file: %+v", res)
	}
}

func TestPollBackfill(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	env.poller.Backfill = 24 * time.Hour
	old := story(1, 48*time.Hour)
	undated := story(2, 0)
	undated.Published = time.Time{}
	recent := story(3, time.Hour)
	srv := newFeedServer(t, rssDoc(recent, undated, old))
	feed := model.Feed{Name: "New feed", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	res := env.poll(feed)
	if res.New != 3 || res.Backfilled != 2 || res.Alerts != 1 {
		t.Fatalf("first fetch = %+v, want 3 new, 2 backfilled, 1 alert", res)
	}
	if got := alertTitles(env.alerts()); !slices.Equal(got, []string{recent.Title}) {
		t.Fatalf("alerts = %q, want only the recent item", got)
	}

	// Once primed, every new item is matched, however old or undated.
	older := story(4, 72*time.Hour)
	undated2 := story(5, 0)
	undated2.Published = time.Time{}
	srv.set(rssDoc(recent, undated, old, older, undated2), 0)
	res = env.poll(feed)
	if res.New != 2 || res.Backfilled != 0 || res.Alerts != 2 {
		t.Fatalf("second fetch = %+v, want 2 new alerting", res)
	}
}

func TestPollZeroBackfillAlertsNothingFirst(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	env.poller.Backfill = 0
	srv := newFeedServer(t, rssDoc(story(1, time.Minute)))
	feed := model.Feed{Name: "Quiet start", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)
	if res := env.poll(feed); res.New != 1 || res.Alerts != 0 {
		t.Fatalf("first fetch with zero backfill = %+v", res)
	}
}

func TestPollNeverRealerts(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	// A server that ignores validators: every poll gets the full document.
	var doc string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, doc) }))
	defer srv.Close()
	feed := model.Feed{Name: "Chatty", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	doc = rssDoc(story(2, 0), story(1, time.Hour))
	if res := env.poll(feed); res.Alerts != 2 {
		t.Fatalf("first poll = %+v", res)
	}
	if res := env.poll(feed); res.New != 0 || res.Alerts != 0 {
		t.Fatalf("unchanged feed re-polled: %+v", res)
	}

	// Edited item (same GUID, new title and date), reordered items, one new.
	edited := story(2, 0)
	edited.Title = "Syria and Israel talks, corrected headline"
	edited.Published = t0.Add(time.Minute)
	doc = rssDoc(story(1, time.Hour), edited, story(3, 0))
	res := env.poll(feed)
	if res.New != 1 || res.Alerts != 1 {
		t.Fatalf("changed feed: %+v, want only the new item", res)
	}
	if n := len(env.alerts()); n != 3 {
		t.Errorf("%d alerts in all, want 3", n)
	}
}

func TestPollAlertSnapshotAndRouting(t *testing.T) {
	set := ruleSet(t,
		&rules.Rule{Name: "a-default", Query: "syria", Description: "Default route"},
		&rules.Rule{Name: "b-routed", Query: "israel", Notify: []string{"slack", "hook", "slack"}, Channel: "#mideast"},
		&rules.Rule{Name: "c-digest", Query: "delegations", Notify: []string{"slack"}, Digest: "0 8 * * *", Severity: rules.SeverityNotice},
		&rules.Rule{Name: "d-silent", Query: "nothing"},
	)
	env := newTestEnv(t, set)
	env.poller.Routing = Routing{Default: []string{"console"}, Notifiers: map[string]Route{"slack": {Channel: "#news"}, "console": {}}}
	rulesCalls := 0
	env.poller.Rules = func() *rules.Set { rulesCalls++; return set }
	it := story(1, time.Hour)
	it.Description = "<p>Delegations of <b>Syria</b> &amp; Israel met &mdash; " + strings.Repeat("again and ", 60) + "</p>"
	srv := newFeedServer(t, rssDoc(it))
	feed := model.Feed{Name: "Routed", URL: srv.URL, Enabled: true, Tags: []string{"mideast"}}
	env.addFeeds(feed)

	if res := env.poll(feed); res.Alerts != 4 {
		t.Fatalf("poll = %+v, want 4 alerts", res)
	}
	if rulesCalls != 1 {
		t.Errorf("rules fetched %d times in one poll, want 1", rulesCalls)
	}
	type dest struct{ rule, notifier, channel string }
	var got []dest
	for _, a := range env.alerts() {
		got = append(got, dest{a.Rule, a.Notifier, a.Channel})
		if a.Title != it.Title || a.Link != it.Link || a.Feed != "Routed" || !a.Published.Equal(it.Published) || a.ItemID == 0 {
			t.Errorf("alert snapshot %+v", a)
		}
		if a.Digest != (a.Rule == "c-digest") {
			t.Errorf("%s: Digest = %v", a.Rule, a.Digest)
		}
		if a.Status != model.StatusQueued || !a.CreatedAt.Equal(t0) {
			t.Errorf("%s: status %s created %v", a.Rule, a.Status, a.CreatedAt)
		}
	}
	want := []dest{
		{"a-default", "console", ""},
		{"b-routed", "slack", "#mideast"},
		{"b-routed", "hook", "#mideast"},
		{"c-digest", "slack", "#news"},
	}
	// The matcher orders rules by name; destinations keep the rule's order.
	if !slices.Equal(got, want) {
		t.Errorf("destinations = %v, want %v", got, want)
	}

	a := env.alerts()[0]
	if a.Severity != "info" || a.Description != "Default route" || len(a.Hits) == 0 {
		t.Errorf("first alert: severity %q description %q hits %v", a.Severity, a.Description, a.Hits)
	}
	if strings.ContainsAny(a.Summary, "<>") || !strings.HasPrefix(a.Summary, "Delegations of Syria & Israel met — again") ||
		!strings.HasSuffix(a.Summary, "…") || len([]rune(a.Summary)) > snippetRunes {
		t.Errorf("summary snippet = %q", a.Summary)
	}
}

func TestPollFixtures(t *testing.T) {
	tests := []struct {
		file        string
		contentType string
		lang        string
		query       string
		wantItems   int
	}{
		{file: "kan11-hebrew-2026-10-03.xml", query: "חמאס", wantItems: 22},
		{file: "arab48-arabic-2026-10-03.xml", query: "أرامكو", wantItems: 25},
		{file: "DERIVED-arab48-transcoded-windows-1256.xml", query: "أرامكو", wantItems: 25},
		{file: "DERIVED-kan11-transcoded-windows-1255.xml", query: "חמאס", wantItems: 22},
		{file: "DERIVED-arab48-windows-1256-bytes-declared-utf8.xml", lang: "ar", query: "أرامكو", wantItems: 25},
		{file: "heise-developer-2016.atom", contentType: "application/atom+xml", query: "wildfly", wantItems: 15},
		{file: "jsonfeed-1.1-all-fields.json", contentType: "application/feed+json", query: "title:title", wantItems: 1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			env := newTestEnv(t, ruleSet(t, &rules.Rule{Name: "probe", Query: tc.query}))
			body := readFixture(t, tc.file)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.Write(body)
			}))
			defer srv.Close()
			feed := model.Feed{Name: tc.file, URL: srv.URL + "/feed", Enabled: true, Lang: tc.lang}
			env.addFeeds(feed)

			res := env.poll(feed)
			if res.Items != tc.wantItems || res.New != tc.wantItems || res.Alerts == 0 {
				t.Fatalf("poll = %+v, want %d new items and some alerts", res, tc.wantItems)
			}
			for _, it := range env.items() {
				if it.Identity == "" || !strings.Contains(it.Title+it.Summary, "") || strings.ContainsRune(it.Title, '\uFFFD') {
					t.Errorf("stored item %+v", it)
				}
			}
			if res := env.poll(feed); res.New != 0 || res.Alerts != 0 {
				t.Errorf("second poll = %+v", res)
			}
		})
	}
}

func TestPollReadsOnlyTheNewestMaxItems(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	env.poller.MaxItems = 10
	var items []testItem
	for i := range 25 {
		items = append(items, story(i, time.Duration(i)*time.Minute)) // story 0 is the newest
	}
	srv := newFeedServer(t, rssDoc(items...))
	feed := model.Feed{Name: "Flood", URL: srv.URL, Enabled: true}
	env.addFeeds(feed)

	res := env.poll(feed)
	if res.Items != 25 || res.New != 10 || res.Alerts != 10 {
		t.Fatalf("poll = %+v, want 10 of 25 items recorded", res)
	}
	for _, it := range env.items() {
		if it.Published.Before(t0.Add(-9 * time.Minute)) {
			t.Errorf("an old item was recorded: %s", it.Title)
		}
	}
	if !strings.Contains(env.log.String(), "too many items") {
		t.Errorf("no warning logged:\n%s", env.log)
	}
}

func TestRoutingDestinations(t *testing.T) {
	r := Routing{Default: []string{"slack", "console"}, Notifiers: map[string]Route{"slack": {Channel: "#general"}}}
	tests := []struct {
		rule rules.Rule
		want []Destination
	}{
		{rules.Rule{}, []Destination{{"slack", "#general"}, {"console", ""}}},
		{rules.Rule{Channel: "#x"}, []Destination{{"slack", "#x"}, {"console", "#x"}}},
		{rules.Rule{Notify: []string{"hook", "hook", ""}}, []Destination{{"hook", ""}}},
	}
	for _, tc := range tests {
		if got := r.Destinations(&tc.rule); !slices.Equal(got, tc.want) {
			t.Errorf("Destinations(%+v) = %v, want %v", tc.rule, got, tc.want)
		}
	}
	if got := (Routing{}).Destinations(&rules.Rule{}); len(got) != 0 {
		t.Errorf("no notifiers anywhere: %v", got)
	}
}

func TestSnippet(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"  short \n text ", 20, "short text"},
		{"one two three four", 10, "one two…"},
		{"abcdefghijklmnop", 5, "abcd…"},
		{"שלום עולם ומלואו", 12, "שלום עולם…"},
	}
	for _, tc := range tests {
		if got := snippet(tc.in, tc.n); got != tc.want {
			t.Errorf("snippet(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestAlertSummaries checks the summaries of a poll's alerts: the item's
// summary without its HTML (which matching stripped, with stories and
// without), else its content's, each shortened to a snippet.
func TestAlertSummaries(t *testing.T) {
	long := strings.Repeat("Delegations met in Baku again. ", 20)
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Desk</title><link>https://news.example/</link>
<item><guid>a</guid><title>Talks in Baku</title><link>https://news.example/a</link><description>&lt;p&gt;Talks in &lt;b&gt;Baku&lt;/b&gt; &amp;amp; Vienna&lt;/p&gt;&lt;p&gt;resumed&lt;/p&gt;</description><pubDate>Mon, 02 Nov 2026 10:00:00 +0000</pubDate></item>
<item><guid>b</guid><title>Baku, the content only</title><link>https://news.example/b</link><content:encoded><![CDATA[<div>Water <i>accord</i> in Baku</div>]]></content:encoded><pubDate>Mon, 02 Nov 2026 10:01:00 +0000</pubDate></item>
<item><guid>c</guid><title>Baku at length</title><link>https://news.example/c</link><description>` + long + `</description><pubDate>Mon, 02 Nov 2026 10:02:00 +0000</pubDate></item>
</channel></rss>`
	want := map[string]string{
		"Talks in Baku":          "Talks in Baku & Vienna resumed",
		"Baku, the content only": "Water accord in Baku",
		"Baku at length":         snippet(long, snippetRunes),
	}
	if !strings.HasSuffix(want["Baku at length"], "…") {
		t.Fatalf("the long summary is not shortened: %q", want["Baku at length"])
	}
	for _, stories := range []bool{false, true} {
		t.Run(fmt.Sprintf("stories=%v", stories), func(t *testing.T) {
			env := newTestEnv(t, ruleSet(t, &rules.Rule{Name: "baku", Query: "baku"}))
			if stories {
				env.poller.Stories = &Stories{Store: env.store, ReplyDelay: time.Minute}
			}
			srv := newFeedServer(t, doc)
			feed := model.Feed{Name: "desk", URL: srv.URL, Enabled: true}
			env.addFeeds(feed)
			if res := env.poll(feed); res.New != 3 || res.Alerts != 3 {
				t.Fatalf("poll = %+v, want 3 new items and 3 alerts", res)
			}
			for _, a := range env.alerts() {
				if a.Summary != want[a.Title] {
					t.Errorf("alert of %q: summary %q, want %q", a.Title, a.Summary, want[a.Title])
				}
			}
		})
	}
}

// TestPollKeepsNoneOfItsBody checks that what polls keep in memory for
// later polls (the story index's items, their features) shares no bytes
// with the bodies they read, whose buffers they give to later fetches
// (FetchResult.release): the buffers given back are overwritten before
// the next poll, whose report must still join the story of the first.
func TestPollKeepsNoneOfItsBody(t *testing.T) {
	env := storyEnv(t)
	wire, daily, _, _, _ := bakuReports(t0.Add(-time.Hour))
	w, d := newFeedServer(t, rssDoc(wire)), newFeedServer(t, rssDoc(daily))
	fw, fd := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Daily", URL: d.URL}
	env.addFeeds(fw, fd)
	if res := env.poll(fw); res.New != 1 {
		t.Fatalf("wire's poll = %+v, want 1 new item", res)
	}
	var held []*[]byte
	for {
		p, _ := bodyBuffers.Get().(*[]byte)
		if p == nil {
			break
		}
		b := (*p)[:cap(*p)]
		for i := range b {
			b[i] = 'x'
		}
		held = append(held, p)
	}
	if len(held) == 0 && !raceEnabled {
		t.Fatal("the polls gave no buffer back")
	}
	for _, p := range held {
		bodyBuffers.Put(p)
	}
	if res := env.poll(fd); res.New != 1 || res.Joined != 1 {
		t.Fatalf("later report: %+v, want it joined to the wire's story", res)
	}
}
