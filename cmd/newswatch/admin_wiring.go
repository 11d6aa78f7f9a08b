package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/metrics"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// ops holds the parts of a running daemon that watch the others: feed
// health, the metrics, and the admin server with its listener (nil when
// admin_addr is "").
type ops struct {
	health *feedhealth.Checker
	srv    *admin.Server
	ln     net.Listener
}

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

// wireOps builds feed health, and when the admin server is on, the metrics
// and the admin server, and hooks them into the poller, the dispatcher and
// the rules watcher. It opens the admin listener, so that a taken port
// stops the daemon at start.
func (d *daemon) wireOps(ctx context.Context, watcher *rules.Watcher) (*ops, error) {
	cfg := d.cfg
	o := &ops{health: d.healthChecker()}
	var m *metrics.Metrics
	if cfg.Daemon.AdminAddr != "" {
		if err := checkAdminExposure(cfg.Daemon.AdminAddr, cfg.Daemon.AdminToken); err != nil {
			return nil, err
		}
		notifiers := make([]string, len(cfg.Notifiers))
		for i, n := range cfg.Notifiers {
			notifiers[i] = n.Name
		}
		ver, _ := buildVersion()
		var err error
		m, err = metrics.New(ctx, metrics.Options{Store: d.store, Notifiers: notifiers, Version: ver, Log: d.log})
		if err != nil {
			return nil, err
		}
		m.RulesLoaded(watcher.Current())
		watcher.OnReload(m.ObserveReload)
		o.srv = &admin.Server{
			Addr: cfg.Daemon.AdminAddr,
			Live: map[string]admin.Check{
				"scheduler":  alive("scheduler", d.scheduler.Alive),
				"dispatcher": alive("dispatcher", d.dispatcherAlive),
			},
			Ready: map[string]admin.Check{
				"database":  d.databaseReady,
				"scheduler": alive("scheduler", d.scheduler.Alive),
				"rules":     rulesReady(watcher),
			},
			Token:   cfg.Daemon.AdminToken,
			Metrics: m.Handler(),
			Store:   d.store,
			Feeds:   cfg.Feeds,
			Rules:   watcher.Current,
			Version: ver,
			Log:     d.log,
		}
		if o.ln, err = o.srv.Listen(); err != nil {
			return nil, err
		}
		// The address actually bound: admin_addr may ask for port 0.
		d.log.Info("admin server listening", "addr", o.ln.Addr().String(), "token", cfg.Daemon.AdminToken != "")
	}

	prevPoll := d.poller.OnPoll
	d.poller.OnPoll = func(res monitor.PollResult, err error) {
		if prevPoll != nil {
			prevPoll(res, err)
		}
		if m != nil {
			m.ObservePoll(res, err)
		}
		o.health.Poke()
	}
	if m != nil {
		prevOutcome := d.dispatcher.OnOutcome
		d.dispatcher.OnOutcome = func(out notify.Outcome) {
			if prevOutcome != nil {
				prevOutcome(out)
			}
			m.ObserveOutcome(out)
		}
	}
	return o, nil
}

// healthChecker returns the feed-health checker of the configuration,
// which wakes the dispatcher when it queues alerts. `run` runs it; `once`
// can Check once after its polls.
func (d *daemon) healthChecker() *feedhealth.Checker {
	return &feedhealth.Checker{
		Store:        d.store,
		Feeds:        d.cfg.Feeds,
		AlertAfter:   d.cfg.Health.FeedAlertAfter,
		Notify:       d.cfg.Health.Notify,
		Log:          d.log,
		AlertsQueued: func(int) { d.dispatcher.Wake() },
	}
}

// databaseReady checks that the database answers.
func (d *daemon) databaseReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	return d.store.Ping(ctx)
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
