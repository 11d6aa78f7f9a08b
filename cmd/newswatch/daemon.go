package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/newswatch/newswatch/config"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
	"github.com/newswatch/newswatch/store"
)

// daemon holds the parts `run` and `once` share, wired from the
// configuration.
type daemon struct {
	cfg        *config.Config
	log        *slog.Logger
	store      *store.Store
	poller     *monitor.Poller
	scheduler  *monitor.Scheduler
	dispatcher *notify.Dispatcher
	// dispatcherRunning is true while the dispatcher's Run is under way.
	dispatcherRunning atomic.Bool
}

// newLogger returns the logger the configuration asks for, writing to w.
func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level}
	if cfg.Format == config.FormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDaemon opens the store and wires the poller, the scheduler and the
// dispatcher. rulesNow returns the rules in force; each poll takes it once.
func openDaemon(ctx context.Context, cfg *config.Config, log *slog.Logger, rulesNow func() *rules.Set, stdout io.Writer) (*daemon, error) {
	if err := os.MkdirAll(cfg.Daemon.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	st, err := store.Open(ctx, filepath.Join(cfg.Daemon.DataDir, databaseFile))
	if err != nil {
		return nil, err
	}
	d := &daemon{cfg: cfg, log: log, store: st}
	if err := d.wire(ctx, rulesNow, stdout); err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

func (d *daemon) wire(ctx context.Context, rulesNow func() *rules.Set, stdout io.Writer) error {
	cfg := d.cfg
	feeds := make([]monitor.Feed, len(cfg.Feeds))
	specs := make([]store.FeedSpec, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		feeds[i] = monitor.Feed{Name: f.Name, URL: f.URL, Tags: f.Tags, Schedule: f.Schedule, Enabled: f.Enabled, Lang: f.Lang}
		specs[i] = store.FeedSpec{Name: f.Name, URL: f.URL}
	}
	if err := d.store.SyncFeeds(ctx, specs); err != nil {
		return err
	}

	channels := make(map[string]string, len(cfg.Notifiers))
	for _, n := range cfg.Notifiers {
		channels[n.Name] = n.Channel
	}
	ver, _ := buildVersion()
	userAgent := cfg.Fetch.UserAgent
	if userAgent == "" {
		userAgent = monitor.UserAgent(ver)
	}
	d.poller = &monitor.Poller{
		Store: d.store,
		Fetcher: monitor.NewFetcher(monitor.FetcherOptions{
			Timeout:             cfg.Fetch.Timeout,
			ConnectTimeout:      cfg.Fetch.ConnectTimeout,
			TLSHandshakeTimeout: cfg.Fetch.ConnectTimeout,
			MaxBodyBytes:        cfg.Fetch.MaxBodyBytes,
			UserAgent:           userAgent,
		}),
		Rules:    rulesNow,
		Routing:  monitor.Routing{Default: cfg.Notify.Default, Channels: channels},
		Backfill: cfg.Daemon.Backfill,
		Backoff:  monitor.Backoff{Max: cfg.Fetch.BackoffMax},
		Log:      d.log,
	}
	d.scheduler = &monitor.Scheduler{
		Poller:          d.poller,
		Feeds:           feeds,
		DefaultSchedule: cfg.Daemon.Schedule,
		Concurrency:     cfg.Fetch.Concurrency,
		PerHost:         cfg.Fetch.PerHost,
		Jitter:          cfg.Fetch.Jitter,
		Log:             d.log,
	}
	disp, err := notify.NewDispatcher(cfg, d.store, notify.Options{Stdout: stdout})
	if err != nil {
		return err
	}
	disp.Rules = func() []*rules.Rule { return rulesNow().Rules() }
	disp.Log = d.log
	d.dispatcher = disp
	d.poller.AlertsQueued = func(int) { disp.Wake() }
	d.wireStories()
	return nil
}

// Close closes the store.
func (d *daemon) Close() error {
	return d.store.Close()
}
