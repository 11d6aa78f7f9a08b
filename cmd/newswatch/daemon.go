package main

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
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
// dispatcher (package pipeline). rulesNow returns the rules in force; each
// poll takes it once.
func openDaemon(ctx context.Context, cfg *config.Config, log *slog.Logger, rulesNow func() *rules.Set, stdout io.Writer) (*daemon, error) {
	ver, _ := buildVersion()
	p, err := pipeline.Open(ctx, cfg, pipeline.Options{Log: log, Rules: rulesNow, Stdout: stdout, Version: ver})
	if err != nil {
		return nil, err
	}
	return &daemon{cfg: cfg, log: log, store: p.Store, poller: p.Poller, scheduler: p.Scheduler, dispatcher: p.Dispatcher}, nil
}

// Close closes the store.
func (d *daemon) Close() error {
	return d.store.Close()
}
