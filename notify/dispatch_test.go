package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/console"
	"github.com/newswatch/newswatch/notify/slack"
	"github.com/newswatch/newswatch/notify/webhook"
	"github.com/newswatch/newswatch/rules"
)

// fakeClock is a settable clock shared by a Dispatcher and a fake server.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// drive advances c by step every millisecond of real time until the test
// ends, so that fake time passes much faster than real time.
func (c *fakeClock) drive(t *testing.T, step time.Duration) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				c.Advance(step)
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
}

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newswatch.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// testAlert is alert n of rule for a notifier and channel, written at t0.
func testAlert(n int, rule, notifier, channel string) *model.Alert {
	return &model.Alert{
		Rule: rule, Notifier: notifier, Channel: channel, Severity: "info",
		Title:     fmt.Sprintf("Alert %d", n),
		Link:      fmt.Sprintf("https://example.com/news/%d", n),
		Feed:      "Times of Israel",
		Summary:   "Normalization talks.",
		Published: t0.Add(-time.Duration(n) * time.Minute),
		Hits:      []model.Hit{{Field: "title", Text: "normalization"}},
		CreatedAt: t0,
	}
}

func enqueue(t *testing.T, st *store.Store, alerts ...*model.Alert) []int64 {
	t.Helper()
	tx, err := st.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]int64, len(alerts))
	for i, a := range alerts {
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// alertsByID reads every alert from the store.
func alertsByID(t *testing.T, st *store.Store) map[int64]*model.Alert {
	t.Helper()
	all, err := st.Alerts(context.Background(), store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]*model.Alert{}
	for _, a := range all {
		m[a.ID] = a
	}
	return m
}

// outcomes collects a Dispatcher's outcomes.
type outcomes struct {
	ch   chan notify.Outcome
	logs *logSink
}

func (o *outcomes) hook(x notify.Outcome) { o.ch <- x }

// next waits for the next outcome.
func (o *outcomes) next(t *testing.T) notify.Outcome {
	t.Helper()
	select {
	case x := <-o.ch:
		return x
	case <-time.After(20 * time.Second):
		if o.logs != nil {
			t.Log(o.logs.String())
		}
		t.Fatal("no delivery outcome within 20s")
		return notify.Outcome{}
	}
}

func newTestDispatcher(t *testing.T, st notify.Outbox, clk *fakeClock, notifiers ...notify.Notifier) (*notify.Dispatcher, *outcomes, *logSink) {
	t.Helper()
	logs := &logSink{}
	o := &outcomes{ch: make(chan notify.Outcome, 1000), logs: logs}
	d := &notify.Dispatcher{
		Store:        st,
		PollInterval: 5 * time.Millisecond,
		StopTimeout:  5 * time.Second,
		Location:     time.UTC,
		Log:          slog.New(slog.NewJSONHandler(logs, nil)),
		Now:          clk.Now,
		OnOutcome:    o.hook,
	}
	for _, n := range notifiers {
		d.Notifiers = append(d.Notifiers, notify.Settings{Notifier: n, Limit: slackPace})
	}
	return d, o, logs
}

// newTestSlack returns a Slack bot of f's, posting to #news by default.
func newTestSlack(t *testing.T, f *slacktest.Server, o slack.BotOptions) *slack.Bot {
	t.Helper()
	o.Token, o.APIURL = f.Token(), f.APIURL()
	if o.Channel == "" {
		o.Channel = "#news"
	}
	b, err := slack.NewBot(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkBlockKitJSON fails t unless raw is valid Block Kit (see
// slacktest.CheckBlocks).
func checkBlockKitJSON(t *testing.T, raw []byte) {
	t.Helper()
	if err := slacktest.CheckBlocks(raw); err != nil {
		t.Fatal(err)
	}
}

// slackPace is the Limit the tests give a notifier unless they say
// otherwise: the pace Slack allows, about a message a second per channel,
// in bursts of three.
var slackPace = notify.Limit{Rate: 1, Burst: 3}

// settings returns the settings of notifier name in d, for a test to
// change before Run or Drain.
func settings(t *testing.T, d *notify.Dispatcher, name string) *notify.Settings {
	t.Helper()
	for i := range d.Notifiers {
		if d.Notifiers[i].Notifier.Name() == name {
			return &d.Notifiers[i]
		}
	}
	t.Fatalf("no notifier %q", name)
	return nil
}

// logSink keeps a Dispatcher's log for the test to read while it runs.
type logSink struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// run starts d.Run and returns a function that stops it and waits.
func run(t *testing.T, d *notify.Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return within 30s of its context's end")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func postTitles(posts []slacktest.Message) []string {
	var titles []string
	for _, p := range posts {
		i := strings.Index(p.Text, "Alert ")
		if i < 0 {
			titles = append(titles, p.Text)
			continue
		}
		titles = append(titles, strings.Fields(p.Text[i:])[0]+" "+strings.Fields(p.Text[i:])[1])
	}
	return titles
}

func TestDispatchDeliversExactlyOnceAfterTransientFailures(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{Clock: clk.Now})
	f.Script("#news", slacktest.Reply{Status: 500}, slacktest.Reply{Status: 503}, slacktest.Reply{Error: "internal_error"}, slacktest.Reply{Status: 429, RetryAfter: "2"})
	d, out, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	ids := enqueue(t, st, testAlert(1, "r", "slack", ""), testAlert(2, "r", "slack", ""), testAlert(3, "r", "slack", ""))
	run(t, d)

	for i, want := range []string{"http_500", "http_503", "internal_error"} {
		o := out.next(t)
		if o.Result != notify.ResultRetry || o.Reason != want {
			t.Fatalf("attempt %d: %+v, want a retry for %s", i+1, o, want)
		}
		a := alertsByID(t, st)[ids[0]]
		if a.Status != model.StatusQueued || a.Attempts != i+1 || !strings.Contains(a.LastError, want) {
			t.Fatalf("after attempt %d: %+v", i+1, a)
		}
		// Exponential backoff with jitter: between half and all of
		// RetryMin·2^attempt, on the injected clock.
		wait := a.NextAttemptAt.Sub(clk.Now())
		full := notify.DefaultRetryMin << i
		if wait < full/2 || wait > full {
			t.Errorf("attempt %d: next attempt in %s, want within [%s, %s]", i+1, wait, full/2, full)
		}
		clk.Advance(wait)
	}
	if o := out.next(t); o.Result != notify.ResultRetry || o.Reason != "rate_limited" {
		t.Fatalf("fourth attempt: %+v", o)
	}
	if a := alertsByID(t, st)[ids[0]]; !a.NextAttemptAt.Equal(clk.Now().Add(2 * time.Second)) {
		t.Errorf("after a 429 with Retry-After 2, next attempt at %s, want %s", a.NextAttemptAt, clk.Now().Add(2*time.Second))
	}
	clk.Advance(2 * time.Second)
	for range ids {
		if o := out.next(t); o.Result != notify.ResultDelivered {
			t.Fatalf("outcome %+v, want delivered", o)
		}
	}
	posts := f.Messages()
	if got := postTitles(posts); strings.Join(got, ",") != "Alert 1,Alert 2,Alert 3" {
		t.Errorf("Slack shows %q, want each alert once, in order", got)
	}
	all := alertsByID(t, st)
	for i, id := range ids {
		a := all[id]
		if a.Status != model.StatusDelivered || a.RemoteID != posts[i].TS || a.RemoteChannel != "CNEWS" {
			t.Errorf("alert %d: %+v, want delivered as %s in CNEWS", id, a, posts[i].TS)
		}
	}
}

func TestDispatchDeadLetters(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0.Add(time.Hour))
	f := slacktest.Start(t, slacktest.Options{})
	good := newTestSlack(t, f, slack.BotOptions{Name: "slack"})
	badToken, err := slack.NewBot(slack.BotOptions{Name: "revoked", Token: "xoxb-revoked", Channel: "#news", APIURL: f.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	d, _, logs := newTestDispatcher(t, st, clk, good, badToken)
	old := testAlert(5, "r", "slack", "#fresh")
	old.CreatedAt = clk.Now().Add(-25 * time.Hour)
	old.NextAttemptAt = old.CreatedAt
	ids := enqueue(t, st,
		testAlert(1, "r", "slack", "#missing-channel"),
		testAlert(2, "r", "revoked", ""),
		testAlert(3, "r", "ghost", ""),
		testAlert(4, "r", "slack", "#fresh"),
		old,
	)
	undelivered, err := d.Drain(context.Background(), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if undelivered != 4 {
		t.Errorf("Drain: %d undelivered, want 4 dead letters", undelivered)
	}
	all := alertsByID(t, st)
	for i, want := range []string{"channel_not_found", "invalid_auth", `unknown notifier "ghost"`, "", "expired"} {
		a := all[ids[i]]
		// A permanent failure was an attempt; an alert given up unsent
		// was not.
		if wantAttempts := map[int]int{0: 1, 1: 1}[i]; a.Attempts != wantAttempts {
			t.Errorf("alert %d: %d attempts counted, want %d", a.ID, a.Attempts, wantAttempts)
		}
		if want == "" {
			if a.Status != model.StatusDelivered {
				t.Errorf("alert %d: %s, want delivered", a.ID, a.Status)
			}
			continue
		}
		if a.Status != model.StatusDead || !strings.Contains(a.LastError, want) || a.DeadAt.IsZero() {
			t.Errorf("alert %d: status %s, last error %q; want dead for %s", a.ID, a.Status, a.LastError, want)
		}
		if !strings.Contains(logs.String(), fmt.Sprintf(`"level":"ERROR","msg":"notify: alert is a dead letter","alert_id":%d,"rule":"r"`, a.ID)) {
			t.Errorf("dead letter %d not logged at error level with its id and rule", a.ID)
		}
	}
	if n := f.RequestCount("#fresh"); n != 1 {
		t.Errorf("%d requests to #fresh, want 1: the expired alert is never sent", n)
	}
	if !strings.Contains(logs.String(), `"notifier":"revoked"`) || !strings.Contains(logs.String(), `"reason":"notify: revoked: invalid_auth`) {
		t.Errorf("dead letter log lacks notifier or reason:\n%s", logs)
	}
}

func TestDispatchRetryAfterPausesTheDestination(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{Clock: clk.Now})
	f.Script("#news", slacktest.Reply{Status: 429, RetryAfter: "30"})
	f.Script("#quiet", slacktest.Reply{Status: 429}) // no Retry-After: still a rate limit
	d, out, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	ids := enqueue(t, st, testAlert(1, "r", "slack", "#news"), testAlert(2, "r", "slack", "#news"), testAlert(3, "r", "slack", "#quiet"))
	run(t, d)
	for range 2 {
		if o := out.next(t); o.Result != notify.ResultRetry || o.Reason != "rate_limited" {
			t.Fatalf("outcome %+v", o)
		}
	}
	all := alertsByID(t, st)
	if !all[ids[0]].NextAttemptAt.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("next attempt %s, want Retry-After's %s", all[ids[0]].NextAttemptAt, t0.Add(30*time.Second))
	}
	if !all[ids[2]].NextAttemptAt.Equal(t0.Add(notify.DefaultRateLimitWait)) {
		t.Errorf("next attempt without Retry-After %s, want %s", all[ids[2]].NextAttemptAt, t0.Add(notify.DefaultRateLimitWait))
	}
	clk.Advance(notify.DefaultRateLimitWait)
	for range 3 {
		if o := out.next(t); o.Result != notify.ResultDelivered {
			t.Fatalf("outcome %+v", o)
		}
	}
	// Nothing went to #news while it was paused, not even the second alert.
	for _, p := range f.Requests()[2:] {
		if p.At.Before(t0.Add(30 * time.Second)) {
			t.Errorf("request to %s at %s, during the pause", p.Channel, p.At)
		}
	}
}

// TestDispatchExpiresAlertQueuedBehind: an alert older than the ones a
// destination holds, queued behind them while a Retry-After pauses it, is
// given up once MaxAge passed since it was queued, never sent: the
// destination's note of its oldest alert must take it in.
func TestDispatchExpiresAlertQueuedBehind(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{Clock: clk.Now})
	f.Script("#news", slacktest.Reply{Status: 429, RetryAfter: "60"})
	d, out, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	d.MaxAge = time.Hour
	fresh := enqueue(t, st, testAlert(1, "r", "slack", "#news"))[0]
	run(t, d)
	if o := out.next(t); o.Result != notify.ResultRetry || o.Reason != "rate_limited" {
		t.Fatalf("outcome %+v, want a retry", o)
	}
	// Queued 59m30s ago: 30 seconds left, and the pause lasts 60.
	old := testAlert(2, "r", "slack", "#news")
	old.CreatedAt = t0.Add(-time.Hour + 30*time.Second)
	old.NextAttemptAt = old.CreatedAt
	expired := enqueue(t, st, old)[0]
	d.Wake()
	clk.Advance(time.Minute)
	results := map[string]int{}
	for range 2 {
		o := out.next(t)
		results[o.Result+" "+o.Reason]++
	}
	if results[notify.ResultDelivered+" "] != 1 || results[notify.ResultDead+" expired"] != 1 {
		t.Errorf("outcomes %v, want one delivered and one expired", results)
	}
	all := alertsByID(t, st)
	if a := all[expired]; a.Status != model.StatusDead || !strings.Contains(a.LastError, "expired") {
		t.Errorf("the old alert: %s (%q), want a dead letter, expired", a.Status, a.LastError)
	}
	if a := all[fresh]; a.Status != model.StatusDelivered {
		t.Errorf("the fresh alert: %s, want delivered", a.Status)
	}
	if got := postTitles(f.Messages()); strings.Join(got, ",") != "Alert 1" {
		t.Errorf("Slack shows %q, want only the fresh alert: the expired one is never sent", got)
	}
}

// TestDispatchPacesEachDestination drains with a frozen clock: each
// destination sends its burst, then one more message per token the clock
// grants, and no more.
func TestDispatchPacesEachDestination(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	d.FoldThreshold = -1
	settings(t, d, "slack").Limit = notify.Limit{Rate: 2, Burst: 3}
	var alerts []*model.Alert
	for i := range 12 {
		alerts = append(alerts, testAlert(i, "r", "slack", "#a"), testAlert(100+i, "r", "slack", "#b"))
	}
	enqueue(t, st, alerts...)
	for _, step := range []struct {
		advance time.Duration
		total   int // messages per channel so far
	}{
		{0, 3},           // the burst
		{0, 3},           // no time, no token
		{time.Second, 5}, // two tokens a second
		{500 * time.Millisecond, 6},
		{100 * time.Millisecond, 6},
		{time.Hour, 9}, // tokens never exceed the burst
		{10 * time.Second, 12},
	} {
		clk.Advance(step.advance)
		undelivered, err := d.Drain(context.Background(), clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range []string{"#a", "#b"} {
			if n := f.RequestCount(ch); n != step.total {
				t.Fatalf("after %s more: %d messages to %s, want %d", step.advance, n, ch, step.total)
			}
		}
		if undelivered != 24-2*step.total {
			t.Errorf("Drain: %d undelivered, want %d", undelivered, 24-2*step.total)
		}
	}
}

func TestDispatchOneFailingDestinationDoesNotBlockOthers(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	f.Script("#slow", slacktest.Reply{Hang: true})
	for range 50 {
		f.Script("#down", slacktest.Reply{Status: 500})
	}
	var hookCalls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hookCalls.Add(1) <= 3 {
			http.Error(w, "bad gateway", http.StatusBadGateway)
		}
	}))
	t.Cleanup(hook.Close)
	wh, err := webhook.New(webhook.Options{Name: "hook", URL: hook.URL})
	if err != nil {
		t.Fatal(err)
	}
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{Timeout: time.Minute}), wh)
	d.FoldThreshold = -1
	settings(t, d, "slack").Limit = notify.Limit{} // unpaced: the clock stands still
	d.StopTimeout = 10 * time.Millisecond          // #slow is still hanging at the end
	alerts := []*model.Alert{testAlert(1, "r", "slack", "#slow"), testAlert(2, "r", "slack", "#down"), testAlert(3, "r", "hook", "")}
	for i := range 5 {
		alerts = append(alerts, testAlert(10+i, "r", "slack", "#ok"))
	}
	ids := enqueue(t, st, alerts...)
	run(t, d)
	waitFor(t, "all of #ok delivered", func() bool {
		all := alertsByID(t, st)
		for _, id := range ids[3:] {
			if all[id].Status != model.StatusDelivered {
				return false
			}
		}
		return true
	})
	// #ok finishing says nothing of when #slow's worker got to send:
	// wait for its request to reach the fake before counting it.
	waitFor(t, "the #slow request in flight", func() bool { return f.RequestCount("#slow") > 0 })
	all := alertsByID(t, st)
	if all[ids[0]].Status != model.StatusQueued || all[ids[1]].Status != model.StatusQueued || all[ids[2]].Status != model.StatusQueued {
		t.Errorf("failing destinations' alerts: %s %s %s, want queued", all[ids[0]].Status, all[ids[1]].Status, all[ids[2]].Status)
	}
	if f.RequestCount("#slow") != 1 {
		t.Errorf("#slow got %d requests, want its first still in flight", f.RequestCount("#slow"))
	}
}

func TestDispatchFoldsABurst(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	settings(t, d, "slack").Limit = notify.Limit{} // no pacing, to keep the test fast
	var alerts []*model.Alert
	for i := range 25 {
		alerts = append(alerts, testAlert(i, "burst", "slack", "#news"))
	}
	alerts = append(alerts, testAlert(100, "other", "slack", "#news"), testAlert(101, "other", "slack", "#news"))
	for i := range 10 { // exactly the threshold: not folded
		alerts = append(alerts, testAlert(200+i, "steady", "slack", "#other"))
	}
	ids := enqueue(t, st, alerts...)
	if n, err := d.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain: %d undelivered, %v", n, err)
	}
	if n := f.RequestCount("#news"); n != 3 {
		t.Errorf("%d messages to #news, want one summary and two alerts", n)
	}
	if n := f.RequestCount("#other"); n != 10 {
		t.Errorf("%d messages to #other, want 10 (at the threshold nothing folds)", n)
	}
	var news []slacktest.Message
	for _, p := range f.Messages() {
		if p.Channel == "#news" {
			news = append(news, p)
		}
	}
	summary := news[0]
	if !strings.Contains(summary.Text, "25 new matches for burst") {
		t.Errorf("first message %q, want the summary of 25", summary.Text)
	}
	checkBlockKitJSON(t, []byte(summary.Blocks))
	all := alertsByID(t, st)
	for _, id := range ids[:25] {
		if a := all[id]; a.Status != model.StatusDelivered || a.RemoteID != summary.TS {
			t.Errorf("alert %d: %s as %q, want delivered as the summary %s", id, a.Status, a.RemoteID, summary.TS)
		}
	}
}

func TestDispatchDigest(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0.Add(30 * time.Minute)) // 08:30
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	ruleSet := []*rules.Rule{
		{Name: "daily", Digest: "0 9 * * *"},
		{Name: "was-digest"}, // its digest was removed from the rule file
		{Name: "instant"},
	}
	d.Rules = func() []*rules.Rule { return ruleSet }
	var digest []*model.Alert
	for i := range 5 {
		a := testAlert(i, "daily", "slack", "#digest")
		a.Digest = true
		a.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		digest = append(digest, a)
	}
	ids := enqueue(t, st, digest...)
	drain := func() {
		t.Helper()
		if _, err := d.Drain(context.Background(), clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	drain()
	if n := f.RequestCount("#digest"); n != 0 {
		t.Fatalf("%d messages before the digest was due", n)
	}
	clk.Set(time.Date(2026, 11, 26, 9, 0, 1, 0, time.UTC))
	drain()
	if n := f.RequestCount("#digest"); n != 1 {
		t.Fatalf("%d digest messages, want 1", n)
	}
	p := f.Messages()[0]
	if !strings.Contains(p.Text, "Digest for daily: 5 matches") {
		t.Errorf("digest text %q", p.Text)
	}
	checkBlockKitJSON(t, []byte(p.Blocks))
	// Alert 0 was published last.
	if i4, i0 := strings.Index(p.Blocks, "Alert 4"), strings.Index(p.Blocks, "Alert 0"); i4 < 0 || i0 < 0 || i0 > i4 {
		t.Errorf("digest not most recent first")
	}
	for _, id := range ids {
		if a := alertsByID(t, st)[id]; a.Status != model.StatusDelivered || a.RemoteID != p.TS {
			t.Errorf("alert %d: %s, want delivered with the digest", id, a.Status)
		}
	}

	// The next day: an empty digest sends nothing.
	clk.Set(time.Date(2026, 11, 27, 9, 0, 1, 0, time.UTC))
	drain()
	if n := len(f.Messages()); n != 1 {
		t.Errorf("%d messages, want no empty digest", n)
	}

	// A digest missed while newswatch was down goes out when it runs again;
	// alerts waiting for a digest their rule no longer has go out at once.
	late := testAlert(50, "daily", "slack", "#digest")
	late.Digest, late.CreatedAt = true, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	orphan := testAlert(60, "was-digest", "slack", "#digest")
	orphan.Digest, orphan.CreatedAt = true, late.CreatedAt
	enqueue(t, st, late, orphan)
	clk.Set(time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC))
	drain()
	posts := f.Messages()
	if len(posts) != 3 {
		t.Fatalf("%d messages, want the missed digest and the orphaned one", len(posts))
	}
	for _, p := range posts[1:] {
		if !strings.Contains(p.Text, "Digest for") || !strings.Contains(p.Text, ": 1 match") {
			t.Errorf("message %q", p.Text)
		}
	}
}

// digestReads is an Outbox that counts the reads of each rule's pending
// digest.
type digestReads struct {
	notify.Outbox
	mu    sync.Mutex
	reads map[string]int
}

func (o *digestReads) PendingDigest(ctx context.Context, rule string) ([]*model.Alert, error) {
	o.mu.Lock()
	o.reads[rule]++
	o.mu.Unlock()
	return o.Outbox.PendingDigest(ctx, rule)
}

func (o *digestReads) take() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.reads
	o.reads = map[string]int{}
	return r
}

// TestDispatchReadsWaitingDigestsOnly has many rules, two of them with
// alerts waiting for a digest: the dispatcher reads the pending digests of
// those two only, and sends each when it is due.
func TestDispatchReadsWaitingDigestsOnly(t *testing.T) {
	st, _ := openStore(t)
	out := &digestReads{Outbox: st, reads: map[string]int{}}
	clk := newFakeClock(t0.Add(30 * time.Minute)) // 08:30
	f := slacktest.Start(t, slacktest.Options{})
	d, _, _ := newTestDispatcher(t, out, clk, newTestSlack(t, f, slack.BotOptions{}))
	ruleSet := []*rules.Rule{{Name: "daily", Digest: "0 9 * * *"}, {Name: "was-digest"}}
	for i := range 200 {
		ruleSet = append(ruleSet, &rules.Rule{Name: fmt.Sprintf("rule-%d", i), Digest: "0 9 * * *"})
	}
	d.Rules = func() []*rules.Rule { return ruleSet }
	daily := testAlert(1, "daily", "slack", "#digest")
	orphan := testAlert(2, "was-digest", "slack", "#digest")
	daily.Digest, orphan.Digest = true, true
	daily.CreatedAt, orphan.CreatedAt = t0, t0
	enqueue(t, st, daily, orphan)
	drain := func() {
		t.Helper()
		if _, err := d.Drain(context.Background(), clk.Now()); err != nil {
			t.Fatal(err)
		}
	}

	drain()
	if got, want := out.take(), map[string]int{"daily": 1, "was-digest": 1}; !maps.Equal(got, want) {
		t.Errorf("pending digests read: %v, want %v", got, want)
	}
	if posts := f.Messages(); len(posts) != 1 || !strings.Contains(posts[0].Text, "Digest for was-digest") {
		t.Fatalf("messages %v, want the orphaned digest alone", posts)
	}
	clk.Set(time.Date(2026, 11, 26, 9, 0, 1, 0, time.UTC))
	drain()
	if got, want := out.take(), map[string]int{"daily": 1}; !maps.Equal(got, want) {
		t.Errorf("pending digests read when due: %v, want %v", got, want)
	}
	if posts := f.Messages(); len(posts) != 2 || !strings.Contains(posts[1].Text, "Digest for daily: 1 match") {
		t.Fatalf("messages %v, want the daily digest second", posts)
	}
}

// TestDispatchCrashBeforeRecording stops a dispatcher while Slack has
// accepted a message whose answer never arrives (the process "crashes"
// before recording it), then starts another on the same database: only that
// unrecorded alert is sent again.
func TestDispatchCrashBeforeRecording(t *testing.T) {
	st, path := openStore(t)
	clk := newFakeClock(t0)
	arrived := make(chan slacktest.Message, 100)
	f := slacktest.Start(t, slacktest.Options{Arrived: arrived})
	f.Script("#news", slacktest.Reply{}, slacktest.Reply{}, slacktest.Reply{Hang: true, Accept: true})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	d.StopTimeout = time.Millisecond
	d.FoldThreshold = -1
	ids := enqueue(t, st, testAlert(1, "r", "slack", "#news"), testAlert(2, "r", "slack", "#news"),
		testAlert(3, "r", "slack", "#news"), testAlert(4, "r", "slack", "#news"))
	stop := run(t, d)
	for range 3 {
		select {
		case <-arrived:
		case <-time.After(20 * time.Second):
			t.Fatal("requests did not arrive")
		}
	}
	stop() // the third message is in Slack, its answer lost
	all := alertsByID(t, st)
	if all[ids[0]].Status != model.StatusDelivered || all[ids[1]].Status != model.StatusDelivered {
		t.Fatalf("alerts 1 and 2 not recorded before the crash")
	}
	if a := all[ids[2]]; a.Status != model.StatusQueued || a.Attempts != 0 {
		t.Fatalf("alert 3 after the crash: %s, %d attempts; want queued as it was", a.Status, a.Attempts)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	d2, _, _ := newTestDispatcher(t, st2, clk, newTestSlack(t, f, slack.BotOptions{}))
	if n, err := d2.Drain(context.Background(), clk.Now()); err != nil || n != 0 {
		t.Fatalf("Drain after restart: %d undelivered, %v", n, err)
	}
	if got := strings.Join(postTitles(f.Messages()), ","); got != "Alert 1,Alert 2,Alert 3,Alert 3,Alert 4" {
		t.Errorf("Slack shows %s; want only the unrecorded alert 3 twice", got)
	}
}

// TestDispatchGracefulStop stops a dispatcher while a send is under way:
// the send finishes and is recorded, and nothing new is started.
func TestDispatchGracefulStop(t *testing.T) {
	st, _ := openStore(t)
	clk := newFakeClock(t0)
	arrived := make(chan slacktest.Message, 10)
	f := slacktest.Start(t, slacktest.Options{Arrived: arrived})
	f.Script("#news", slacktest.Reply{Wait: true})
	d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
	d.StopTimeout = time.Minute
	d.FoldThreshold = -1
	ids := enqueue(t, st, testAlert(1, "r", "slack", "#news"), testAlert(2, "r", "slack", "#news"))
	stop := run(t, d)
	<-arrived
	stopped := make(chan struct{})
	go func() {
		stop()
		close(stopped)
	}()
	f.Release() // the send under way completes after the stop began
	<-stopped
	all := alertsByID(t, st)
	if all[ids[0]].Status != model.StatusDelivered {
		t.Errorf("in-flight alert: %s, want delivered and recorded", all[ids[0]].Status)
	}
	if all[ids[1]].Status != model.StatusQueued || f.RequestCount("#news") != 1 {
		t.Errorf("second alert %s after %d requests; want it left queued, unsent", all[ids[1]].Status, f.RequestCount("#news"))
	}
}

// watchedOutbox wraps an Outbox to count reads of due alerts and to make
// recording deliveries fail.
type watchedOutbox struct {
	notify.Outbox
	mu          sync.Mutex
	dueReads    int
	failRecords bool
	records     int // attempts to record a delivery
}

func (w *watchedOutbox) DueAlertsAfter(ctx context.Context, now time.Time, after int64, limit int) ([]*model.Alert, int64, error) {
	alerts, next, err := w.Outbox.DueAlertsAfter(ctx, now, after, limit)
	w.mu.Lock()
	w.dueReads++
	w.mu.Unlock()
	return alerts, next, err
}

func (w *watchedOutbox) reads() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dueReads
}

func (w *watchedOutbox) recordAttempts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.records
}

func (w *watchedOutbox) setFailRecords(fail bool) {
	w.mu.Lock()
	w.failRecords = fail
	w.mu.Unlock()
}

func (w *watchedOutbox) MarkDelivered(ctx context.Context, id int64, at time.Time, remoteID, remoteChannel string) error {
	w.mu.Lock()
	w.records++
	fail := w.failRecords
	w.mu.Unlock()
	if fail {
		return fmt.Errorf("database or disk is full")
	}
	return w.Outbox.MarkDelivered(ctx, id, at, remoteID, remoteChannel)
}

func TestDispatchWake(t *testing.T) {
	st, _ := openStore(t)
	w := &watchedOutbox{Outbox: st}
	clk := newFakeClock(t0)
	var out strings.Builder
	d, o, _ := newTestDispatcher(t, w, clk, console.New(console.Options{Out: &lockedBuilder{b: &out}}))
	d.PollInterval = time.Hour
	run(t, d)
	waitFor(t, "the first read of the outbox", func() bool { return w.reads() > 0 })
	enqueue(t, st, testAlert(1, "r", "console", ""))
	d.Wake()
	if x := o.next(t); x.Result != notify.ResultDelivered {
		t.Fatalf("outcome %+v", x)
	}
	if !strings.Contains(out.String(), "Alert 1") {
		t.Errorf("console output %q", out.String())
	}
}

// TestDispatchDeliveredButNotRecorded makes the store refuse to record a
// delivery until the dispatcher stops: the alert stays queued for the next
// start, is not sent again by this process, and the failure is logged.
func TestDispatchDeliveredButNotRecorded(t *testing.T) {
	st, _ := openStore(t)
	w := &watchedOutbox{Outbox: st, failRecords: true}
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, _, logs := newTestDispatcher(t, w, clk, newTestSlack(t, f, slack.BotOptions{}))
	notify.SetRecordRetry(d, time.Millisecond, 5*time.Millisecond)
	d.StopTimeout = 50 * time.Millisecond
	ids := enqueue(t, st, testAlert(1, "r", "slack", ""))
	clk.drive(t, time.Second)
	stop := run(t, d)
	waitFor(t, "the failure to record", func() bool {
		return strings.Contains(logs.String(), "delivered but not recorded yet")
	})
	target := w.reads() + 3
	waitFor(t, "three more reads of the outbox", func() bool { return w.reads() >= target })
	stop()
	if n := f.RequestCount("#news"); n != 1 {
		t.Errorf("%d requests, want 1: an unrecorded delivery is not repeated by the same process", n)
	}
	if a := alertsByID(t, st)[ids[0]]; a.Status != model.StatusQueued {
		t.Errorf("alert %s, want queued for the next start", a.Status)
	}
	if !strings.Contains(logs.String(), "it will be sent again after a restart") {
		t.Errorf("the stop with a delivery not recorded is not logged:\n%s", logs)
	}
}

// TestDispatchHoldsTheDestinationUntilTheDeliveryIsRecorded: while the
// store cannot record a delivery (a full disk), the destination sends
// nothing more, however long it lasts, so that a restart would send at
// most that one message again; once the store records it, the rest
// follows, each alert sent once.
func TestDispatchHoldsTheDestinationUntilTheDeliveryIsRecorded(t *testing.T) {
	st, _ := openStore(t)
	w := &watchedOutbox{Outbox: st, failRecords: true}
	clk := newFakeClock(t0)
	f := slacktest.Start(t, slacktest.Options{})
	d, out, logs := newTestDispatcher(t, w, clk, newTestSlack(t, f, slack.BotOptions{}))
	settings(t, d, "slack").Limit = notify.Limit{}
	d.FoldThreshold = -1
	notify.SetRecordRetry(d, time.Millisecond, 2*time.Millisecond)
	ids := enqueue(t, st, testAlert(1, "r", "slack", ""), testAlert(2, "r", "slack", ""), testAlert(3, "r", "slack", ""))
	run(t, d)
	// Far more attempts to record than the dispatcher once made before
	// moving on to the next message (six).
	waitFor(t, "20 attempts to record the first delivery", func() bool { return w.recordAttempts() >= 20 })
	if n := f.RequestCount("#news"); n != 1 {
		t.Fatalf("%d messages sent while the first delivery was not recorded, want only that one", n)
	}
	if !strings.Contains(logs.String(), "delivered but not recorded yet") {
		t.Errorf("the failure to record is not logged:\n%s", logs)
	}
	w.setFailRecords(false) // space is freed
	for range ids {
		if o := out.next(t); o.Result != notify.ResultDelivered {
			t.Fatalf("outcome %+v, want delivered", o)
		}
	}
	if got := strings.Join(postTitles(f.Messages()), ","); got != "Alert 1,Alert 2,Alert 3" {
		t.Errorf("Slack shows %s, want each alert once, in order", got)
	}
	for _, id := range ids {
		if a := alertsByID(t, st)[id]; a.Status != model.StatusDelivered {
			t.Errorf("alert %d: %s, want delivered", id, a.Status)
		}
	}
}

type lockedBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestDrainWaitsForRetriesUntilTheDeadline(t *testing.T) {
	tests := []struct {
		name        string
		replies     []slacktest.Reply
		deadline    time.Duration
		undelivered int
	}{
		{"recovers before the deadline", []slacktest.Reply{{Status: 500}, {Status: 500}}, time.Hour, 0},
		{"still failing at the deadline", repeatReply(slacktest.Reply{Status: 500}, 100), time.Minute, 2},
		{"rate limited past the deadline", []slacktest.Reply{{Status: 429, RetryAfter: "3600"}}, time.Minute, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openStore(t)
			clk := newFakeClock(t0)
			f := slacktest.Start(t, slacktest.Options{})
			f.Script("#news", tc.replies...)
			d, _, _ := newTestDispatcher(t, st, clk, newTestSlack(t, f, slack.BotOptions{}))
			enqueue(t, st, testAlert(1, "r", "slack", ""), testAlert(2, "r", "slack", ""))
			clk.drive(t, 200*time.Millisecond)
			n, err := d.Drain(context.Background(), clk.Now().Add(tc.deadline))
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.undelivered {
				t.Errorf("Drain: %d undelivered, want %d", n, tc.undelivered)
			}
		})
	}
}

func repeatReply(r slacktest.Reply, n int) []slacktest.Reply {
	out := make([]slacktest.Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}
