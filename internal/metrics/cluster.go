package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newswatch/newswatch/internal/replica"
)

// clusterCollector reads, at scrape time, the replicas sharing the
// database: which are alive, what each claims and polled, who holds each
// lease, and whether they disagree on configuration or rules.
type clusterCollector struct {
	look    func(context.Context) (*replica.View, error)
	timeout time.Duration
	log     *slog.Logger

	upDesc, claimedDesc, polledDesc, leaseDesc, disagreeDesc *prometheus.Desc
}

func newClusterCollector(o Options) *clusterCollector {
	c := &clusterCollector{
		look:    o.Cluster,
		timeout: o.ScrapeTimeout,
		log:     o.Log,
		upDesc: prometheus.NewDesc("newswatch_replica_up",
			"1 for each replica sharing the database that beats now, 0 for one that stopped or died recently (it is forgotten after a day).",
			[]string{"replica", "hostname", "version"}, nil),
		claimedDesc: prometheus.NewDesc("newswatch_replica_feeds_claimed",
			"Feeds the replica has claimed for polling now.",
			[]string{"replica"}, nil),
		polledDesc: prometheus.NewDesc("newswatch_replica_feeds_polled",
			"Configured feeds whose last poll the replica made.",
			[]string{"replica"}, nil),
		leaseDesc: prometheus.NewDesc("newswatch_lease_held",
			"1 for the replica that holds the lease (dispatch, feed-health, retention) now.",
			[]string{"lease", "replica"}, nil),
		disagreeDesc: prometheus.NewDesc("newswatch_replicas_disagree",
			"1 when replicas alive now run different configuration files or rules (their hashes differ), else 0.",
			nil, nil),
	}
	if c.timeout <= 0 {
		c.timeout = DefaultScrapeTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Describe sends the descriptions of every metric the collector makes.
func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.upDesc, c.claimedDesc, c.polledDesc, c.leaseDesc, c.disagreeDesc} {
		ch <- d
	}
}

// Collect reads the cluster and sends the metrics, or an invalid metric
// when the database cannot be read.
func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	v, err := c.look(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the replicas for a scrape", "error", err)
		ch <- prometheus.NewInvalidMetric(c.upDesc, err)
		return
	}
	for _, r := range v.Replicas {
		up := 0.0
		if r.Alive {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.upDesc, prometheus.GaugeValue, up, r.ID, r.Hostname, r.Version)
		ch <- prometheus.MustNewConstMetric(c.claimedDesc, prometheus.GaugeValue, float64(r.Claimed), r.ID)
		ch <- prometheus.MustNewConstMetric(c.polledDesc, prometheus.GaugeValue, float64(r.Polled), r.ID)
	}
	for _, l := range v.Leases {
		ch <- prometheus.MustNewConstMetric(c.leaseDesc, prometheus.GaugeValue, 1, l.Name, l.Holder)
	}
	disagree := 0.0
	if v.Disagree {
		disagree = 1
	}
	ch <- prometheus.MustNewConstMetric(c.disagreeDesc, prometheus.GaugeValue, disagree)
}
