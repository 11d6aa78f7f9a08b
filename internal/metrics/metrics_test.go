package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	prommodel "github.com/prometheus/common/model"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// scrape fetches the metrics from h in the text format and returns every
// sample as "name{label="value",…}" → value, labels sorted by name.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	parser := expfmt.NewTextParser(prommodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			var v float64
			switch {
			case m.Counter != nil:
				v = m.GetCounter().GetValue()
			case m.Gauge != nil:
				v = m.GetGauge().GetValue()
			case m.Histogram != nil:
				v = float64(m.GetHistogram().GetSampleCount())
			default:
				continue
			}
			out[sampleKey(name, m.GetLabel())] = v
		}
	}
	return out
}

func sampleKey(name string, labels []*dto.LabelPair) string {
	parts := make([]string, 0, len(labels))
	for _, l := range labels {
		parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	sort.Strings(parts)
	return name + "{" + strings.Join(parts, ",") + "}"
}

// feedServer serves an RSS document with an ETag, answering 304 to a
// matching If-None-Match (unless told to ignore it), or a failing status
// when told to.
type feedServer struct {
	mu         sync.Mutex
	body       string
	status     int
	ignoreETag bool
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, status, ignore := s.body, s.status, s.ignoreETag
	s.mu.Unlock()
	if status != 0 {
		http.Error(w, "broken", status)
		return
	}
	etag := fmt.Sprintf(`"%x"`, len(body))
	if r.Header.Get("If-None-Match") == etag && !ignore {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, body)
}

func (s *feedServer) set(body string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.status = body, status
}

func rss(titles ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Test</title>`)
	for i, title := range titles {
		fmt.Fprintf(&b, `<item><guid>item-%d</guid><title>%s</title><pubDate>%s</pubDate></item>`,
			i, title, time.Now().Add(-time.Hour).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func TestMetricsMoveWithPolls(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := &feedServer{body: rss("Syria and Israel resume talks", "Weather in Haifa", "Syria reopens border")}
	web := httptest.NewServer(srv)
	defer web.Close()
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: "Example", URL: web.URL}}); err != nil {
		t.Fatal(err)
	}
	q, err := rules.ParseQuery("syria")
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "syria", Query: "syria", Enabled: true}, Query: q}})

	m, err := New(ctx, Options{Store: st, Notifiers: []string{"slack", "console"}, Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	m.RulesLoaded(set)
	poller := &monitor.Poller{
		Store:    st,
		Rules:    func() *rules.Set { return set },
		Routing:  monitor.Routing{Default: []string{"slack", "console"}},
		Backfill: 24 * time.Hour,
		OnPoll:   m.ObservePoll,
	}
	feed := model.Feed{Name: "Example", URL: web.URL, Enabled: true}
	h := m.Handler()

	before := scrape(t, h)
	for key, want := range map[string]float64{
		`newswatch_alerts_queued_total{notifier="slack"}`:                                0,
		`newswatch_alerts_sent_total{notifier="console"}`:                                0,
		`newswatch_outbox_depth{notifier="slack"}`:                                       0,
		`newswatch_rules{}`:                                                              1,
		`newswatch_rules_last_reload_successful{}`:                                       1,
		`newswatch_build_info{goversion="` + goVersion(t, before) + `",version="1.2.3"}`: 1,
	} {
		if got, ok := before[key]; !ok || got != want {
			t.Errorf("before any poll: %s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	if _, ok := before[`newswatch_fetches_total{feed="Example",outcome="ok"}`]; ok {
		t.Error("a fetch is counted before any poll")
	}

	if _, err := poller.Poll(ctx, feed); err != nil {
		t.Fatal(err)
	}
	after := scrape(t, h)
	for key, want := range map[string]float64{
		`newswatch_fetches_total{feed="Example",outcome="ok"}`: 1,
		`newswatch_fetch_duration_seconds{outcome="ok"}`:       1,
		`newswatch_items_parsed_total{feed="Example"}`:         3,
		`newswatch_items_new_total{feed="Example"}`:            3,
		`newswatch_matches_total{rule="syria"}`:                2,
		`newswatch_alerts_queued_total{notifier="slack"}`:      2,
		`newswatch_alerts_queued_total{notifier="console"}`:    2,
		`newswatch_outbox_depth{notifier="slack"}`:             2,
		`newswatch_feed_consecutive_failures{feed="Example"}`:  0,
		`newswatch_dead_letters{notifier="slack"}`:             0,
		`newswatch_outbox_digest_pending{notifier="console"}`:  0,
	} {
		if got, ok := after[key]; !ok || got != want {
			t.Errorf("after a poll: %s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	if after[`newswatch_feed_last_success_timestamp_seconds{feed="Example"}`] <= 0 ||
		after[`newswatch_feed_last_item_timestamp_seconds{feed="Example"}`] <= 0 {
		t.Error("feed timestamps missing after a successful poll")
	}
	if age, ok := after[`newswatch_outbox_oldest_age_seconds{notifier="slack"}`]; !ok || age < 0 {
		t.Errorf("oldest queued age = %v (present %v)", age, ok)
	}

	// The same document again: a 304; again from a server that ignores the
	// ETag: unchanged, not parsed. Then a broken server.
	if _, err := poller.Poll(ctx, feed); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	srv.ignoreETag = true
	srv.mu.Unlock()
	if _, err := poller.Poll(ctx, feed); err != nil {
		t.Fatal(err)
	}
	srv.set("", http.StatusBadGateway)
	if _, err := poller.Poll(ctx, feed); err == nil {
		t.Fatal("poll of a failing server succeeded")
	}
	last := scrape(t, h)
	for key, want := range map[string]float64{
		`newswatch_fetches_total{feed="Example",outcome="ok"}`:           1,
		`newswatch_fetches_total{feed="Example",outcome="not_modified"}`: 1,
		`newswatch_fetches_total{feed="Example",outcome="unchanged"}`:    1,
		`newswatch_fetch_duration_seconds{outcome="unchanged"}`:          1,
		`newswatch_items_parsed_total{feed="Example"}`:                   3,
		`newswatch_fetches_total{feed="Example",outcome="http_status"}`:  1,
		`newswatch_fetch_duration_seconds{outcome="error"}`:              1,
		`newswatch_items_new_total{feed="Example"}`:                      3,
		`newswatch_alerts_queued_total{notifier="slack"}`:                2,
		`newswatch_feed_consecutive_failures{feed="Example"}`:            1,
	} {
		if got, ok := last[key]; !ok || got != want {
			t.Errorf("after a 304, an unchanged 200 and a failure: %s = %v (present %v), want %v", key, got, ok, want)
		}
	}

	// A held poll (the feed backs off after failing) fetches nothing.
	res, err := poller.Poll(ctx, feed)
	if err != nil || !res.Held {
		t.Fatalf("poll during backoff = %+v, %v; want held", res, err)
	}
	if n := scrape(t, h)[`newswatch_fetches_total{feed="Example",outcome="http_status"}`]; n != 1 {
		t.Errorf("held poll counted as a fetch: %v", n)
	}
}

// goVersion finds the goversion label that build_info carries.
func goVersion(t *testing.T, samples map[string]float64) string {
	for key := range samples {
		if rest, ok := strings.CutPrefix(key, `newswatch_build_info{goversion="`); ok {
			v, _, _ := strings.Cut(rest, `"`)
			return v
		}
	}
	t.Fatal("newswatch_build_info missing")
	return ""
}

func TestObserveOutcomeAndReload(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := New(ctx, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	m.ObservePoll(monitor.PollResult{Feed: "Kan", StatusCode: 200, Items: 20, New: 3, Joined: 2}, nil)
	m.ObservePoll(monitor.PollResult{Feed: "Kan", StatusCode: 200, Items: 20, New: 1}, nil)
	m.ObserveOutcome(notify.Outcome{Notifier: "slack", Alerts: 1, Result: notify.ResultDelivered})
	m.ObserveOutcome(notify.Outcome{Notifier: "slack", Alerts: 12, Kind: notify.KindSummary, Result: notify.ResultDelivered})
	m.ObserveOutcome(notify.Outcome{Notifier: "slack", Alerts: 1, Result: notify.ResultRetry, Reason: "rate_limited"})
	m.ObserveOutcome(notify.Outcome{Notifier: "hook", Alerts: 2, Result: notify.ResultDead, Reason: "expired"})
	m.ObserveOutcome(notify.Outcome{Notifier: "hook", Alerts: 1, Result: notify.ResultDead})
	m.ObserveArticle(monitor.ArticleResult{Feed: "Kan", Outcome: monitor.ArticleOutcomeFetched, Delay: time.Second})
	m.ObserveArticle(monitor.ArticleResult{Feed: "Kan", Outcome: monitor.ArticleOutcomeFailed, Reason: "paywall"})
	m.ObserveArticle(monitor.ArticleResult{Feed: "Kan", Outcome: monitor.ArticleOutcomeFailed, Reason: "paywall"})
	m.ObserveOutcome(notify.Outcome{Notifier: "slack", Alerts: 2, Kind: notify.KindAlso, Result: notify.ResultMuted})
	m.ObserveOutcome(notify.Outcome{Notifier: "slack", Alerts: 1, Result: notify.ResultHeld})

	q, _ := rules.ParseQuery("a")
	two := rules.NewSet([]rules.Compiled{
		{Rule: &rules.Rule{Name: "a", Query: "a", Enabled: true}, Query: q},
		{Rule: &rules.Rule{Name: "b", Query: "a", Enabled: true}, Query: q},
	})
	m.ObserveReload(two, nil)
	m.ObserveReload(two, errors.New("rules.d/x.toml:3:1: bad"))

	got := scrape(t, m.Handler())
	for key, want := range map[string]float64{
		`newswatch_alerts_sent_total{notifier="slack"}`:                         13,
		`newswatch_alerts_failed_total{notifier="slack",reason="rate_limited"}`: 1,
		`newswatch_alerts_dead_total{notifier="hook",reason="expired"}`:         2,
		`newswatch_alerts_dead_total{notifier="hook",reason="error"}`:           1,
		`newswatch_alerts_silenced_total{notifier="slack",result="muted"}`:      2,
		`newswatch_alerts_silenced_total{notifier="slack",result="held"}`:       1,
		`newswatch_rule_reloads_total{}`:                                        2,
		`newswatch_rule_reload_errors_total{}`:                                  1,
		`newswatch_rules_last_reload_successful{}`:                              0,
		`newswatch_rules{}`:                                                      2,
		`newswatch_stories_merged_total{feed="Kan"}`:                             2,
		`newswatch_items_new_total{feed="Kan"}`:                                  4,
		`newswatch_articles_total{feed="Kan",outcome="fetched",reason=""}`:       1,
		`newswatch_articles_total{feed="Kan",outcome="failed",reason="paywall"}`: 2,
		`newswatch_article_delay_seconds{}`:                                      3,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if got[`newswatch_rules_last_reload_success_timestamp_seconds{}`] <= 0 {
		t.Error("no success timestamp after a successful reload")
	}
}

func TestScrapeSurvivesAClosedStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ctx, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveReload(nil, nil)
	st.Close()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "newswatch_rule_reloads_total 1") {
		t.Errorf("scrape with the database gone: %d\n%s", rec.Code, rec.Body)
	}
}

func TestNewNeedsAStore(t *testing.T) {
	if _, err := New(context.Background(), Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
}

// TestFeedPollOverdue scrapes newswatch_feed_poll_overdue_seconds for a
// feed polled on time and one that nothing has polled for two hours on a
// five-minute schedule.
func TestFeedPollOverdue(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	feeds := []model.Feed{
		{Name: "On time", URL: "https://a.example/rss", Schedule: "@every 5m", Enabled: true},
		{Name: "Stuck", URL: "https://b.example/rss", Schedule: "@every 5m", Enabled: true},
		{Name: "Off", URL: "https://c.example/rss", Schedule: "@every 5m", Enabled: false},
		{Name: "New", URL: "https://d.example/rss", Schedule: "@every 5m", Enabled: true},
	}
	specs := make([]model.Feed, len(feeds))
	for i, f := range feeds {
		specs[i] = model.Feed{Name: f.Name, URL: f.URL}
	}
	if err := st.SyncFeeds(ctx, specs); err != nil {
		t.Fatal(err)
	}
	for name, last := range map[string]time.Time{"On time": now.Add(-3 * time.Minute), "Stuck": now.Add(-2 * time.Hour), "Off": now.Add(-48 * time.Hour)} {
		f, err := st.Feed(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		f.LastFetchAt, f.LastSuccessAt = last, last
		if err := st.SaveFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	m, err := New(ctx, Options{Store: st, Feeds: func() []model.Feed { return feeds }, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	got := scrape(t, m.Handler())
	want := map[string]float64{
		`newswatch_feed_poll_overdue_seconds{feed="On time"}`: 0,
		`newswatch_feed_poll_overdue_seconds{feed="Stuck"}`:   (2*time.Hour - 5*time.Minute).Seconds(),
	}
	for key, w := range want {
		if v, ok := got[key]; !ok || v != w {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, w)
		}
	}
	for _, absent := range []string{"Off", "New"} {
		if v, ok := got[`newswatch_feed_poll_overdue_seconds{feed="`+absent+`"}`]; ok {
			t.Errorf("feed %q has an overdue gauge: %v", absent, v)
		}
	}
}
