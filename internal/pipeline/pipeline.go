// Package pipeline wires newswatch's pipeline from a configuration: the
// database in data_dir with the configured feeds, the poller (fetcher,
// rules, routing, stories), the scheduler and the dispatcher. It also runs
// it: one poll of every feed and a drain of the outbox (`newswatch once`),
// or the daemon (`newswatch run`): every part supervised, with the
// observers that watch them (feed health, metrics, the admin server). The
// bench harness starts from it too, so that what the harness measures is
// what the daemon runs.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/dirlock"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/replica"
	"github.com/newswatch/newswatch/internal/silence"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/story"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// DatabaseFile is the name of the SQLite database in daemon.data_dir.
const DatabaseFile = "newswatch.db"

// Options are what the pipeline needs beyond the configuration.
type Options struct {
	Log *slog.Logger
	// Rules returns the rules in force; each poll takes it once.
	Rules func() *rules.Set
	// Stdout is where console notifiers print.
	Stdout io.Writer
	// Version names the build in the default User-Agent.
	Version string
	// LookupEnv reads the environment when the daemon reloads its
	// configuration file, as the file was first read (os.LookupEnv when
	// nil).
	LookupEnv func(string) (string, bool)
}

// Pipeline is the daemon's parts. The caller runs the scheduler and the
// dispatcher (or polls once and drains), and may hook the poller's OnPoll
// and the dispatcher's OnOutcome before it does.
type Pipeline struct {
	Store      *store.Store
	Poller     *monitor.Poller
	Scheduler  *monitor.Scheduler
	Dispatcher *notify.Dispatcher
	// Articles completes the items of feeds that fetch their pages (the
	// poller's Articles); the daemon runs it, Once drains it.
	Articles *monitor.Articles
	// Silences are the mutes and snoozes in force, which the Dispatcher
	// applies and the Slack listeners and the admin server change.
	Silences *silence.Book
	// Replica is this process among the replicas sharing a PostgreSQL
	// database; nil on SQLite, where one process does everything.
	Replica *replica.Member

	cfg       *config.Config
	lock      *dirlock.Lock // of data_dir; nil with PostgreSQL
	log       *slog.Logger
	version   string
	lookupEnv func(string) (string, bool)
	// dispatcherRunning is true while the daemon's dispatcher runs, which
	// started at dispatcherStarted (unix nanoseconds).
	dispatcherRunning atomic.Bool
	dispatcherStarted atomic.Int64
}

// Open opens the database the configuration names (OpenStore), records
// the configured feeds there and wires the pipeline. With SQLite it first
// takes the lock on data_dir, held until Close: when another process that
// polls and delivers holds it, the error wraps ErrDataDirInUse and names
// that process.
func Open(ctx context.Context, cfg *config.Config, o Options) (*Pipeline, error) {
	lock, err := lockDataDir(cfg, o.Log)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		lock.Release()
		return nil, err
	}
	p, err := wire(ctx, cfg, st, o)
	if err != nil {
		st.Close()
		lock.Release()
		return nil, err
	}
	p.lock = lock
	p.reportCorruption()
	return p, nil
}

// OpenStore opens the database of cfg's [store]: the SQLite file in
// data_dir (both created when missing), or the PostgreSQL database of
// store.dsn.
func OpenStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	if cfg.Store.Driver == config.DriverPostgres {
		return store.OpenPostgres(ctx, cfg.Store.DSN)
	}
	if err := os.MkdirAll(cfg.Daemon.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	return store.Open(ctx, filepath.Join(cfg.Daemon.DataDir, DatabaseFile))
}

// Close closes the database and releases the lock on data_dir.
func (p *Pipeline) Close() error {
	err := p.Store.Close()
	return errors.Join(err, p.lock.Release())
}

// Feeds converts the configured feeds to the feeds the other packages
// take: the one place where config.Feed becomes model.Feed.
func Feeds(configured []config.Feed) []model.Feed {
	feeds := make([]model.Feed, len(configured))
	for i, f := range configured {
		feeds[i] = model.Feed{Name: f.Name, URL: f.URL, Tags: f.Tags, Schedule: f.Schedule, Enabled: f.Enabled,
			Lang: f.Lang, ExpectEvery: f.ExpectEvery, Article: model.ArticleMode(f.Article)}
	}
	return feeds
}

func wire(ctx context.Context, cfg *config.Config, st *store.Store, o Options) (*Pipeline, error) {
	feeds := Feeds(cfg.Feeds)
	if err := st.SyncFeeds(ctx, feeds); err != nil {
		return nil, err
	}

	settings, routes, err := notifiers(cfg, notifierOptions{Stdout: o.Stdout})
	if err != nil {
		return nil, err
	}
	poller := &monitor.Poller{
		Store:    st,
		Fetcher:  Fetcher(cfg, o.Version),
		Rules:    o.Rules,
		Routing:  monitor.Routing{Default: cfg.Notify.Default, Notifiers: routes},
		Backfill: cfg.Daemon.Backfill,
		Backoff:  monitor.Backoff{Max: cfg.Fetch.BackoffMax},
		// New items are grouped into stories as [stories] says.
		Stories: &monitor.Stories{
			Store:      st,
			Options:    StoryOptions(cfg),
			ReplyDelay: cfg.Stories.ReplyDelay,
			Log:        o.Log,
		},
		Log: o.Log,
	}
	scheduler := &monitor.Scheduler{
		Poller:          poller,
		Feeds:           feeds,
		DefaultSchedule: cfg.Daemon.Schedule,
		Concurrency:     cfg.Fetch.Concurrency,
		PerHost:         cfg.Fetch.PerHost,
		Jitter:          cfg.Fetch.Jitter,
		Log:             o.Log,
	}
	disp := newDispatcher(cfg, st, settings)
	disp.Rules = func() []*rules.Rule { return o.Rules().Rules() }
	disp.Log = o.Log
	book := &silence.Book{Store: st, Log: o.Log}
	disp.Silences = book
	poller.AlertsQueued = func(int) { disp.Wake() }
	// Every configuration has the article worker, so that items a
	// previous configuration left pending are completed.
	articles := &monitor.Articles{Poller: poller, Feeds: feeds, Log: o.Log}
	poller.Articles = articles
	p := &Pipeline{Store: st, Poller: poller, Scheduler: scheduler, Dispatcher: disp, Articles: articles, Silences: book,
		cfg: cfg, log: o.Log, version: o.Version, lookupEnv: o.LookupEnv}
	p.shareWork(cfg, st, o.Version)
	return p, nil
}

// Fetcher returns a fetcher with the limits of the configuration's
// [fetch] section, or the fetcher's defaults when cfg is nil; its
// User-Agent names version unless the section gives one.
func Fetcher(cfg *config.Config, version string) *monitor.Fetcher {
	var f config.Fetch
	if cfg != nil {
		f = cfg.Fetch
	}
	userAgent := f.UserAgent
	if userAgent == "" {
		userAgent = monitor.UserAgent(version)
	}
	return monitor.NewFetcher(monitor.FetcherOptions{
		Timeout:             f.Timeout,
		ConnectTimeout:      f.ConnectTimeout,
		TLSHandshakeTimeout: f.ConnectTimeout,
		MaxBodyBytes:        f.MaxBodyBytes,
		MaxPageBytes:        f.ArticleMaxBodyBytes,
		UserAgent:           userAgent,
		// Feeds and article pages share one limit per host.
		PerHost: f.PerHost,
	})
}

// NewLogger returns the logger a [log] section asks for, writing to w.
func NewLogger(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level}
	if cfg.Format == config.FormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// StoryOptions are the story index's options as [stories] configures them:
// the daemon's, and those of the commands that replay its grouping.
func StoryOptions(cfg *config.Config) story.Options {
	return story.Options{Window: cfg.Stories.Window, Threshold: cfg.Stories.Threshold, MaxItems: cfg.Stories.MaxItems}
}
