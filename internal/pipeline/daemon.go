package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/metrics"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
	"github.com/newswatch/newswatch/rules"
)

// Daemon is the pipeline of `newswatch run` with the parts that watch it:
// feed health, and when the admin server is on, the metrics and the admin
// server with its listener.
type Daemon struct {
	p         *Pipeline
	watcher   *rules.Watcher
	config    *configWatcher
	health    *feedhealth.Checker
	srv       *admin.Server // nil when admin_addr is ""
	ln        net.Listener
	listeners []*slack.Listener // Socket Mode, for Slack bots with an app_token
}

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

// dispatcherStall is how long the dispatcher may go without reading the
// outbox before /healthz calls it stuck; it reads every few seconds.
const dispatcherStall = time.Minute

// Daemon builds feed health, and when the admin server is on, the metrics
// and the admin server, and hooks them into the poller, the dispatcher and
// watcher, which holds the rules in force (the Rules of the pipeline's
// Options). It opens the admin listener, so that a taken port stops the
// daemon at start.
func (p *Pipeline) Daemon(ctx context.Context, watcher *rules.Watcher) (*Daemon, error) {
	cfg := p.cfg
	d := &Daemon{p: p, watcher: watcher, health: p.healthChecker()}
	d.config = newConfigWatcher(cfg, p.lookupEnv, p.log, d.applyFeeds)
	var err error
	if d.listeners, err = p.listeners(); err != nil {
		return nil, err
	}
	if p.Replica != nil {
		p.Replica.ConfigHash = d.config.Hash
		p.Replica.RulesHash = func() string { return rulesHash(watcher.Current()) }
	}
	var m *metrics.Metrics
	if cfg.Daemon.AdminAddr != "" {
		if err := checkAdminExposure(cfg.Daemon.AdminAddr, cfg.Daemon.AdminToken); err != nil {
			return nil, err
		}
		notifiers := make([]string, len(cfg.Notifiers))
		for i, n := range cfg.Notifiers {
			notifiers[i] = n.Name
		}
		m, err = metrics.New(ctx, metrics.Options{Store: p.Store, Notifiers: notifiers, Feeds: p.Scheduler.Configured,
			Version: p.version, Log: p.log, Cluster: p.cluster()})
		if err != nil {
			return nil, err
		}
		m.RulesLoaded(watcher.Current())
		watcher.OnReload(m.ObserveReload)
		d.srv = &admin.Server{
			Addr: cfg.Daemon.AdminAddr,
			Live: map[string]admin.Check{
				"scheduler":  alive("scheduler", p.Scheduler.Alive),
				"dispatcher": alive("dispatcher", p.dispatcherAlive),
			},
			Ready: map[string]admin.Check{
				"database":  p.databaseReady,
				"scheduler": alive("scheduler", p.Scheduler.Alive),
				"rules":     rulesReady(watcher),
			},
			Token:    cfg.Daemon.AdminToken,
			Metrics:  m.Handler(),
			Store:    p.Store,
			Silences: p.Silences,
			Feeds:    p.Scheduler.Configured,
			Config:   d.config.Status,
			Rules:    watcher.Current,
			Cluster:  p.cluster(),
			Version:  p.version,
			Log:      p.log,
		}
		if d.ln, err = d.srv.Listen(); err != nil {
			return nil, err
		}
		// The address actually bound: admin_addr may ask for port 0.
		p.log.Info("admin server listening", "addr", d.ln.Addr().String(), "token", cfg.Daemon.AdminToken != "")
	}

	prevPoll := p.Poller.OnPoll
	p.Poller.OnPoll = func(res monitor.PollResult, err error) {
		if prevPoll != nil {
			prevPoll(res, err)
		}
		if m != nil {
			m.ObservePoll(res, err)
		}
		d.health.Poke()
	}
	if m != nil {
		prevArticle := p.Articles.OnArticle
		p.Articles.OnArticle = func(r monitor.ArticleResult) {
			if prevArticle != nil {
				prevArticle(r)
			}
			m.ObserveArticle(r)
		}
		prevOutcome := p.Dispatcher.OnOutcome
		p.Dispatcher.OnOutcome = func(out notify.Outcome) {
			if prevOutcome != nil {
				prevOutcome(out)
			}
			m.ObserveOutcome(out)
		}
	}
	return d, nil
}

// Run runs every part of the daemon until ctx is done or one of them
// fails, then stops them all and waits for them. A value received from
// reload (SIGHUP) reloads the rules. It logs the start and the stop, and
// returns the error that stopped the daemon, nil after a clean stop.
func (d *Daemon) Run(ctx context.Context, reload <-chan os.Signal) error {
	p, cfg := d.p, d.p.cfg
	p.log.Info("newswatch started",
		"config", cfg.File, "feeds", len(cfg.Feeds), "rules", len(d.watcher.Current().Rules()),
		"notifiers", len(cfg.Notifiers), "admin_addr", cfg.Daemon.AdminAddr,
		"store", p.Store.Engine(), "database", p.Store.Target(), "replica", p.replicaID())
	if err := d.supervise(ctx, reload); err != nil {
		p.log.Error("newswatch stopped on an error", "err", err)
		return err
	}
	p.log.Info("newswatch stopped")
	return nil
}

// supervise starts every part and stops them all when one fails or ctx is
// done.
func (d *Daemon) supervise(ctx context.Context, reload <-chan os.Signal) error {
	p := d.p
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var wg sync.WaitGroup
	start := func(name string, fn func(context.Context) error) {
		wg.Go(func() {
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				cancel(fmt.Errorf("%s: %w", name, err))
			} else if ctx.Err() == nil {
				cancel(fmt.Errorf("%s stopped unexpectedly", name))
			}
		})
	}
	// With replicas, the article worker, feed health and retention run
	// on one of them at a time (see singleton); the scheduler shares the
	// feeds, and the dispatcher each destination (notify.Dispatcher.Leases).
	start("dispatcher", func(ctx context.Context) error {
		p.dispatcherStarted.Store(time.Now().UnixNano())
		p.dispatcherRunning.Store(true)
		defer p.dispatcherRunning.Store(false)
		return p.Dispatcher.Run(ctx)
	})
	start("scheduler", p.Scheduler.Run)
	start("articles", p.singleton(LeaseArticles, p.Articles.Run))
	start("rules watcher", d.watcher.Run)
	start("configuration watcher", d.config.Run)
	start("feed health", p.singleton(LeaseFeedHealth, d.health.Run))
	start("retention", p.singleton(LeaseRetention, p.retention().Run))
	if p.Replica != nil {
		start("replica heartbeat", p.Replica.Run)
	}
	if d.srv != nil {
		start("admin server", func(ctx context.Context) error { return d.srv.Serve(ctx, d.ln) })
	}
	for _, l := range d.listeners {
		start("slack listener", l.Run)
	}
	// Beside the rest, so that a large database delays neither the
	// first polls nor the health probes.
	wg.Go(func() { p.checkDatabase(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-reload:
				p.log.Info("SIGHUP: reloading the configuration's feeds and the rules")
				// The watchers log what they did, errors included.
				_ = d.config.reload(ctx, true)
				_ = d.watcher.Reload()
			}
		}
	})

	// The story index's snapshot, every storySnapshotEvery and at the
	// stop: the next start reads it instead of the window's items.
	wg.Go(func() {
		t := time.NewTicker(storySnapshotEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.saveStories(ctx, true)
			}
		}
	})

	<-ctx.Done()
	wg.Wait()
	stop, cancelStop := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	p.saveStories(stop, false)
	cancelStop()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// storySnapshotEvery is how often the daemon writes the story index's
// snapshot besides at its stop, so that a start after a crash catches up
// with at most this much of the window's items instead of all of them.
const storySnapshotEvery = time.Hour

// saveStories writes the story index's snapshot to the store
// (monitor.Stories.SaveSnapshot); lazily, only when the store's snapshot
// is too far behind the index for the next start to catch up cheaply
// (monitor.Stories.SaveSnapshotIfBehind). A failure is only logged: the
// next start builds the index from the items.
func (p *Pipeline) saveStories(ctx context.Context, lazily bool) {
	if p.Poller.Stories == nil {
		return
	}
	var err error
	if lazily {
		_, err = p.Poller.Stories.SaveSnapshotIfBehind(ctx)
	} else {
		err = p.Poller.Stories.SaveSnapshot(ctx)
	}
	if err != nil {
		p.log.Warn("story index snapshot not written; the next start reads the items", "err", err)
	}
}

// replicaID names this replica, "" when it is the only process.
func (p *Pipeline) replicaID() string {
	if p.Replica == nil {
		return ""
	}
	return p.Replica.ID
}

// alive turns a liveness report into an admin check.
func alive(name string, ok func() bool) admin.Check {
	return func() error {
		if !ok() {
			return errors.New(name + " is not running")
		}
		return nil
	}
}

// dispatcherAlive reports whether the dispatcher runs and has read the
// outbox lately.
func (p *Pipeline) dispatcherAlive() bool {
	// Until its first read of the outbox, the dispatcher counts from its
	// start, so that a daemon that just started is not called stuck.
	last := p.Dispatcher.LastRead()
	if started := time.Unix(0, p.dispatcherStarted.Load()); started.After(last) {
		last = started
	}
	return p.dispatcherRunning.Load() && time.Since(last) < dispatcherStall
}

// databaseReady checks that the database answers.
func (p *Pipeline) databaseReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	return p.Store.Ping(ctx)
}

// rulesReady checks that rules are in force.
func rulesReady(w *rules.Watcher) admin.Check {
	return func() error {
		if w.Current() == nil {
			return errors.New("no rules are loaded")
		}
		return nil
	}
}

// checkAdminExposure refuses an admin address that accepts connections from
// other machines when there is no token: the configuration already refuses
// it, and the daemon does not rely on that alone.
func checkAdminExposure(addr, token string) error {
	if token != "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin_addr %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("admin_addr %q accepts connections from other machines: set daemon.admin_token, or listen on 127.0.0.1", addr)
}

// applyFeeds puts the feeds of a reloaded configuration in force: the
// scheduler polls them from now on, the article worker matches their
// items' pages as theirs, the status page, feed health and
// metrics show them, and rules are checked against them (a rule selecting
// a feed that is gone is a warning).
func (d *Daemon) applyFeeds(ctx context.Context, cfg *config.Config) (monitor.FeedChanges, error) {
	feeds := Feeds(cfg.Feeds)
	changes, err := d.p.Scheduler.SetFeeds(ctx, feeds)
	if err != nil || changes.Empty() {
		return changes, err
	}
	d.p.Articles.SetFeeds(feeds)
	// The notifiers are the ones the daemon started with.
	known := Known(&config.Config{Feeds: cfg.Feeds, Notifiers: d.p.cfg.Notifiers})
	for _, diag := range d.watcher.SetKnown(known) {
		d.p.log.Warn("rules: warning in a rule file", "pos", diag.Pos.String(), "warning", diag.Msg)
	}
	d.health.Poke()
	return changes, nil
}
