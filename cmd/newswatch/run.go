package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	register("run", "run the daemon: poll feeds, match rules, send alerts", cmdRun)
}

const runDescription = `
Runs the daemon. Every enabled feed is polled soon after start (spread over a
few seconds), then on its schedule; new items are matched against the rules,
and alerts are queued and delivered. Rule files are reloaded when they change
and on SIGHUP. SIGINT or SIGTERM stops the daemon cleanly: polls under way
finish or are rolled back, sends under way finish or stay queued.

With no notifier configured, alerts are printed to standard output. Logs go
to standard error.

Exit status: 0 after a clean stop, 1 when the configuration or the rules are
invalid or the daemon could not start.
`

func cmdRun(ctx context.Context, args []string, sio *IO) error {
	fs := newFlagSet("run", "run [-config FILE]", runDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, sio.Stderr)

	watcher, err := rules.NewWatcher(cfg.Rules.Dir, log)
	if err != nil {
		return verbatim{err}
	}
	if _, err := rulesOrError(nil, watcher.SetKnown(knownToRules(cfg)), sio.Stderr); err != nil {
		return err
	}

	d, err := openDaemon(ctx, cfg, log, watcher.Current, sio.Stdout)
	if err != nil {
		return unnamed{err}
	}
	defer d.Close()

	o, err := d.wireOps(ctx, watcher)
	if err != nil {
		return unnamed{err}
	}

	log.Info("newswatch started",
		"config", cfg.File, "feeds", len(cfg.Feeds), "rules", len(watcher.Current().Rules()),
		"notifiers", len(cfg.Notifiers), "admin_addr", cfg.Daemon.AdminAddr)
	if err := d.run(ctx, watcher, o); err != nil {
		log.Error("newswatch stopped on an error", "err", err)
		return exit(1, nil)
	}
	log.Info("newswatch stopped")
	return nil
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

// run runs every part of the daemon until ctx is done or one of them fails,
// then stops them all and waits for them.
func (d *daemon) run(ctx context.Context, watcher *rules.Watcher, o *ops) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

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
	d.dispatcherRunning.Store(true)
	start("dispatcher", func(ctx context.Context) error {
		defer d.dispatcherRunning.Store(false)
		return d.dispatcher.Run(ctx)
	})
	start("scheduler", d.scheduler.Run)
	start("rules watcher", watcher.Run)
	start("feed health", o.health.Run)
	start("retention", d.retention().Run)
	if o.srv != nil {
		start("admin server", func(ctx context.Context) error { return o.srv.Serve(ctx, o.ln) })
	}
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				d.log.Info("SIGHUP: reloading rules")
				if err := watcher.Reload(); err != nil {
					d.log.Error("rules not reloaded; the previous rules stay in force", "err", err)
				}
			}
		}
	})

	<-ctx.Done()
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// dispatcherStall is how long the dispatcher may go without reading the
// outbox before /healthz calls it stuck; it reads every few seconds.
const dispatcherStall = time.Minute

// dispatcherAlive reports whether the dispatcher runs and has read the
// outbox lately.
func (d *daemon) dispatcherAlive() bool {
	return d.dispatcherRunning.Load() && time.Since(d.dispatcher.LastRead()) < dispatcherStall
}
