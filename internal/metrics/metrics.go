// Package metrics owns newswatch's Prometheus metrics: what the poller, the
// dispatcher and the rules watcher report through their hooks, counted as
// it happens, and what the database holds (outbox depth, feed state), read
// when Prometheus scrapes. Every name starts with newswatch_; docs/operations.md
// lists them with their labels.
//
// Metrics live in their own registry, not the global one, so that tests and
// several daemons in one process never share counters.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/replica"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// Outcomes of a fetch, as the outcome label of newswatch_fetches_total; a
// failed fetch is labelled with its monitor.ErrorKind instead.
const (
	OutcomeOK          = "ok"
	OutcomeNotModified = "not_modified"
	// OutcomeUnchanged labels a 200 that brought the very document of the
	// last recorded poll (a server that ignores ETag and Last-Modified): it
	// was not parsed.
	OutcomeUnchanged = "unchanged"
	// OutcomeError labels a poll that failed for a reason other than the
	// fetch or the parse (the database, say).
	OutcomeError = "error"
)

// fetchBuckets are the bounds of the fetch duration histogram, in seconds:
// a healthy feed answers in well under a second, a struggling one takes
// seconds, and the default timeout is 30s.
var fetchBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60}

// Options configure Metrics.
type Options struct {
	// Store is read at scrape time for the outbox and feed state, and for
	// the alerts queued since the last scrape. Required.
	Store *store.Store
	// Notifiers are the configured notifier names: their alert counters
	// start at zero instead of appearing with the first alert.
	Notifiers []string
	// Feeds returns the configured feeds in force, whose schedules tell
	// when a feed's poll is overdue (newswatch_feed_poll_overdue_seconds);
	// nil means none.
	Feeds func() []model.Feed
	// Version is the running version, for newswatch_build_info.
	Version string
	// Now tells the time (time.Now).
	Now func() time.Time
	// Log receives scrape errors (nothing when nil).
	Log *slog.Logger
	// ScrapeTimeout bounds the database reads of one scrape
	// (DefaultScrapeTimeout).
	ScrapeTimeout time.Duration
	// Cluster returns the replicas sharing the database, read at scrape
	// time for the newswatch_replica… and newswatch_lease_held metrics;
	// nil (one process, on SQLite) leaves them out.
	Cluster func(context.Context) (*replica.View, error)
}

// DefaultScrapeTimeout is the default of Options.ScrapeTimeout.
const DefaultScrapeTimeout = 5 * time.Second

// Metrics holds newswatch's metrics. Its Observe methods are the hooks of
// the poller, the dispatcher and the rules watcher; they never block and
// are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	fetches       *prometheus.CounterVec
	fetchDuration *prometheus.HistogramVec
	itemsParsed   *prometheus.CounterVec
	itemsNew      *prometheus.CounterVec
	matches       *prometheus.CounterVec
	storiesMerged *prometheus.CounterVec

	articles     *prometheus.CounterVec
	articleDelay prometheus.Histogram

	alertsSent   *prometheus.CounterVec
	alertsFailed *prometheus.CounterVec
	alertsDead   *prometheus.CounterVec
	silenced     *prometheus.CounterVec

	ruleReloads        prometheus.Counter
	ruleReloadErrors   prometheus.Counter
	rulesLoaded        prometheus.Gauge
	ruleReloadOK       prometheus.Gauge
	ruleReloadSuccessT prometheus.Gauge
}

// New returns the metrics of a daemon whose database is o.Store. It reads
// where the outbox stands now, so that newswatch_alerts_queued_total counts
// the alerts queued from here on.
func New(ctx context.Context, o Options) (*Metrics, error) {
	if o.Store == nil {
		return nil, errors.New("metrics: Options.Store is required")
	}
	db, err := newDBCollector(ctx, o)
	if err != nil {
		return nil, err
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: o.Log}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.fetches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_fetches_total",
		Help: "Feed fetches by feed and outcome: ok, not_modified (304), unchanged (a 200 with the last recorded document, not parsed), or why it failed (timeout, dns, connect, tls, http_status, rate_limited, too_large, parse, …).",
	}, []string{"feed", "outcome"})
	m.fetchDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "newswatch_fetch_duration_seconds",
		Help:    "How long feed fetches took, body included, by outcome: ok, not_modified, unchanged or error.",
		Buckets: fetchBuckets,
	}, []string{"outcome"})
	m.itemsParsed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_items_parsed_total",
		Help: "Items read from parsed feed documents, by feed (an unchanged document is not parsed).",
	}, []string{"feed"})
	m.itemsNew = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_items_new_total",
		Help: "Items seen for the first time and recorded, by feed.",
	}, []string{"feed"})
	m.matches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_matches_total",
		Help: "New items that matched a rule, by rule.",
	}, []string{"rule"})
	m.storiesMerged = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_stories_merged_total",
		Help: "New items that joined a story already seen (another outlet's report of it), by feed.",
	}, []string{"feed"})
	m.alertsSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_alerts_sent_total",
		Help: "Alerts delivered, by notifier.",
	}, []string{"notifier"})
	m.alertsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_alerts_failed_total",
		Help: "Alerts whose delivery attempt failed and will be retried, by notifier and reason.",
	}, []string{"notifier", "reason"})
	m.alertsDead = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_alerts_dead_total",
		Help: "Alerts given up on (dead letters), by notifier and reason.",
	}, []string{"notifier", "reason"})
	m.silenced = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_alerts_silenced_total",
		Help: "Alerts a silence set from Slack kept from their destination, by notifier and what it did: muted (settled, not sent) or held (by a snooze, until it ends).",
	}, []string{"notifier", "result"})
	m.ruleReloads = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "newswatch_rule_reloads_total",
		Help: "Reloads of the rule files, successful or not.",
	})
	m.ruleReloadErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "newswatch_rule_reload_errors_total",
		Help: "Reloads of the rule files refused because of errors; the previous rules stayed in force.",
	})
	m.rulesLoaded = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "newswatch_rules",
		Help: "Enabled rules in force.",
	})
	m.ruleReloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "newswatch_rules_last_reload_successful",
		Help: "1 when the last reload of the rule files took effect, 0 when it was refused.",
	})
	m.ruleReloadSuccessT = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "newswatch_rules_last_reload_success_timestamp_seconds",
		Help: "When the rules in force were loaded, as a Unix time.",
	})
	m.articles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswatch_articles_total",
		Help: "Items whose page was to be fetched, by feed, outcome (fetched; reused: another item's fetch of the same link had it; failed) and, for failures, reason (timeout, http_status, not_html, too_large, …, no_text, paywall).",
	}, []string{"feed", "outcome", "reason"})
	m.articleDelay = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "newswatch_article_delay_seconds",
		Help:    "How long after its poll recorded an item its article was fetched and matched: what the article adds to the time to an alert it causes.",
		Buckets: fetchBuckets,
	})
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "newswatch_build_info",
		Help:        "Always 1; the labels say which newswatch is running.",
		ConstLabels: prometheus.Labels{"version": o.Version, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)

	for _, n := range o.Notifiers {
		m.alertsSent.WithLabelValues(n)
	}
	m.reg.MustRegister(
		m.fetches, m.fetchDuration, m.itemsParsed, m.itemsNew, m.matches, m.storiesMerged,
		m.articles, m.articleDelay,
		m.alertsSent, m.alertsFailed, m.alertsDead, m.silenced,
		m.ruleReloads, m.ruleReloadErrors, m.rulesLoaded, m.ruleReloadOK, m.ruleReloadSuccessT,
		buildInfo, db,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if o.Cluster != nil {
		m.reg.MustRegister(newClusterCollector(o))
	}
	return m, nil
}

// Handler serves the metrics in the Prometheus exposition formats. A
// database read that fails leaves its metrics out of the scrape (and logs
// why); the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.reg, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// Registry returns the registry holding every metric, for tests and for
// adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObservePoll records one poll; it is the poller's OnPoll hook. A poll that
// was held back (backing off) fetched nothing and is not counted.
func (m *Metrics) ObservePoll(res monitor.PollResult, err error) {
	if res.Held {
		return
	}
	outcome := OutcomeOK
	switch {
	case err != nil:
		var fe *monitor.FetchError
		if errors.As(err, &fe) {
			outcome = string(fe.Kind)
		} else {
			outcome = OutcomeError
		}
	case res.NotModified:
		outcome = OutcomeNotModified
	case res.Unchanged:
		outcome = OutcomeUnchanged
	}
	m.fetches.WithLabelValues(res.Feed, outcome).Inc()
	if res.FetchDuration > 0 {
		class := outcome
		if err != nil {
			class = OutcomeError
		}
		m.fetchDuration.WithLabelValues(class).Observe(res.FetchDuration.Seconds())
	}
	if err != nil {
		return
	}
	if res.Items > 0 {
		m.itemsParsed.WithLabelValues(res.Feed).Add(float64(res.Items))
	}
	if res.New > 0 {
		m.itemsNew.WithLabelValues(res.Feed).Add(float64(res.New))
	}
	for rule, n := range res.Matches {
		m.matches.WithLabelValues(rule).Add(float64(n))
	}
	if res.Joined > 0 {
		m.storiesMerged.WithLabelValues(res.Feed).Add(float64(res.Joined))
	}
}

// ObserveArticle records one item completed with its article; it is the
// article worker's OnArticle hook.
func (m *Metrics) ObserveArticle(r monitor.ArticleResult) {
	m.articles.WithLabelValues(r.Feed, r.Outcome, r.Reason).Inc()
	m.articleDelay.Observe(r.Delay.Seconds())
}

// ObserveOutcome records the end of one delivery attempt; it is the
// dispatcher's OnOutcome hook.
func (m *Metrics) ObserveOutcome(o notify.Outcome) {
	n := float64(o.Alerts)
	switch o.Result {
	case notify.ResultDelivered:
		m.alertsSent.WithLabelValues(o.Notifier).Add(n)
	case notify.ResultRetry:
		m.alertsFailed.WithLabelValues(o.Notifier, reasonLabel(o.Reason)).Add(n)
	case notify.ResultDead:
		m.alertsDead.WithLabelValues(o.Notifier, reasonLabel(o.Reason)).Add(n)
	case notify.ResultMuted, notify.ResultHeld:
		m.silenced.WithLabelValues(o.Notifier, o.Result).Add(n)
	}
}

// reasonLabel keeps the reason label from ever being empty.
func reasonLabel(r string) string {
	if r == "" {
		return "error"
	}
	return r
}

// ObserveReload records a reload of the rule files; it is the rules
// watcher's OnReload hook. set is the set in force afterwards: the new one,
// or the old one when the reload was refused.
func (m *Metrics) ObserveReload(set *rules.Set, err error) {
	m.ruleReloads.Inc()
	if err != nil {
		m.ruleReloadErrors.Inc()
		m.ruleReloadOK.Set(0)
	} else {
		m.ruleReloadOK.Set(1)
		m.ruleReloadSuccessT.SetToCurrentTime()
	}
	if set != nil {
		m.rulesLoaded.Set(float64(len(set.Rules())))
	}
}

// RulesLoaded records the rules put in force at start, before any reload.
func (m *Metrics) RulesLoaded(set *rules.Set) {
	m.ruleReloadOK.Set(1)
	m.ruleReloadSuccessT.SetToCurrentTime()
	if set != nil {
		m.rulesLoaded.Set(float64(len(set.Rules())))
	}
}
