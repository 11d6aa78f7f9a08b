package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/replica"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
)

// sharedSlack is one fake Slack reached by several processes, each
// through a front of its own, so that the test knows which process sent
// each message.
type sharedSlack struct {
	f     *slacktest.Server
	mu    sync.Mutex // one request at a time, so that the last is the front's
	sends []sharedSend
}

type sharedSend struct {
	process  int
	msg      slacktest.Message
	start    time.Time
	answered time.Time
}

func (s *sharedSlack) front(t *testing.T, process int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		start := time.Now()
		s.f.ServeHTTP(w, r)
		reqs := s.f.Requests()
		s.sends = append(s.sends, sharedSend{process: process, msg: reqs[len(reqs)-1], start: start, answered: time.Now()})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/"
}

// byChannel returns the accepted sends, by channel, in order of arrival.
func (s *sharedSlack) byChannel() map[string][]sharedSend {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]sharedSend{}
	for _, x := range s.sends {
		if x.msg.Accepted {
			out[x.msg.Channel] = append(out[x.msg.Channel], x)
		}
	}
	return out
}

// process is one of several processes sharing a PostgreSQL outbox: its
// store, its destinations' leases and its Dispatcher.
type process struct {
	st     *store.Store
	leases *replica.Leases
	d      *notify.Dispatcher
	logs   *logSink
}

func newProcess(t *testing.T, dsn string, n int, slk *sharedSlack, pace notify.Limit) *process {
	t.Helper()
	st, err := store.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bot, err := slack.NewBot(slack.BotOptions{Token: slk.f.Token(), APIURL: slk.front(t, n), Channel: "#a"})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logSink{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	p := &process{st: st, logs: logs,
		leases: &replica.Leases{Store: st, Holder: fmt.Sprint("process-", n), Prefix: "dispatch/", Lease: 3 * time.Second, Log: log}}
	p.d = &notify.Dispatcher{Store: st, Notifiers: []notify.Settings{{Notifier: bot, Limit: pace}},
		PollInterval: 20 * time.Millisecond, StopTimeout: 500 * time.Millisecond, Location: time.UTC, Log: log,
		Leases: p.leases, LeaseRetry: 50 * time.Millisecond}
	return p
}

// alertsTo returns n alerts of rule r, from first on, alternating between
// channels.
func alertsTo(first, n int, channels ...string) []*model.Alert {
	var out []*model.Alert
	for i := range n {
		a := testAlert(first+i, "r", "slack", channels[i%len(channels)])
		a.CreatedAt = time.Now()
		out = append(out, a)
	}
	return out
}

// checkChannel checks the sends to one channel: each alert once, in the
// order written, sent by the processes want says in turn (a hand-over
// from one to the next), a new sender no sooner than gap after the last
// message of the one before was answered. It returns the alert numbers.
func checkChannel(t *testing.T, channel string, sends []sharedSend, gap time.Duration, want ...int) []int {
	t.Helper()
	var nums, senders []int
	var lastAnswered time.Time
	for i, s := range sends {
		var n int
		if _, err := fmt.Sscanf(s.msg.Text[strings.Index(s.msg.Text, "Alert "):], "Alert %d", &n); err != nil {
			t.Fatalf("%s: message %q: %v", channel, s.msg.Text, err)
		}
		if len(nums) > 0 && n <= nums[len(nums)-1] {
			t.Errorf("%s: Alert %d after Alert %d: out of order, or twice", channel, n, nums[len(nums)-1])
		}
		nums = append(nums, n)
		if i == 0 || s.process != sends[i-1].process {
			senders = append(senders, s.process)
			if i > 0 && s.start.Sub(lastAnswered) < gap {
				t.Errorf("%s: process %d sent %s after process %d's last message was answered; the pace is one every %s",
					channel, s.process, s.start.Sub(lastAnswered), sends[i-1].process, gap)
			}
		}
		lastAnswered = s.answered
	}
	if fmt.Sprint(senders) != fmt.Sprint(want) {
		t.Errorf("%s was sent to by processes %v in turn, want %v", channel, senders, want)
	}
	return nums
}

// TestDestinationLeases: two processes share one outbox on PostgreSQL,
// each holding the lease of one channel: they send at the same time, each
// to its channel alone, in order, each alert once. When one stops, the
// other takes its channel over, reads its alerts afresh, and sends them in
// order, a pace interval after the last message of the one before.
func TestDestinationLeases(t *testing.T) {
	dsn := pgtest.DSN(t)
	slk := &sharedSlack{f: slacktest.Start(t, slacktest.Options{})}
	pace := notify.Limit{Rate: 20, Burst: 1}
	gap := time.Second / 20
	a, b := newProcess(t, dsn, 0, slk, pace), newProcess(t, dsn, 1, slk, pace)
	ctx := context.Background()
	if _, ok, err := a.leases.Take(ctx, notify.LeaseName("slack", "#a")); !ok || err != nil {
		t.Fatalf("process 0 could not take #a: %v, %v", ok, err)
	}
	if _, ok, err := b.leases.Take(ctx, notify.LeaseName("slack", "#b")); !ok || err != nil {
		t.Fatalf("process 1 could not take #b: %v, %v", ok, err)
	}
	enqueue(t, a.st, alertsTo(1, 20, "#a", "#b")...)
	stopA := run(t, a.d)
	run(t, b.d)
	delivered := func(n int) func() bool {
		return func() bool {
			all, err := a.st.Alerts(ctx, store.AlertFilter{Status: model.StatusDelivered})
			return err == nil && len(all) == n
		}
	}
	waitFor(t, "the first 20 alerts to be delivered", delivered(20))
	sends := slk.byChannel()
	checkChannel(t, "#a", sends["#a"], gap, 0)
	checkChannel(t, "#b", sends["#b"], gap, 1)

	// Process 0 stops cleanly and gives up #a: process 1 takes it over.
	stopA()
	enqueue(t, b.st, alertsTo(21, 10, "#a", "#b")...)
	waitFor(t, "the next 10 alerts to be delivered", delivered(30))
	sends = slk.byChannel()
	got := checkChannel(t, "#a", sends["#a"], gap, 0, 1)
	checkChannel(t, "#b", sends["#b"], gap, 1)
	if len(got) != 15 || len(sends["#b"]) != 15 {
		t.Errorf("#a got %d messages and #b %d, want 15 each", len(got), len(sends["#b"]))
	}
	if t.Failed() {
		t.Logf("process 0:\n%s\nprocess 1:\n%s", a.logs, b.logs)
	}
}
