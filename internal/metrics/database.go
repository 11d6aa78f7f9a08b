package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// dbCollector reads the database when Prometheus scrapes: the outbox, the
// alerts written since the last scrape, and every feed's polling state.
// Reading at scrape time keeps the numbers true whoever wrote the rows (a
// poll, feed health, `alerts retry` from another process) at the cost of a
// few indexed queries per scrape.
type dbCollector struct {
	store   *store.Store
	now     func() time.Time
	timeout time.Duration
	log     *slog.Logger

	queuedDesc, depthDesc, digestDesc, oldestDesc, deadDesc  *prometheus.Desc
	lastSuccessDesc, failuresDesc, lastItemDesc, overdueDesc *prometheus.Desc
	corruptDesc                                              *prometheus.Desc
	feeds                                                    func() []model.Feed

	// mu serialises scrapes, which move lastID and add to queued.
	mu     sync.Mutex
	lastID int64          // the highest alert ID counted
	queued map[string]int // alerts written since start, by notifier
}

func newDBCollector(ctx context.Context, o Options) (*dbCollector, error) {
	last, err := o.Store.LastAlertID(ctx)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	c := &dbCollector{
		store:   o.Store,
		now:     o.Now,
		timeout: o.ScrapeTimeout,
		log:     o.Log,
		lastID:  last,
		queued:  map[string]int{},
		feeds:   o.Feeds,
		corruptDesc: prometheus.NewDesc("newswatch_database_corrupt",
			"1 when the database is known to be damaged (PRAGMA quick_check at start, or SQLITE_CORRUPT from a query since), else 0. See docs/operations.md.",
			nil, nil),
		queuedDesc: prometheus.NewDesc("newswatch_alerts_queued_total",
			"Alerts written to the outbox, by notifier: one per rule match and destination, and feed-health alerts.",
			[]string{"notifier"}, nil),
		depthDesc: prometheus.NewDesc("newswatch_outbox_depth",
			"Alerts and follow-ups waiting to be sent or retried, by notifier (digest alerts aside).",
			[]string{"notifier"}, nil),
		digestDesc: prometheus.NewDesc("newswatch_outbox_digest_pending",
			"Alerts waiting for their rule's scheduled digest, by notifier.",
			[]string{"notifier"}, nil),
		oldestDesc: prometheus.NewDesc("newswatch_outbox_oldest_age_seconds",
			"How long the longest-waiting queued alert has waited, by notifier (follow-ups, which wait for their batch by design, aside); 0 when none waits.",
			[]string{"notifier"}, nil),
		deadDesc: prometheus.NewDesc("newswatch_dead_letters",
			"Dead letters (alerts given up on) kept for `newswatch alerts retry`, by notifier.",
			[]string{"notifier"}, nil),
		lastSuccessDesc: prometheus.NewDesc("newswatch_feed_last_success_timestamp_seconds",
			"When the feed was last fetched successfully, as a Unix time; absent until it has been.",
			[]string{"feed"}, nil),
		failuresDesc: prometheus.NewDesc("newswatch_feed_consecutive_failures",
			"Failed fetches of the feed since its last success.",
			[]string{"feed"}, nil),
		lastItemDesc: prometheus.NewDesc("newswatch_feed_last_item_timestamp_seconds",
			"When the feed's newest item was first seen, as a Unix time; absent until it has one.",
			[]string{"feed"}, nil),
		overdueDesc: prometheus.NewDesc("newswatch_feed_poll_overdue_seconds",
			"How long ago the feed's next poll was due, when nothing has polled it for far longer than its schedule says (as the status page shows it); 0 otherwise. Enabled feeds fetched at least once.",
			[]string{"feed"}, nil),
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.timeout <= 0 {
		c.timeout = DefaultScrapeTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, n := range o.Notifiers {
		c.queued[n] = 0
	}
	return c, nil
}

// Describe sends the descriptions of every metric the collector makes.
func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queuedDesc, c.depthDesc, c.digestDesc, c.oldestDesc,
		c.deadDesc, c.lastSuccessDesc, c.failuresDesc, c.lastItemDesc, c.overdueDesc, c.corruptDesc} {
		ch <- d
	}
}

// Collect reads the database and sends the metrics. A failed read sends
// an invalid metric, which the handler reports, in place of the metrics it
// would have made.
func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()

	corrupt := 0.0
	if c.store.Corrupt() != nil {
		corrupt = 1
	}
	ch <- prometheus.MustNewConstMetric(c.corruptDesc, prometheus.GaugeValue, corrupt)
	if err := c.collectOutbox(ctx, ch, now); err != nil {
		c.fail(ch, c.depthDesc, err)
	}
	if err := c.collectFeeds(ctx, ch, now); err != nil {
		c.fail(ch, c.failuresDesc, err)
	}
}

func (c *dbCollector) fail(ch chan<- prometheus.Metric, d *prometheus.Desc, err error) {
	if c.store.NoteCorrupt(err) {
		// newswatch_database_corrupt says it; the store logged it once.
		c.log.Debug("metrics: reading the database for a scrape", "error", err)
	} else {
		c.log.Warn("metrics: reading the database for a scrape", "error", err)
	}
	ch <- prometheus.NewInvalidMetric(d, err)
}

func (c *dbCollector) collectOutbox(ctx context.Context, ch chan<- prometheus.Metric, now time.Time) error {
	written, last, err := c.store.AlertsWrittenAfter(ctx, c.lastID)
	if err != nil {
		return err
	}
	c.lastID = last
	for n, k := range written {
		c.queued[n] += k
	}
	outbox, err := c.store.Outbox(ctx)
	if err != nil {
		return err
	}
	// Every notifier that ever had an alert gets every gauge, at 0 when
	// it has nothing waiting, so that alerting rules see it drop to 0.
	seen := map[string]bool{}
	for _, o := range outbox {
		seen[o.Notifier] = true
		if _, ok := c.queued[o.Notifier]; !ok {
			c.queued[o.Notifier] = 0
		}
		age := 0.0
		if o.Queued > 0 && !o.OldestQueued.IsZero() {
			age = max(0, now.Sub(o.OldestQueued).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(c.depthDesc, prometheus.GaugeValue, float64(o.Queued+o.FollowUps), o.Notifier)
		ch <- prometheus.MustNewConstMetric(c.digestDesc, prometheus.GaugeValue, float64(o.Digest), o.Notifier)
		ch <- prometheus.MustNewConstMetric(c.oldestDesc, prometheus.GaugeValue, age, o.Notifier)
		ch <- prometheus.MustNewConstMetric(c.deadDesc, prometheus.GaugeValue, float64(o.Dead), o.Notifier)
	}
	for n, total := range c.queued {
		ch <- prometheus.MustNewConstMetric(c.queuedDesc, prometheus.CounterValue, float64(total), n)
		if !seen[n] {
			for _, d := range []*prometheus.Desc{c.depthDesc, c.digestDesc, c.oldestDesc, c.deadDesc} {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, 0, n)
			}
		}
	}
	return nil
}

func (c *dbCollector) collectFeeds(ctx context.Context, ch chan<- prometheus.Metric, now time.Time) error {
	feeds, err := c.store.Feeds(ctx)
	if err != nil {
		return err
	}
	// Only the newest item matters here; counting from now counts nothing.
	activity, err := c.store.FeedActivity(ctx, now)
	if err != nil {
		return err
	}
	for _, f := range feeds {
		ch <- prometheus.MustNewConstMetric(c.failuresDesc, prometheus.GaugeValue, float64(f.ConsecutiveFailures), f.Name)
		if !f.LastSuccessAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccessDesc, prometheus.GaugeValue, unixSeconds(f.LastSuccessAt), f.Name)
		}
		if t := activity[f.ID].LastItemAt; !t.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastItemDesc, prometheus.GaugeValue, unixSeconds(t), f.Name)
		}
	}
	byName := make(map[string]*store.FeedState, len(feeds))
	for _, f := range feeds {
		byName[f.Name] = f
	}
	var configured []model.Feed
	if c.feeds != nil {
		configured = c.feeds()
	}
	for _, cf := range configured {
		f := byName[cf.Name]
		if !cf.Enabled || f == nil || f.URL != cf.URL || f.LastFetchAt.IsZero() {
			continue
		}
		late := 0.0
		if due := feedhealth.PollOverdueSince(cf.Schedule, f.LastFetchAt, f.NextAttemptAt, now); !due.IsZero() {
			late = now.Sub(due).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.overdueDesc, prometheus.GaugeValue, late, cf.Name)
	}
	return nil
}

// unixSeconds is t as fractional Unix seconds, Prometheus's time unit.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1e3
}
