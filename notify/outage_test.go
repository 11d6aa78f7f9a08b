package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
)

// holdTransport holds the fake clock still from the moment the notifier
// sends a request until its answer is back, so that the fake Slack stamps
// each request (and decides whether it is still down) with the time the
// dispatcher decided to send it. (Stamped a tick later, a message could
// look later than it was sent by however many ticks of the fake clock the
// request took, and that depends on how busy the machine is.)
type holdTransport struct {
	clock *outageClock
	base  http.RoundTripper
}

func (h holdTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h.clock.hold()
	defer h.clock.release()
	return h.base.RoundTrip(req)
}

var outageTitle = regexp.MustCompile(`Outage alert (\d+)\b`)

// outagePost is one message Slack accepted after the outage.
type outagePost struct {
	alert int       // the alert number in the message's title
	at    time.Time // when the notifier sent it, on the fake clock
}

// outagePosts returns the messages f accepted, by alert number, and when
// it refused the others.
func outagePosts(t *testing.T, f *slacktest.Server) (accepted []outagePost, refused []time.Time) {
	t.Helper()
	for _, m := range f.Requests() {
		if !m.Accepted {
			refused = append(refused, m.At)
			continue
		}
		n := outageTitle.FindStringSubmatch(m.Text)
		if n == nil {
			t.Fatalf("no alert number in %q", m.Text)
		}
		alert, _ := strconv.Atoi(n[1])
		accepted = append(accepted, outagePost{alert: alert, at: m.At})
	}
	return accepted, refused
}

// outageClock is a fake clock that a goroutine moves forward every
// millisecond of real time by step(now), so that hours of outage pass in a
// second while the recovery can be watched closely.
type outageClock struct {
	mu    sync.Mutex
	t     time.Time
	holds int // requests in flight: the clock stands still meanwhile
}

// hold stops the clock until release and returns its time.
func (c *outageClock) hold() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holds++
	return c.t
}

func (c *outageClock) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holds--
}

func (c *outageClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *outageClock) run(t *testing.T, step func(now time.Time) time.Duration) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				c.mu.Lock()
				if c.holds == 0 {
					c.t = c.t.Add(step(c.t))
				}
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
	})
}

// TestOutageThenRecovery keeps Slack down (503) for two hours while alerts
// queue up, some of them during the outage, then brings it back: every
// alert must arrive exactly once, in the order it was queued, paced by the
// destination's rate limit, and none may become a dead letter. During the
// outage the dispatcher must back off rather than hammer Slack.
func TestOutageThenRecovery(t *testing.T) {
	const (
		outage  = 2 * time.Hour
		rate    = 1.0 // messages a second
		burst   = 3
		perRule = 8 // below the fold threshold: each alert is its own message
	)
	st, err := store.Open(context.Background(), t.TempDir()+"/newswatch.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	clk := &outageClock{t: start}
	up := start.Add(outage)
	fake := slacktest.Start(t, slacktest.Options{Clock: clk.Now})
	fake.Down(up)
	bot, err := slack.NewBot(slack.BotOptions{Name: "slack", Token: fake.Token(), Channel: "#news", APIURL: fake.APIURL(),
		Transport: holdTransport{clock: clk, base: http.DefaultTransport}})
	if err != nil {
		t.Fatal(err)
	}
	d := &notify.Dispatcher{
		Store:        st,
		Notifiers:    []notify.Settings{{Notifier: bot, Limit: notify.Limit{Rate: rate, Burst: burst}}},
		PollInterval: 5 * time.Millisecond,
		Location:     time.UTC,
		Log:          slog.New(slog.DiscardHandler),
		Now:          clk.Now,
	}

	// Alerts of three rules, interleaved, numbered in the order queued.
	n := 0
	queue := func(count int) {
		t.Helper()
		tx, err := st.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for range count {
			n++
			a := &model.Alert{
				Rule: fmt.Sprintf("rule-%d", n%3), Notifier: "slack", Severity: "info",
				Title: fmt.Sprintf("Outage alert %d", n), Link: fmt.Sprintf("https://news.example/%d", n),
				Feed: "Wire", CreatedAt: clk.Now(),
			}
			if err := tx.Enqueue(a); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		d.Wake()
	}
	queue(perRule * 3 / 2)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	// Ten seconds of fake time a millisecond while Slack is down, so the
	// outage lasts about 0.7s; a tenth of a second once it is up, so that
	// the next retry (at most RetryMax later) comes within seconds and the
	// pacing can be seen.
	const slow = 100 * time.Millisecond
	clk.run(t, func(now time.Time) time.Duration {
		if now.Before(up.Add(-time.Minute)) {
			return 10 * time.Second
		}
		return slow
	})

	// Halfway through the outage, more alerts arrive.
	waitUntil(t, "half of the outage", func() bool { return clk.Now().After(start.Add(outage / 2)) })
	if accepted, _ := outagePosts(t, fake); len(accepted) > 0 {
		t.Fatalf("Slack accepted %d messages while down", len(accepted))
	}
	queue(perRule * 3 / 2)
	total := n

	waitUntil(t, "every alert delivered", func() bool {
		return len(fake.Messages()) >= total
	})
	accepted, refused := outagePosts(t, fake)
	for i, p := range accepted {
		if p.alert != i+1 {
			t.Fatalf("message %d is alert %d; Slack shows %v, want alerts 1 to %d once each, in order", i+1, p.alert, accepted, total)
		}
		if p.at.Before(up) {
			t.Errorf("alert %d accepted at %s, before Slack was up at %s", p.alert, p.at, up)
		}
	}
	// Paced: in any stretch of time, at most burst messages plus rate per
	// second of it, give or take one (the clock can still tick between the
	// dispatcher's decision to send and the stamp, more often on a busy
	// machine); and all of them over at least the time the rate needs, give
	// or take that one message. Unpaced, the 24 would go within a tick.
	for i := range accepted {
		for j := i + 1; j < len(accepted); j++ {
			span := accepted[j].at.Sub(accepted[i].at).Seconds()
			if float64(j-i+1) > burst+1+rate*span {
				t.Fatalf("messages %d to %d (%d of them) were sent within %.2fs: not paced at %.0f/s, burst %d",
					i+1, j+1, j-i+1, span, rate, burst)
			}
		}
	}
	if span, least := accepted[len(accepted)-1].at.Sub(accepted[0].at), time.Duration(float64(total-burst-1)/rate*float64(time.Second)); span < least {
		t.Errorf("%d messages were sent within %s, want at least %s at %.0f/s, burst %d", total, span, least, rate, burst)
	}
	t.Logf("%d attempts refused during the outage", len(refused))
	// Backed off during the outage: exponential, capped at RetryMax.
	if len(refused) < 4 || len(refused) > int(outage/(notify.DefaultRetryMax/2))+10 {
		t.Errorf("%d attempts during a %s outage, want a handful: retries backed off up to %s", len(refused), outage, notify.DefaultRetryMax)
	}
	for i := 1; i < len(refused); i++ {
		if gap := refused[i].Sub(refused[i-1]); gap < notify.DefaultRetryMin/2 {
			t.Errorf("attempts %d and %d only %s apart during the outage", i, i+1, gap)
		}
	}

	// The store agrees: everything delivered, nothing dead.
	all, err := st.Alerts(context.Background(), store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "every delivery recorded", func() bool {
		all, err = st.Alerts(context.Background(), store.AlertFilter{Status: model.StatusDelivered})
		return err == nil && len(all) == total
	})
	if dead, _ := st.Alerts(context.Background(), store.AlertFilter{Status: model.StatusDead}); len(dead) > 0 {
		t.Errorf("%d dead letters after the outage", len(dead))
	}
}

// waitUntil polls cond until it holds, failing after a generous deadline;
// it waits for an event, it does not measure time.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		<-tick.C
	}
}
