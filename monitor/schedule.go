package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/store"
)

// Defaults of Scheduler.
const (
	DefaultSchedule    = "@every 5m"
	DefaultConcurrency = 16
	DefaultPerHost     = 2
	DefaultStartSpread = 5 * time.Second
	// heartbeatEvery is how often a running scheduler proves it is alive.
	heartbeatEvery = 15 * time.Second
)

// Scheduler polls feeds on their cron schedules through a bounded worker
// pool: at most Concurrency polls at once, and at most PerHost at once to one
// host. A feed is never polled twice at once: a firing that finds the feed
// still queued or running is skipped. A feed that is backing off is skipped
// until its next attempt is due (see Poller.Poll).
//
// Schedules are robfig/cron/v3 specs as ParseSchedule reads them: the
// five-field form (minute hour day-of-month month day-of-week), optionally
// with a CRON_TZ= prefix, and descriptors (@hourly, @daily, @every 10m, …).
// There is no seconds field.
type Scheduler struct {
	// Poller polls one feed. Required.
	Poller *Poller
	// Feeds are the configured feeds when Run or RunOnce starts; SetFeeds
	// replaces them while the scheduler runs. All are recorded in the
	// store (so their state and history are kept); only enabled ones are
	// polled.
	Feeds []model.Feed
	// DefaultSchedule applies to feeds whose Schedule is ""
	// (DefaultSchedule).
	DefaultSchedule string
	// Concurrency limits polls in flight in all (DefaultConcurrency).
	Concurrency int
	// PerHost limits polls in flight to one host of a feed's configured
	// URL (DefaultPerHost).
	PerHost int
	// Jitter is the largest random delay added to each scheduled poll, so
	// feeds sharing a schedule do not fire at the same instant. It is cut
	// to a tenth of the feed's interval. Zero adds none.
	Jitter time.Duration
	// StartSpread spreads the first poll of every feed, at start, over
	// this long (DefaultStartSpread).
	StartSpread time.Duration
	// Log receives the scheduler's own events (nothing when nil).
	Log *slog.Logger
	// Rand returns a random number in [0, 1) (math/rand/v2's Float64). It
	// must be safe for concurrent use.
	Rand func() float64
	// Shared, when set, makes Run share the feeds with the other replicas
	// of the database: due times and claims in the store instead of cron
	// in memory (see Shared). RunOnce polls every feed itself either way.
	Shared *Shared

	// after waits for d (time.After); tests replace it.
	after func(d time.Duration) <-chan time.Time

	running   atomic.Bool
	heartbeat atomic.Int64 // unix nanoseconds of the last beat

	mu    sync.Mutex   // guards the fields below
	feeds []model.Feed // the feeds in force once SetFeeds was called
	set   bool         // SetFeeds was called: feeds, not Feeds, are in force
	live  *live        // while Run schedules
	// shared holds the enabled feeds by name while Run shares them with
	// other replicas (see Shared).
	shared map[string]scheduled
}

// Failure is a feed that RunOnce could not poll.
type Failure struct {
	Feed string
	Err  error
}

// HoldError is the error of a feed that RunOnce left alone because it is
// backing off after failing.
type HoldError struct {
	Feed      string
	Until     time.Time
	LastError string
}

// Error says until when the feed is held and why.
func (e *HoldError) Error() string {
	return fmt.Sprintf("feed %q is backing off until %s after failing: %s",
		e.Feed, e.Until.Format(time.RFC3339), e.LastError)
}

// scheduled is an enabled feed with its parsed schedule and pool key.
type scheduled struct {
	feed     model.Feed
	spec     string // the schedule in force: the feed's, else the default
	schedule cron.Schedule
	host     string
}

// Run polls every enabled feed soon after start, spread over StartSpread,
// and then on its schedule, until ctx is done. With Shared set, the first
// poll of a feed that other replicas have polled already is the one its
// schedule says. Then it stops scheduling,
// drops polls not yet started, and waits for the running ones, which see
// ctx done and roll back. It returns nil after a clean stop, or an error
// when a schedule is invalid or the store cannot record the feeds.
func (s *Scheduler) Run(ctx context.Context) error {
	feeds, err := s.prepare(ctx)
	if err != nil {
		return err
	}
	if s.Shared != nil {
		return s.runShared(ctx, feeds)
	}
	l := &live{
		ctx:     ctx,
		pool:    newPool(s.concurrency(), s.perHost()),
		states:  newRoundStates(s.Poller.Store, s.logger()),
		cron:    cron.New(cron.WithLogger(cronLogger{s.logger()})),
		entries: make(map[string]*entry, len(feeds)),
	}
	// A round's saves are made when its polls are done: when the pool
	// has nothing left to run.
	l.pool.onIdle = func() {
		l.states.flush(ctx)
		l.states.forget()
	}
	s.mu.Lock()
	for _, sf := range feeds {
		s.schedule(l, sf)
	}
	s.live = l
	s.mu.Unlock()
	s.beat()
	l.cron.Schedule(cron.Every(heartbeatEvery), cron.FuncJob(s.beat))

	s.running.Store(true)
	defer s.running.Store(false)
	s.logger().Info("scheduler started", "feeds", len(feeds), "concurrency", s.concurrency(), "per_host", s.perHost())
	l.cron.Start()
	l.starting.Go(func() { s.start(ctx, l, feeds) })

	<-ctx.Done()
	s.mu.Lock()
	s.live = nil // SetFeeds starts nothing more
	s.mu.Unlock()
	<-l.cron.Stop().Done()
	l.starting.Wait()
	l.pool.drop()
	l.pool.wait()
	l.states.flush(ctx)
	s.logger().Info("scheduler stopped")
	return nil
}

// RunOnce polls every enabled feed once through the same pool and limits as
// Run, and returns the feeds that failed, by name. A feed that is backing
// off is not fetched; it is reported with a *HoldError. The error is
// ctx's when it ended the run early, or the setup's.
//
// The feeds' states are read in one query before the polls start, and the
// states of the polls that find nothing new are saved together, in one
// transaction at the end (or per maxPendingSaves): see roundStates.
func (s *Scheduler) RunOnce(ctx context.Context) ([]Failure, error) {
	feeds, err := s.prepare(ctx)
	if err != nil {
		return nil, err
	}
	rs := newRoundStates(s.Poller.Store, s.logger())
	names := make([]string, len(feeds))
	for i, sf := range feeds {
		names[i] = sf.feed.Name
	}
	if err := rs.load(ctx, names); err != nil {
		// Each poll reads its own.
		s.logger().Warn("reading the feeds' states failed; reading each at its poll", "error", err)
	}
	p := newPool(s.concurrency(), s.perHost())
	var (
		mu       sync.Mutex
		failures []Failure
	)
	for _, sf := range feeds {
		p.submit(ctx, sf.feed.Name, sf.host, func(ctx context.Context) {
			res, err := s.safePoll(ctx, sf.feed, rs.take(sf.feed.Name), rs)
			if err == nil && res.Held {
				err = &HoldError{Feed: sf.feed.Name, Until: res.NextAttemptAt, LastError: res.LastError}
			}
			if err != nil {
				mu.Lock()
				failures = append(failures, Failure{Feed: sf.feed.Name, Err: err})
				mu.Unlock()
			}
		})
	}
	p.wait()
	rs.flush(ctx)
	slices.SortFunc(failures, func(a, b Failure) int { return strings.Compare(a.Feed, b.Feed) })
	return failures, ctx.Err()
}

// Alive reports whether Run is running and its scheduling loop has beaten
// recently; for a health check.
func (s *Scheduler) Alive() bool {
	if !s.running.Load() {
		return false
	}
	last := time.Unix(0, s.heartbeat.Load())
	return time.Since(last) < 3*heartbeatEvery
}

func (s *Scheduler) beat() { s.heartbeat.Store(time.Now().UnixNano()) }

// prepare checks every feed's schedule, records the configured feeds in the
// store, and returns the enabled ones.
func (s *Scheduler) prepare(ctx context.Context) ([]scheduled, error) {
	if s.Poller == nil || s.Poller.Store == nil {
		return nil, errors.New("monitor: scheduler without a Poller and its Store")
	}
	feeds := s.Configured()
	out, err := s.parse(feeds)
	if err != nil {
		return nil, err
	}
	if err := s.Poller.Store.SyncFeeds(ctx, feeds); err != nil {
		return nil, fmt.Errorf("recording the configured feeds: %w", err)
	}
	return out, nil
}

// parse checks the schedule of every enabled feed of feeds, and returns
// them with their schedules parsed.
func (s *Scheduler) parse(feeds []model.Feed) ([]scheduled, error) {
	var (
		out  []scheduled
		errs []error
	)
	for _, f := range feeds {
		if !f.Enabled {
			continue
		}
		spec := f.Schedule
		if spec == "" {
			spec = s.DefaultSchedule
		}
		if spec == "" {
			spec = DefaultSchedule
		}
		sched, err := ParseSchedule(spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("feed %q: schedule %q: %w", f.Name, spec, err))
			continue
		}
		out = append(out, scheduled{feed: f, spec: spec, schedule: sched, host: hostKey(f.URL)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// start submits every feed's first poll to l's pool, spreading them over
// StartSpread.
func (s *Scheduler) start(ctx context.Context, l *live, feeds []scheduled) {
	spread := s.StartSpread
	if spread <= 0 {
		spread = DefaultStartSpread
	}
	begin := time.Now()
	for i, sf := range feeds {
		at := time.Duration(int64(spread) * int64(i) / int64(len(feeds)))
		if wait := at - time.Since(begin); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-s.wait(wait):
			}
		}
		s.submit(ctx, l, sf)
	}
}

// submit hands one firing of a feed to the pool of l.
func (s *Scheduler) submit(ctx context.Context, l *live, sf scheduled) {
	if !l.pool.submit(ctx, sf.feed.Name, sf.host, func(ctx context.Context) { s.pollLive(ctx, l, sf.feed) }) && ctx.Err() == nil {
		s.logger().Debug("poll skipped: the feed's previous poll is still queued or running", "feed", sf.feed.Name)
	}
}

// pollLive runs one scheduled poll of Run from the state read for it with
// those of the polls queued behind it: the first poll of a batch that
// finds no state read for it reads its own and theirs in one query (see
// roundStates).
func (s *Scheduler) pollLive(ctx context.Context, l *live, f model.Feed) {
	st := l.states.take(f.Name)
	if st == nil && ctx.Err() == nil {
		names := append([]string{f.Name}, l.pool.queued(maxPendingSaves-1)...)
		if err := l.states.load(ctx, names); err != nil && ctx.Err() == nil {
			s.logger().Warn("reading the states of due feeds failed; reading each at its poll", "error", err)
		}
		st = l.states.take(f.Name)
	}
	s.poll(ctx, f, st, l.states)
}

// poll runs one scheduled poll from st, its state read with others (nil:
// read at the poll), saving it with rs when it needs no transaction of its
// own (nil: at once). The Poller has already logged a failed fetch or
// parse.
func (s *Scheduler) poll(ctx context.Context, f model.Feed, st *store.FeedState, rs *roundStates) {
	res, err := s.safePoll(ctx, f, st, rs)
	var fe *FetchError
	switch {
	case ctx.Err() != nil:
		s.logger().Debug("poll abandoned: stopping", "feed", f.Name)
	case errors.As(err, &fe):
	case err != nil && s.Poller.Store.NoteCorrupt(err):
		// The store reports a damaged database once (OnCorrupt); every
		// poll it then fails is for the debug log.
		s.logger().Debug("poll failed: the database is corrupt", "feed", f.Name, "error", Cause(err))
	case err != nil:
		s.logger().Error("poll failed", "feed", f.Name, "url", redact.URL(f.URL), "error", redact.Text(Cause(err), f.URL))
	case res.Held:
		s.logger().Debug("poll skipped: backing off", "feed", f.Name, "held_until", res.NextAttemptAt)
	}
}

// safePoll polls f from its state st, read with its round's (nil: read at
// the poll), saving a state that needs no transaction of its own with rs
// (nil: at once), and turns a panic into an error, so that one hostile
// document cannot stop the daemon; the poll's transaction is rolled back on
// the way out.
func (s *Scheduler) safePoll(ctx context.Context, f model.Feed, st *store.FeedState, rs *roundStates) (res PollResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.logger().Error("poll panicked", "feed", f.Name, "url", redact.URL(f.URL), "panic", v, "stack", string(debug.Stack()))
			err = &pollError{f.Name, fmt.Errorf("poll panicked: %v", v)}
		}
	}()
	return s.Poller.pollWith(ctx, f, st, rs)
}

// hostKey is the pool's per-host key of a feed URL.
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func (s *Scheduler) concurrency() int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return DefaultConcurrency
}

func (s *Scheduler) perHost() int {
	if s.PerHost > 0 {
		return s.PerHost
	}
	return DefaultPerHost
}

func (s *Scheduler) rand() float64 {
	if s.Rand != nil {
		return s.Rand()
	}
	return rand.Float64()
}

func (s *Scheduler) wait(d time.Duration) <-chan time.Time {
	if s.after != nil {
		return s.after(d)
	}
	return time.After(d)
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return discardLog
}

// jittered is a cron schedule whose every time is delayed by a random part
// of max, cut to a tenth of the interval to the following time so that the
// delayed time never passes it.
type jittered struct {
	inner cron.Schedule
	max   time.Duration
	rand  func() float64
}

// Next returns the next activation time after t, jittered.
func (j jittered) Next(t time.Time) time.Time {
	next := j.inner.Next(t)
	if next.IsZero() || j.max <= 0 {
		return next
	}
	limit := min(j.max, j.inner.Next(next).Sub(next)/10)
	if limit <= 0 {
		return next
	}
	return next.Add(time.Duration(j.rand() * float64(limit)))
}

// cronLogger passes robfig/cron's errors (a panicking job) to slog; its
// routine messages are dropped.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(string, ...any) {}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.log.Error("cron: "+msg, append([]any{"error", err}, keysAndValues...)...)
}
