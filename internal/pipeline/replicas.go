package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/replica"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// The leases of the work that one replica at a time does when several
// share a PostgreSQL database (see docs/replicas.md).
const (
	// LeaseDispatch starts the name of each destination's lease: the
	// sending of its messages, their pacing and order, its digests and
	// follow-ups (notify.Dispatcher.Leases). "dispatch/slack/#desk" is
	// the lease of the channel #desk of the notifier "slack".
	LeaseDispatch = "dispatch/"
	// LeaseArticles is the article worker: fetching the pages of items
	// that feeds give only a teaser of, and matching them again.
	LeaseArticles = "articles"
	// LeaseFeedHealth is the feed-health checks and their alerts.
	LeaseFeedHealth = "feed-health"
	// LeaseRetention is the pruning of old item text.
	LeaseRetention = "retention"
)

// shareWork makes the pipeline one replica of several when its database
// is PostgreSQL: the scheduler shares the feeds through the database
// (monitor.Shared), the poller says which replica polled a feed, and the
// work of one replica at a time runs under leases (see singleton). On
// SQLite, the one process does everything, and p.Replica stays nil.
func (p *Pipeline) shareWork(cfg *config.Config, st *store.Store, version string) {
	if st.Engine() != store.Postgres {
		return
	}
	id := replica.NewID()
	p.Replica = &replica.Member{Store: st, ID: id, Version: version, Lease: cfg.Store.Lease, Log: p.log}
	p.Poller.Replica = id
	p.Scheduler.Shared = &monitor.Shared{Replica: id, Lease: cfg.Store.Lease}
	// Every replica runs the dispatcher; each destination sends on one of
	// them at a time, under a lease of its own.
	p.Dispatcher.Leases = &replica.Leases{Store: st, Holder: id, Prefix: LeaseDispatch, Lease: cfg.Store.Lease, Log: p.log}
	p.Dispatcher.LeaseRetry = cfg.Store.Lease / 3
	// A dispatcher that stops must stop sending before its leases are
	// given up, or could end.
	stop := p.Dispatcher.StopTimeout
	if stop <= 0 {
		stop = notify.DefaultStopTimeout
	}
	p.Dispatcher.StopTimeout = min(stop, cfg.Store.Lease/5)
}

// cluster returns what the status page and the metrics show of the
// replicas; nil when this process is the only one.
func (p *Pipeline) cluster() func(context.Context) (*replica.View, error) {
	if p.Replica == nil {
		return nil
	}
	return func(ctx context.Context) (*replica.View, error) {
		return replica.Look(ctx, p.Store, p.Replica.ID, time.Now(), p.cfg.Store.Lease)
	}
}

// singleton returns job as the daemon runs it: on one replica at a time,
// under the lease name, when several share the database; as it is when
// this process is the only one.
func (p *Pipeline) singleton(name string, job func(context.Context) error) func(context.Context) error {
	if p.Replica == nil {
		return job
	}
	return func(ctx context.Context) error { return p.Replica.Singleton(ctx, name, job) }
}

// rulesHash identifies what a set of rules does, for comparing replicas:
// where the rules are written (file paths, lines) does not count, so that
// two machines with the same rule files at different paths agree.
func rulesHash(set *rules.Set) string {
	if set == nil {
		return ""
	}
	rs := set.Rules()
	for i, r := range rs {
		c := *r
		c.File, c.Line, c.Col = "", 0, 0
		rs[i] = &c
	}
	data, err := json.Marshal(rs)
	if err != nil { // a Rule is strings, slices and bools
		panic("pipeline: rules hash: " + err.Error())
	}
	return shortHash(data)
}

// shortHash is a short hexadecimal digest of data, to show and compare.
func shortHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}
