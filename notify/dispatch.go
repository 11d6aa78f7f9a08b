package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// Outbox is the part of the store the Dispatcher works on; *store.Store
// implements it.
type Outbox interface {
	DueAlertsAfter(ctx context.Context, now time.Time, after int64, limit int) ([]*model.Alert, int64, error)
	DueAlertIDs(ctx context.Context, since, now time.Time) ([]int64, error)
	DueAlertsIn(ctx context.Context, now time.Time, ids []int64) ([]*model.Alert, error)
	AlertsIn(ctx context.Context, ids []int64) ([]*model.Alert, error)
	DueFollowUps(ctx context.Context, now time.Time, parents []int64) ([]*model.Alert, error)
	DigestRules(ctx context.Context) ([]string, error)
	PendingDigest(ctx context.Context, rule string) ([]*model.Alert, error)
	MarkDelivered(ctx context.Context, id int64, at time.Time, remoteID, remoteChannel string) error
	MarkDeliveredMany(ctx context.Context, ids []int64, at time.Time, remoteID, remoteChannel string) error
	MarkRetry(ctx context.Context, id int64, next time.Time, errMsg string) error
	MarkDead(ctx context.Context, id int64, at time.Time, reason string) error
	MarkFailed(ctx context.Context, id int64, at time.Time, reason string) error
	Alerts(ctx context.Context, f store.AlertFilter) ([]*model.Alert, error)
}

// DestinationLeases are leases, one per destination, that several
// processes sharing the outbox take so that one at a time sends to each
// destination; *replica.Leases implements them.
type DestinationLeases interface {
	// Take takes the lease name, or confirms that this process holds it,
	// and returns until when sending under it is safe; ok is false when
	// another process holds it.
	Take(ctx context.Context, name string) (until time.Time, ok bool, err error)
	// Until returns until when sending under the lease name is safe, or
	// the zero time when this process does not hold it (any more).
	Until(name string) time.Time
	// Keep renews the leases held until ctx is done, then gives them up.
	Keep(ctx context.Context)
}

// LeaseName is the name of the lease of a destination: the notifier's
// name and, for a notifier that chooses a channel per message, the
// channel, as "notifier/channel".
func LeaseName(notifier, channel string) string { return notifier + "/" + channel }

// Limit is the pace of one destination: at most Rate messages a second on
// average, with bursts of up to Burst. A Rate of 0 means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// Settings are one configured notifier as the Dispatcher sends through
// it, built once from the configuration (by package pipeline).
type Settings struct {
	// Notifier sends the messages; alerts name it by its Name.
	Notifier Notifier
	// Limit paces each of its destinations (each channel of a Slack bot,
	// on its own); the zero Limit sends unpaced.
	Limit Limit
	// StoryUpdates is what later reports of a story become there (see
	// package followup): with followup.Thread, follow-ups of an alert
	// whose message is known reply in its thread.
	StoryUpdates followup.Mode
	// ReplyBroadcast says whether replies in an alert's thread are also
	// sent to the channel; nil leaves it to each rule (see
	// followup.Broadcast).
	ReplyBroadcast *bool
}

// Defaults of the Dispatcher's settings, used where a field is zero.
const (
	DefaultMaxAge        = 24 * time.Hour
	DefaultFoldThreshold = 10
	DefaultRetryMin      = 5 * time.Second
	DefaultRetryMax      = 10 * time.Minute
	DefaultPollInterval  = 2 * time.Second
	DefaultStopTimeout   = 10 * time.Second
	DefaultLeaseRetry    = 10 * time.Second
)

// Results of a delivery attempt, as Outcome.Result.
const (
	ResultDelivered = "delivered"
	ResultRetry     = "retry"
	ResultDead      = "dead"
	// ResultMuted: a mute settled the alerts without sending them.
	ResultMuted = "muted"
	// ResultHeld: a snooze held the alerts back until it ends.
	ResultHeld = "held"
)

// Outcome describes the end of one delivery attempt (or an alert given up
// without one), for metrics.
type Outcome struct {
	Notifier string
	Channel  string
	Rule     string
	Kind     Kind
	Alerts   int
	Result   string // ResultDelivered, ResultRetry, ResultDead, ResultMuted or ResultHeld
	Reason   string // see Reason; "expired", "unknown_notifier" for alerts given up unsent
}

// Dispatcher drains the store's outbox: it sends every queued alert through
// its notifier and records the result.
//
// Each destination (a notifier and, for Slack bots, a channel) has its own
// queue and worker, so that a slow or failing destination never delays
// another. A destination sends its alerts in order, paced by its Limit. A
// failure the notifier calls retryable holds the destination and is retried
// with exponential backoff and jitter (RetryMin doubling up to RetryMax); a
// rate limit pauses the destination for as long as Retry-After says. A
// permanent failure, or an alert still undelivered MaxAge after it was
// queued, becomes a dead letter: kept in the store, logged at error level,
// listed by `newswatch alerts list -failed`, requeued by `alerts retry`.
// When more than FoldThreshold alerts of one rule wait for one destination
// at once (a restart after an outage, a new feed's backlog), they are sent
// as one summary message. Rules with a digest schedule have their alerts
// collected and sent as one message at the scheduled times.
//
// An alert is recorded as delivered only after its notifier reported
// success, with the Slack message's ts and channel. A crash therefore never
// loses an alert: what was not recorded is sent again on restart. The one
// window where a message can be duplicated is between the destination
// accepting it and the store recording that (a crash or kill there, or a
// request that times out after the destination accepted it). The window is
// kept to one message per destination: a destination has at most one
// message in flight, and its result is recorded before the next is sent;
// when the store cannot record a delivery (a full disk), the destination
// sends nothing more and retries the record until it is written or Run
// stops.
// A summary or digest covering many alerts is recorded in one transaction.
// Generic webhooks carry a delivery ID (X-Newswatch-Delivery), the same on
// every retry, that receivers can use to drop such a duplicate.
//
// Set the fields before calling Run or Drain and do not change them after.
// Run and Drain must not run at the same time; Wake may be called from any
// goroutine, at any time.
type Dispatcher struct {
	// Store is the outbox; required.
	Store Outbox
	// Notifiers are the configured notifiers with their settings, each
	// name once; required. An alert for a notifier that is not here
	// becomes a dead letter.
	Notifiers []Settings
	// Rules returns the current rules, for their digest schedules and
	// their reply_broadcast; nil means no digests.
	Rules func() []*rules.Rule
	// MaxAge is how long an alert may wait undelivered before it becomes a
	// dead letter; zero means DefaultMaxAge.
	MaxAge time.Duration
	// FoldThreshold is how many alerts of one rule may wait for one
	// destination before they are folded into a summary; zero means
	// DefaultFoldThreshold, negative never folds.
	FoldThreshold int
	// RetryMin and RetryMax bound the backoff between attempts; zero means
	// DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
	// PollInterval is how often the outbox is read when nobody calls Wake;
	// zero means DefaultPollInterval.
	PollInterval time.Duration
	// StopTimeout bounds how long sends under way may take to finish once
	// Run's context is cancelled; zero means DefaultStopTimeout.
	StopTimeout time.Duration
	// Location is the time zone of digest schedules without CRON_TZ; nil
	// means time.Local.
	Location *time.Location
	// Log receives delivery events; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now. Tests inject theirs.
	Now func() time.Time
	// OnOutcome, when set, is called after every attempt, from the
	// destination's worker; it must not block.
	OnOutcome func(Outcome)
	// Silences, when set, is asked about every alert before it is sent: an
	// alert a mute covers is settled without being sent, one a snooze
	// covers is held back until the snooze ends, and then sent with the
	// rest of what the snooze held as one summary (see package silence).
	Silences Silencer

	// Leases, when set, shares the outbox with other processes (replicas
	// on one PostgreSQL database), each of which runs a Dispatcher: a
	// destination sends only while this process holds its lease, named
	// by LeaseName. Every process reads the whole outbox; a destination
	// whose lease another process holds drops what it read and tries
	// again after LeaseRetry; one that takes its lease reads its due
	// alerts afresh, and waits one pace interval before its first send,
	// so that the pace and order of the destination hold across the
	// processes. Sends stop before the lease could end (a send under way
	// is cut off then, and its alerts stay queued). Run keeps the leases
	// (DestinationLeases.Keep) and gives them up when it returns.
	Leases DestinationLeases
	// LeaseRetry is how long a destination whose lease another process
	// holds waits before trying to take it again; zero means
	// DefaultLeaseRetry.
	LeaseRetry time.Duration

	once   sync.Once
	wake   chan struct{}
	byName map[string]*Settings // Notifiers by name

	mu       sync.Mutex
	limiters map[destKey]*rate.Limiter // by destination, kept across Run and Drain calls

	lastRead atomic.Int64 // unix nanoseconds of the last successful read of the outbox

	// recordRetry is the first wait before writing a result to the store
	// again after it failed; it doubles on each try up to recordRetryMax.
	// Zero means 50ms and 10s.
	recordRetry, recordRetryMax time.Duration
}

// fillBatch is how many new due alerts one read of the outbox takes at
// most; a full batch is followed by another read at once.
const fillBatch = 1000

// wholeJobs is how many jobs at the head of a destination's queue keep
// their alerts whole. The alerts of the jobs behind them keep only what
// ordering, folding and expiry look at; their text (title, link, summary,
// hits…) is read again from the outbox when their job reaches the head. A
// backlog (a long outage, a burst of matches to one channel) then holds
// a few hundred bytes an alert in memory instead of its whole snapshot.
const wholeJobs = 200

// fillGap is the least time between two reads of the outbox prompted by
// Wake: a burst of polls committing alerts is read in one go.
const fillGap = 50 * time.Millisecond

// sweepOverlap is how far back before the last sweep the next sweep of the
// outbox looks (see runner.fill), so that an alert requeued by another
// process whose commit came a moment after its due time is still found.
const sweepOverlap = 5 * time.Second

// fullSweepEvery is every how many sweeps one looks at every due alert,
// whatever its due time: what no other read finds (an alert whose parent
// another process delivered) waits no longer than that.
const fullSweepEvery = 30

// digestRefresh is how often pending digests are looked at again when
// nothing else prompts it (an `alerts retry` from another process).
const digestRefresh = time.Minute

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		d.limiters = map[destKey]*rate.Limiter{}
	})
}

// limiter returns the rate limiter of a destination, or nil for none. A
// destination keeps its limiter for the Dispatcher's life, so that a second
// Drain does not start with a full burst.
func (d *Dispatcher) limiter(lim Limit, key destKey) *rate.Limiter {
	if lim.Rate <= 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(lim.Rate), max(lim.Burst, 1))
		d.limiters[key] = l
	}
	return l
}

// Wake makes a running Dispatcher read the outbox now instead of at its
// next poll; the poller calls it after committing new alerts. It never
// blocks.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// LastRead returns when Run or Drain last read the outbox successfully, by
// the Dispatcher's clock, or the zero time if never. A health check can
// compare it with PollInterval: a dispatcher that stopped reading is stuck
// or gone.
func (d *Dispatcher) LastRead() time.Time {
	if ns := d.lastRead.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Run delivers alerts until ctx is cancelled, then lets sends under way
// finish (at most StopTimeout; cut off, they stay queued) and returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	if err := d.check(); err != nil {
		return err
	}
	r := d.start(ctx)
	defer d.keepLeases(ctx)()
	defer r.stop()
	ticker := time.NewTicker(d.pollInterval())
	defer ticker.Stop()
	gap := time.NewTimer(0)
	defer gap.Stop()
	sweep := false
	for {
		last := time.Now()
		r.fill(sweep)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			r.nudge()
			sweep = true
			continue
		case <-d.wake:
		case <-r.refill:
		}
		// Prompted by a poll or a delivery: wait a little for more of
		// them, so that a burst is read once.
		sweep = false
		gap.Reset(fillGap - time.Since(last))
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			r.nudge()
			sweep = true
		case <-gap.C:
		}
	}
}

// Drain delivers everything due and the digests that are due, attempting
// whatever can be attempted before deadline: first attempts, retries whose
// backoff or Retry-After ends by then, and sends the rate limit allows by
// then. It returns once nothing more can be done before deadline, with how
// many alerts were not delivered: those still queued (digest alerts whose
// digest is not yet due, follow-ups collecting their batch and alerts a
// snooze holds past deadline aside) and those that became dead letters
// during the drain. DrainReport says more.
func (d *Dispatcher) Drain(ctx context.Context, deadline time.Time) (undelivered int, err error) {
	rep, err := d.DrainReport(ctx, deadline)
	return rep.Undelivered, err
}

// keepLeases keeps the destinations' leases (see Leases) until the
// function it returns is called, after the last send under them was
// recorded; that function gives them up and returns once they are.
func (d *Dispatcher) keepLeases(ctx context.Context) func() {
	if d.Leases == nil {
		return func() {}
	}
	keepCtx, stopKeeping := context.WithCancel(context.WithoutCancel(ctx))
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		d.Leases.Keep(keepCtx)
	}()
	return func() {
		stopKeeping()
		<-kept
	}
}

// DrainReport is what a drain left behind.
type DrainReport struct {
	// Undelivered counts the alerts not delivered: still queued when the
	// drain ended, though due, or dead letters of the drain.
	Undelivered int
	// FollowUps counts the follow-ups still queued that are not late:
	// collecting their batch until after the deadline (package followup).
	// NextFollowUp is when the first of them is due.
	FollowUps    int
	NextFollowUp time.Time
	// Digest counts the alerts waiting for their rule's digest.
	Digest int
	// Snoozed counts the alerts a snooze holds past the deadline.
	Snoozed int
}

// DrainReport drains as Drain does and reports what is left: the alerts
// not delivered, and apart from them the follow-ups, digest alerts and
// snoozed alerts that wait, as they should, to be sent later. It is `newswatch once -drain`.
func (d *Dispatcher) DrainReport(ctx context.Context, deadline time.Time) (DrainReport, error) {
	if err := d.check(); err != nil {
		return DrainReport{}, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	r := d.start(runCtx)
	stopLeases := d.keepLeases(ctx)
	ticker := time.NewTicker(d.pollInterval())
	defer ticker.Stop()
	for {
		found := r.fill(true)
		if ctx.Err() != nil {
			break
		}
		if found == 0 && !r.busyBefore(deadline) {
			next, ok, err := d.nextQueued(ctx, r)
			if err != nil {
				cancel()
				r.stop()
				stopLeases()
				return DrainReport{}, err
			}
			if !ok || next.After(deadline) {
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
			r.nudge()
		case <-r.changed:
		case <-r.refill:
		case <-d.wake:
		}
	}
	cancel()
	r.stop()
	stopLeases()
	queued, err := d.Store.Alerts(context.WithoutCancel(ctx), store.AlertFilter{Status: model.StatusQueued})
	if err != nil {
		return DrainReport{}, fmt.Errorf("notify: count undelivered alerts: %w", err)
	}
	var rep DrainReport
	r.mu.Lock()
	rep.Undelivered = r.dead
	r.mu.Unlock()
	for _, a := range queued {
		switch {
		case r.heldAtStop[a.ID]:
			rep.Undelivered++
		case a.Digest:
			rep.Digest++
		case scheduledAfter(a, deadline):
			rep.FollowUps++
			if rep.NextFollowUp.IsZero() || a.NextAttemptAt.Before(rep.NextFollowUp) {
				rep.NextFollowUp = a.NextAttemptAt
			}
		case snoozedPast(a, deadline):
			rep.Snoozed++
		default:
			rep.Undelivered++
		}
	}
	return rep, nil
}

// scheduledAfter reports whether a queued alert is first due after
// deadline and was never tried: a follow-up collecting its batch, which is
// not late.
func scheduledAfter(a *model.Alert, deadline time.Time) bool {
	return a.Attempts == 0 && a.ParentID != 0 && a.QueuedAt.After(deadline)
}

// snoozedPast reports whether a queued alert is held back by a snooze
// that ends after deadline: not late either.
func snoozedPast(a *model.Alert, deadline time.Time) bool {
	return a.SilenceID != 0 && a.NextAttemptAt.After(deadline)
}

// nextQueued returns the earliest next attempt of the queued alerts that
// are not held in memory and not waiting for a digest.
func (d *Dispatcher) nextQueued(ctx context.Context, r *runner) (time.Time, bool, error) {
	queued, err := d.Store.Alerts(ctx, store.AlertFilter{Status: model.StatusQueued})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("notify: read queued alerts: %w", err)
	}
	var next time.Time
	found := false
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range queued {
		if a.Digest || r.held[a.ID] || r.ended(a.ID) {
			continue
		}
		if !found || a.NextAttemptAt.Before(next) {
			next, found = a.NextAttemptAt, true
		}
	}
	return next, found, nil
}

func (d *Dispatcher) check() error {
	if d.Store == nil {
		return errors.New("notify: Dispatcher without a Store")
	}
	if len(d.Notifiers) == 0 {
		return errors.New("notify: Dispatcher without Notifiers")
	}
	byName := make(map[string]*Settings, len(d.Notifiers))
	for i := range d.Notifiers {
		s := &d.Notifiers[i]
		if s.Notifier == nil {
			return fmt.Errorf("notify: Dispatcher.Notifiers[%d] without a Notifier", i)
		}
		name := s.Notifier.Name()
		if byName[name] != nil {
			return fmt.Errorf("notify: two notifiers named %q", name)
		}
		byName[name] = s
	}
	d.init()
	d.byName = byName
	return nil
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Dispatcher) maxAge() time.Duration   { return orDefault(d.MaxAge, DefaultMaxAge) }
func (d *Dispatcher) retryMin() time.Duration { return orDefault(d.RetryMin, DefaultRetryMin) }
func (d *Dispatcher) retryMax() time.Duration { return orDefault(d.RetryMax, DefaultRetryMax) }
func (d *Dispatcher) pollInterval() time.Duration {
	return orDefault(d.PollInterval, DefaultPollInterval)
}
func (d *Dispatcher) stopTimeout() time.Duration { return orDefault(d.StopTimeout, DefaultStopTimeout) }
func (d *Dispatcher) leaseRetry() time.Duration  { return orDefault(d.LeaseRetry, DefaultLeaseRetry) }
func (d *Dispatcher) recordBackoff(attempt int) time.Duration {
	limit := orDefault(d.recordRetryMax, 10*time.Second)
	b := orDefault(d.recordRetry, 50*time.Millisecond) << min(attempt, 30)
	if b <= 0 || b > limit {
		return limit
	}
	return b
}

// orDefault returns v, or def when v is not positive.
func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func (d *Dispatcher) foldThreshold() int {
	if d.FoldThreshold == 0 {
		return DefaultFoldThreshold
	}
	return d.FoldThreshold
}

func (d *Dispatcher) location() *time.Location {
	if d.Location != nil {
		return d.Location
	}
	return time.Local
}

// backoff returns the wait before the next attempt after a failure of an
// alert that had failed attempts before: RetryMin doubled per attempt up to
// RetryMax, with "equal jitter" (half fixed, half random) so that
// destinations that failed together do not retry together.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.retryMin() << min(attempts, 30)
	if b <= 0 || b > d.retryMax() {
		b = d.retryMax()
	}
	return b/2 + rand.N(b/2+1)
}
