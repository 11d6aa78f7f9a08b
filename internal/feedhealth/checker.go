package feedhealth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// DefaultInterval is the default of Checker.Interval.
const DefaultInterval = time.Minute

// Checker watches the configured feeds and queues a feed-health alert to
// every notifier of Notify when a feed has failed for longer than
// AlertAfter, or has brought no new item for longer than its expect_every,
// and one more when it recovers: one alert per change, never one per
// failed poll. What was alerted is kept in the store with the alert, so a
// restart does not alert again.
//
// Failure is counted from the first failed fetch of a run of failures that
// the Checker saw, and silence up to the feed's last successful fetch, so
// that time the daemon was stopped never counts as silence. A feed that is
// failing is not checked for silence.
//
// Check may be called at any time; Run calls it every Interval and soon
// after a Poke (at most once every DefaultMinGap for pokes). Do not run two
// Checkers, or Run and Check, on one database at once.
type Checker struct {
	// Store holds the feeds' state, the health records and the outbox.
	// Required.
	Store *store.Store
	// Feeds returns the configured feeds in force (they change when the
	// configuration does); disabled ones are not checked. Nil means none.
	Feeds func() []model.Feed
	// AlertAfter is how long a feed may fail before it is alerted
	// (config's health.feed_alert_after); zero turns these alerts off.
	AlertAfter time.Duration
	// Notify names the notifiers that receive the alerts (config's
	// health.notify). With none, the state is tracked but nothing is sent.
	Notify []string
	// Interval is how often Run checks (DefaultInterval).
	Interval time.Duration
	// Now tells the time (time.Now).
	Now func() time.Time
	// Log receives the changes and errors (nothing when nil).
	Log *slog.Logger
	// AlertsQueued, when set, is called with the number of alerts a check
	// queued, when it queued some (the dispatcher's Wake). It must not
	// block.
	AlertsQueued func(n int)

	// minGap is the least time between two checks that pokes start
	// (DefaultMinGap): a burst of polls costs one check, not one each.
	minGap time.Duration

	once sync.Once
	poke chan struct{}
}

// DefaultMinGap is the least time between two checks that Poke starts.
const DefaultMinGap = 5 * time.Second

func (c *Checker) init() {
	c.once.Do(func() { c.poke = make(chan struct{}, 1) })
}

// Poke asks a running Checker to check soon; the poller calls it after
// every poll (OnPoll). It never blocks, and pokes that come while a check
// is pending are merged into it.
func (c *Checker) Poke() {
	c.init()
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

// Run checks every Interval and after every Poke until ctx is done; it
// returns nil then. A failed check is logged and tried again at the next
// turn.
func (c *Checker) Run(ctx context.Context) error {
	if c.Store == nil {
		return errors.New("feedhealth: Checker without a Store")
	}
	c.init()
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	gap := c.minGap
	if gap == 0 {
		gap = DefaultMinGap
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := c.Check(ctx); err != nil && ctx.Err() == nil {
			c.logger().Warn("feedhealth: check failed; trying again later", "error", err)
		}
		// Pokes that come meanwhile wait in the channel and start one
		// check after the gap.
		if gap > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(gap):
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		case <-c.poke:
		}
	}
}

// Check looks at every enabled feed once, queues the alerts its changes
// call for, and returns how many it queued.
func (c *Checker) Check(ctx context.Context) (int, error) {
	now := c.now()
	// Only the newest item's time is read: no items to count since now.
	snap, err := readSnapshot(ctx, c.Store, now)
	if err != nil {
		return 0, err
	}
	queued := 0
	var errs []error
	var feeds []model.Feed
	if c.Feeds != nil {
		feeds = c.Feeds()
	}
	for _, cf := range feeds {
		f := snap.feed(cf)
		if !cf.Enabled || f == nil {
			continue
		}
		rec := snap.health[f.ID]
		if rec == nil {
			rec = &store.FeedHealth{FeedID: f.ID}
		}
		before := *rec
		ev := evaluate(cf, f, snap.activity[f.ID].LastItemAt, rec, now, c.AlertAfter)
		if ev == nil && *rec == before {
			continue
		}
		var alerts []*model.Alert
		if ev != nil {
			alerts = ev.alerts(c.Notify)
		}
		if err := c.Store.SaveFeedHealth(ctx, rec, alerts); err != nil {
			errs = append(errs, fmt.Errorf("feedhealth: feed %q: %w", cf.Name, err))
			continue
		}
		if ev != nil {
			c.logEvent(ev, len(alerts))
			queued += len(alerts)
		}
	}
	if queued > 0 && c.AlertsQueued != nil {
		c.AlertsQueued(queued)
	}
	return queued, errors.Join(errs...)
}

func (c *Checker) logEvent(ev *event, alerts int) {
	attrs := []any{"feed", ev.feed.Name, "alerts", alerts}
	switch ev.to {
	case StateFailing:
		attrs = append(attrs, "failing_for", ev.failingFor.Round(time.Second), "failures", ev.failures, "last_error", ev.lastError)
		c.logger().Warn("feedhealth: feed is failing", attrs...)
	case StateSilent:
		attrs = append(attrs, "quiet_for", ev.quietFor.Round(time.Second), "expect_every", ev.feed.ExpectEvery)
		c.logger().Warn("feedhealth: feed has gone quiet", attrs...)
	default:
		attrs = append(attrs, "was", string(ev.from))
		c.logger().Info("feedhealth: feed has recovered", attrs...)
	}
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) logger() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}
