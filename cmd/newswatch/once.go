package main

import (
	"context"
	"errors"
	"time"

	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	register("once", "poll every feed once, deliver the alerts, exit", cmdOnce)
}

const onceDescription = `
Polls every enabled feed once, then delivers the queued alerts, waiting at
most -drain for retries (a rate limit, a destination that is down). For
running newswatch from cron or by hand; it shares the database with 'run'.
A feed that is backing off after failures (or asked to wait with
Retry-After) is not fetched and counts as failed.

Exit status: 0 when every feed was fetched and every alert delivered; 2 when
some feed failed or some alert was not delivered (still queued, or dead:
see 'newswatch alerts list'); 1 when the configuration or the rules are
invalid.
`

func cmdOnce(ctx context.Context, args []string, sio *IO) error {
	fs := newFlagSet("once", "once [-config FILE] [-drain 30s]", onceDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	drain := fs.Duration("drain", 30*time.Second, "how long to wait for alerts that must be retried")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *drain < 0 {
		return usageError("-drain must not be negative")
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, sio.Stderr)
	set, diags := loadRules(cfg)
	if set, err = rulesOrError(set, diags, sio.Stderr); err != nil {
		return err
	}

	d, err := openDaemon(ctx, cfg, log, func() *rules.Set { return set }, sio.Stdout)
	if err != nil {
		return unnamed{err}
	}
	defer d.Close()

	failures, err := d.scheduler.RunOnce(ctx)
	if err != nil {
		return unnamed{err}
	}
	for _, f := range failures {
		var hold *monitor.HoldError
		if errors.As(f.Err, &hold) {
			log.Warn("feed not fetched: backing off", "feed", f.Feed, "until", hold.Until, "last_error", hold.LastError)
		}
	}
	// A feed that has failed (or stayed quiet) too long is alerted about
	// like in the daemon, so cron-driven users hear of it too.
	if _, err := d.healthChecker().Check(ctx); err != nil {
		log.Warn("feed health check failed", "err", err)
	}
	undelivered, err := d.dispatcher.Drain(ctx, time.Now().Add(*drain))
	if err != nil {
		return unnamed{err}
	}
	// The daemon prunes hourly; a cron-driven once prunes on every run, so
	// that item text is still kept only for store.retention.
	if pr, err := d.store.Prune(ctx, time.Now().Add(-cfg.Store.Retention), 0); err != nil {
		log.Warn("pruning old items failed", "err", err)
	} else if pr.Items > 0 || pr.Stories > 0 {
		log.Info("pruned old items", "items", pr.Items, "stories", pr.Stories)
	}
	enabled := 0
	for _, f := range cfg.Feeds {
		if f.Enabled {
			enabled++
		}
	}
	log.Info("once: done", "feeds", enabled, "failed_feeds", len(failures), "undelivered_alerts", undelivered)
	if len(failures) > 0 || undelivered > 0 {
		return exit(2, nil)
	}
	return nil
}
