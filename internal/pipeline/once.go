package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
)

// OnceResult is what one run of Once did.
type OnceResult struct {
	// Feeds counts the enabled feeds, FailedFeeds those that were not
	// fetched and read (a feed backing off after failures counts).
	Feeds, FailedFeeds int
	// Undelivered counts the alerts not delivered: still queued when the
	// drain ended, though due, or dead.
	Undelivered int
	// FollowUps counts the later reports of stories already alerted that
	// are queued to go out after the drain, as their batch delay says
	// (see package followup), and NextFollowUp is when the first is due:
	// not undelivered, since the next once (or the daemon) sends them.
	FollowUps    int
	NextFollowUp time.Time
	// Digest counts the alerts waiting for their rule's digest, Snoozed
	// those a snooze set from Slack holds past the drain.
	Digest, Snoozed int
}

// OK reports whether every feed was fetched and every alert delivered.
func (r OnceResult) OK() bool { return r.FailedFeeds == 0 && r.Undelivered == 0 }

// onceReaders is how many read connections Once keeps on SQLite, instead
// of the daemon's four or more: a run reads a few rows a feed, and every
// connection more is its schema parsed, its queries compiled and its page
// cache filled again (BENCHMARKS.md, "once: huge pages for a short run's
// heap").
const onceReaders = 2

// Once polls every enabled feed once, checks the feeds' health as the
// daemon does (so that users who run newswatch from cron hear of a feed
// that failed too long), then delivers the queued alerts, waiting at most
// drain for retries, and prunes item text older than store.retention.
// The error is of the run itself: feeds that failed and alerts that were
// not delivered are counted in the result.
func (p *Pipeline) Once(ctx context.Context, drain time.Duration) (OnceResult, error) {
	p.Store.LimitReaders(onceReaders)
	failures, err := p.Scheduler.RunOnce(ctx)
	if err != nil {
		return OnceResult{}, err
	}
	for _, f := range failures {
		var hold *monitor.HoldError
		if errors.As(f.Err, &hold) {
			p.log.Warn("feed not fetched: backing off", "feed", f.Feed, "until", hold.Until, "last_error", hold.LastError)
		}
	}
	// The pages of the items just recorded, before their alerts are
	// delivered.
	if err := p.Articles.Drain(ctx); err != nil {
		if ctx.Err() != nil {
			return OnceResult{}, err
		}
		p.log.Warn("articles: some items could not be completed; the next run completes them", "err", err)
	}
	if _, err := p.healthChecker().Check(ctx); err != nil {
		p.log.Warn("feed health check failed", "err", err)
	}
	left, err := p.Dispatcher.DrainReport(ctx, time.Now().Add(drain))
	if err != nil {
		return OnceResult{}, err
	}
	// The daemon prunes hourly; a cron-driven once prunes on every run, so
	// that item text is still kept only for store.retention.
	if pr, err := p.Store.Prune(ctx, time.Now().Add(-p.cfg.Store.Retention), 0); err != nil {
		p.log.Warn("pruning old items failed", "err", err)
	} else if pr.Items > 0 || pr.Stories > 0 {
		p.log.Info("pruned old items", "items", pr.Items, "stories", pr.Stories)
	}
	// After the prune, which may have taken items out of the window; not
	// every run: while the stored snapshot is only a few items behind,
	// the next run's start catches up with them for less than writing it.
	p.saveStories(ctx, true)
	res := OnceResult{FailedFeeds: len(failures), Undelivered: left.Undelivered,
		FollowUps: left.FollowUps, NextFollowUp: left.NextFollowUp, Digest: left.Digest, Snoozed: left.Snoozed}
	for _, f := range p.cfg.Feeds {
		if f.Enabled {
			res.Feeds++
		}
	}
	attrs := []any{"feeds", res.Feeds, "failed_feeds", res.FailedFeeds, "undelivered_alerts", res.Undelivered,
		"queued_follow_ups", res.FollowUps}
	if res.FollowUps > 0 {
		attrs = append(attrs, "next_follow_up_at", res.NextFollowUp)
	}
	attrs = append(attrs, "waiting_for_digest", res.Digest, "snoozed", res.Snoozed)
	p.log.Info("once: done", attrs...)
	return res, nil
}

// healthChecker returns the feed-health checker of the configuration,
// which wakes the dispatcher when it queues alerts. The daemon runs it;
// Once checks once after its polls.
func (p *Pipeline) healthChecker() *feedhealth.Checker {
	return &feedhealth.Checker{
		Store:        p.Store,
		Feeds:        p.Scheduler.Configured,
		AlertAfter:   p.cfg.Health.FeedAlertAfter,
		Notify:       p.cfg.Health.Notify,
		Log:          p.log,
		AlertsQueued: func(int) { p.Dispatcher.Wake() },
	}
}

// retention is the daemon's background job that deletes the text of items
// older than store.retention, a batch at a time.
func (p *Pipeline) retention() *store.Pruner {
	return &store.Pruner{Store: p.Store, Retention: p.cfg.Store.Retention, Log: p.log}
}
