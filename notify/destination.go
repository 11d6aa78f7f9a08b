package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/newswatch/newswatch/internal/model"
)

// destination is where the messages of one notifier and channel go: a FIFO
// of jobs, worked by one goroutine, paced by a rate limiter. A job that
// fails with a retryable error stays at the head and holds the destination
// until its next attempt, so that alerts go out in order; other
// destinations are not affected.
type destination struct {
	r        *runner
	n        Notifier
	notifier string
	channel  string
	limiter  *rate.Limiter // nil: no limit
	signal   chan struct{}
	// lease names the destination's lease when the Dispatcher shares the
	// outbox with other processes (Dispatcher.Leases); "" otherwise.
	lease string
	// tryAt is when to try to take the lease next; worker only.
	tryAt time.Time

	// Guarded by r.mu, since push checks them under it as the fill that
	// pushes is counted (r.epoch): leased is set while this process holds
	// the lease; resync is the count of the last fill that began before
	// it took the lease. What such a fill read may be stale (another
	// process may have sent it since), and is dropped.
	leased bool
	resync uint64

	mu    sync.Mutex
	queue []*job
	// oldest is at most the earliest time an alert of the queue counts
	// its MaxAge from (job.since), when bounded: expire scans the queue
	// only once that time is MaxAge past. push lowers it for every job it
	// queues (nothing else adds alerts to the queue: fold and split move
	// them, with their times, and the rest take them out); expire sets it
	// to the earliest of the alerts it keeps. Not bounded: no alert was
	// queued since the last scan left the queue empty.
	oldest    time.Time
	bounded   bool
	notBefore time.Time // held by a backoff or Retry-After until then
	sending   bool      // the head job is being sent or its result recorded
	// recording: the job sent was delivered, and the store failed to
	// record it; the destination waits until it does.
	recording bool
}

// push appends jobs and wakes the worker. Jobs placed beyond the first
// wholeJobs of the queue are made light. A destination under a lease that
// this process does not hold, or took after the fill that read jobs
// began, drops them (see hold).
func (ds *destination) push(jobs ...*job) {
	if ds.lease != "" {
		r := ds.r
		r.mu.Lock()
		fresh := ds.leased && r.epoch > ds.resync
		r.mu.Unlock()
		if !fresh {
			r.drop(jobs, ds.r.d.now().Add(r.d.leaseRetry()))
			return
		}
	}
	ds.mu.Lock()
	for _, j := range jobs {
		if len(ds.queue) >= wholeJobs {
			j.lighten()
		}
		ds.queue = append(ds.queue, j)
		for _, since := range j.since {
			if !ds.bounded || since.Before(ds.oldest) {
				ds.oldest, ds.bounded = since, true
			}
		}
	}
	ds.mu.Unlock()
	ds.poke()
}

// poke wakes the worker without blocking.
func (ds *destination) poke() {
	select {
	case ds.signal <- struct{}{}:
	default:
	}
}

// busyBefore reports whether the destination has a send under way or a job
// it may attempt before deadline: one it is not held from by a backoff or
// Retry-After, and that its rate limit allows by then. A destination
// waiting for the store to record a delivery is not: nobody knows when
// the store will.
func (ds *destination) busyBefore(deadline time.Time) bool {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.recording {
		return false
	}
	if ds.sending {
		return true
	}
	if len(ds.queue) == 0 || ds.notBefore.After(deadline) {
		return false
	}
	return ds.limiter == nil || ds.limiter.TokensAt(deadline) >= 1
}

// run is the destination's worker: it attempts the head job whenever the
// destination is not held and the rate limit allows, until the runner
// stops taking work.
func (ds *destination) run() {
	defer ds.r.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for ds.r.ctx.Err() == nil {
		wait := ds.step()
		if wait == 0 {
			continue
		}
		var fire <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-ds.r.ctx.Done():
		case <-ds.signal:
		case <-fire:
		}
		timer.Stop()
	}
}

// step makes at most one attempt. It returns 0 to be called again at once,
// a positive duration to be called again after that long (or when poked),
// or -1 to wait for a poke.
func (ds *destination) step() time.Duration {
	d := ds.r.d
	now := d.now()
	if ds.lease != "" {
		if wait, ok := ds.hold(now); !ok {
			return wait
		}
	}
	ds.mu.Lock()
	expired := ds.expire(now)
	if len(expired) > 0 {
		ds.mu.Unlock()
		ds.giveUp(expired)
		return 0
	}
	if len(ds.queue) == 0 {
		ds.mu.Unlock()
		return -1
	}
	if now.Before(ds.notBefore) {
		wait := ds.notBefore.Sub(now)
		ds.mu.Unlock()
		return wait
	}
	ds.fold()
	if j := ds.queue[0]; j.light {
		// Only this worker changes the queue's jobs; push only appends.
		ds.mu.Unlock()
		return ds.restore(j)
	}
	ds.split()
	if j := ds.queue[0]; ds.r.d.Silences != nil {
		// Only this worker changes the queue's jobs; push only appends.
		ds.mu.Unlock()
		if ds.silence(j, now) {
			return 0
		}
		ds.mu.Lock()
	}
	if ds.limiter != nil && !ds.limiter.AllowN(now, 1) {
		missing := 1 - ds.limiter.TokensAt(now)
		wait := time.Duration(missing/float64(ds.limiter.Limit())*float64(time.Second)) + time.Millisecond
		ds.mu.Unlock()
		return wait
	}
	j := ds.queue[0]
	ds.sending = true
	ds.mu.Unlock()
	ds.send(j)
	ds.mu.Lock()
	ds.sending = false
	ds.mu.Unlock()
	return 0
}

// hold sees that this process holds the destination's lease before the
// worker looks at its queue, and reports whether it does; when it does
// not, it returns how long to wait before trying again. A destination
// that loses its lease drops its queue. One that takes it asks for a read
// of every due alert (its own were dropped, and are to be read afresh:
// another process may have sent some) and for its digests, drops what
// fills that began before read, and waits a pace interval before its
// first send: the last holder may have just sent.
func (ds *destination) hold(now time.Time) (time.Duration, bool) {
	r, d := ds.r, ds.r.d
	r.mu.Lock()
	leased := ds.leased
	r.mu.Unlock()
	if leased {
		if !d.Leases.Until(ds.lease).IsZero() {
			return 0, true
		}
		d.log().Warn("notify: the destination's lease was lost; another process sends to it now",
			"notifier", ds.notifier, "channel", ds.channel, "lease", ds.lease)
		r.mu.Lock()
		ds.leased = false
		r.mu.Unlock()
		ds.dropQueue(now)
		ds.tryAt = time.Time{}
	}
	if now.Before(ds.tryAt) {
		return ds.tryAt.Sub(now), false
	}
	ds.tryAt = now.Add(d.leaseRetry())
	_, ok, err := d.Leases.Take(r.ctx, ds.lease)
	if err != nil && r.ctx.Err() == nil {
		d.log().Warn("notify: taking the destination's lease failed; trying again",
			"notifier", ds.notifier, "channel", ds.channel, "lease", ds.lease, "retry_in", d.leaseRetry(), "error", err)
	}
	if !ok {
		ds.dropQueue(now)
		return d.leaseRetry(), false
	}
	ds.dropQueue(now)
	if ds.limiter != nil {
		ds.limiter.ReserveN(now, ds.limiter.Burst())
	}
	r.mu.Lock()
	ds.leased, ds.resync = true, r.epoch
	r.full = true
	for _, st := range r.digests {
		st.nextCheck = time.Time{}
	}
	r.mu.Unlock()
	r.signalRefill()
	return 0, false
}

// dropQueue empties the queue of a destination that does not hold its
// lease: its alerts stay queued in the outbox, for the holder.
func (ds *destination) dropQueue(now time.Time) {
	ds.mu.Lock()
	jobs := ds.queue
	ds.queue = nil
	ds.notBefore = time.Time{}
	ds.mu.Unlock()
	ds.r.drop(jobs, now.Add(ds.r.d.leaseRetry()))
}

// restore reads the text of j's alerts again (see wholeJobs). It returns
// 0, for step to go on with j, or how long to wait when the outbox cannot
// be read.
func (ds *destination) restore(j *job) time.Duration {
	d := ds.r.d
	whole, err := d.Store.AlertsIn(ds.r.ctx, j.ids())
	if err != nil {
		if ds.r.ctx.Err() == nil {
			d.log().Warn("notify: read queued alerts", "alert_ids", j.ids(), "notifier", ds.notifier, "channel", ds.channel, "error", err)
		}
		return d.retryMin()
	}
	if missing := j.restore(whole); len(missing) > 0 {
		d.log().Warn("notify: queued alerts not in the outbox any more; sent without their text",
			"alert_ids", missing, "notifier", ds.notifier, "channel", ds.channel)
	}
	ds.mu.Lock()
	j.light = false
	ds.mu.Unlock()
	return 0
}

// expire takes the alerts that have waited longer than MaxAge out of every
// queued job (removing jobs left empty) and returns them. It looks at the
// queue only when its oldest alert may have waited that long (see
// destination.oldest): the worker calls it before every attempt, and a
// queue of thousands of alerts (a long outage) would be scanned whole
// for each. Called with ds.mu held.
func (ds *destination) expire(now time.Time) []*model.Alert {
	maxAge := ds.r.d.maxAge()
	if !ds.bounded || now.Sub(ds.oldest) <= maxAge {
		return nil
	}
	ds.bounded = false
	var expired []*model.Alert
	kept := ds.queue[:0]
	for _, j := range ds.queue {
		n := 0
		for i, a := range j.alerts {
			if now.Sub(j.since[i]) > maxAge {
				expired = append(expired, a)
				continue
			}
			j.alerts[n], j.since[n] = a, j.since[i]
			n++
			if !ds.bounded || j.since[i].Before(ds.oldest) {
				ds.oldest, ds.bounded = j.since[i], true
			}
		}
		if n < len(j.alerts) {
			j.keep(n)
		}
		if n > 0 {
			kept = append(kept, j)
		} else {
			ds.r.jobEnded(j)
		}
	}
	clear(ds.queue[len(kept):])
	ds.queue = kept
	return expired
}

// giveUp makes expired alerts dead letters.
func (ds *destination) giveUp(alerts []*model.Alert) {
	d := ds.r.d
	for _, a := range alerts {
		reason := fmt.Sprintf("expired: not delivered within %s", d.maxAge())
		if a.LastError != "" {
			reason += "; last error: " + a.LastError
		}
		d.markDead(ds.r, []*model.Alert{a}, reason, false)
		d.outcome(Outcome{Notifier: ds.notifier, Channel: ds.channel, Rule: a.Rule, Kind: KindAlert, Alerts: 1, Result: ResultDead, Reason: "expired"})
	}
	ds.r.release(alerts, len(alerts))
}

// fold folds a burst of one rule's alerts into a summary at the head of
// the queue (see foldHead). Called with ds.mu held.
func (ds *destination) fold() {
	queue, summary := foldHead(ds.queue, ds.r.d.foldThreshold())
	ds.queue = queue
	if summary != nil {
		ds.r.d.log().Info("notify: folding a burst into one summary", "rule", summary.rule,
			"alerts", len(summary.alerts), "notifier", ds.notifier, "channel", ds.channel)
	}
}

// split replaces a summary or digest at the head of the queue that is too
// big for one message of this notifier with its parts (see splitJob).
// Called with ds.mu held.
func (ds *destination) split() {
	j := ds.queue[0]
	if j.kind == KindAlert || j.parts != 0 {
		return
	}
	j.parts = 1 // looked at; 1 means whole
	sp, ok := ds.n.(Splitter)
	if !ok {
		return
	}
	parts := splitJob(j, sp)
	if parts == nil {
		return
	}
	if j.digest != nil {
		ds.r.mu.Lock()
		j.digest.inflight += len(parts) - 1
		ds.r.mu.Unlock()
	}
	ds.queue = append(parts, ds.queue[1:]...)
}

// send makes one attempt at j, the head of the queue, and records the
// result.
func (ds *destination) send(j *job) {
	d, r := ds.r.d, ds.r
	m := j.message()
	ctx, cancel := r.sendCtx, context.CancelFunc(func() {})
	if ds.lease != "" {
		// No send may outlast the lease: another process may take it then.
		ctx, cancel = context.WithDeadline(r.sendCtx, d.Leases.Until(ds.lease))
	}
	receipt, retry, err := ds.n.Notify(ctx, m)
	cancel()
	now := d.now()
	switch {
	case err == nil:
		ds.delivered(j, m, receipt, now)
	case r.sendCtx.Err() != nil:
		// Cut off at stop: whether it arrived is unknown. The alerts stay
		// queued exactly as they were, to be sent after a restart.
		d.log().Warn("notify: send cut off at stop; its alerts stay queued",
			"alert_ids", j.ids(), "rule", j.rule, "notifier", ds.notifier, "channel", ds.channel)
	case ctx.Err() != nil:
		// Cut off as the lease may end: the same, for the next holder.
		d.log().Warn("notify: send cut off as the destination's lease may end; its alerts stay queued",
			"alert_ids", j.ids(), "rule", j.rule, "notifier", ds.notifier, "channel", ds.channel, "lease", ds.lease)
	case retry:
		ds.retry(j, m, err, now)
	default:
		ds.pop(j)
		d.markDead(r, j.alerts, err.Error(), true)
		d.outcome(ds.outcomeOf(j, ResultDead, Reason(err)))
		r.release(j.alerts, len(j.alerts))
		r.jobEnded(j)
	}
}

// delivered records a successful send. The destination sends nothing
// more until it is recorded: when the store cannot record it (a full disk,
// a locked database), it tries again with backoff for as long as it takes,
// and the one message per destination the Dispatcher may send twice stays
// one. Only a stop gives up, after StopTimeout: the alerts stay queued and
// are sent again after a restart.
func (ds *destination) delivered(j *job, m *Message, receipt Receipt, now time.Time) {
	d, r := ds.r.d, ds.r
	ds.pop(j)
	ids := j.ids()
	log := d.log().With("rule", j.rule, "notifier", ds.notifier, "channel", ds.channel,
		"remote_id", receipt.RemoteID, "delivery", m.ID)
	if len(ids) == 1 {
		log = log.With("alert_id", ids[0])
	} else {
		log = log.With("alert_ids", ids, "kind", string(j.kind))
	}
	var err error
	attempt := 0
	waiting := false // the destination waits for the record (recording)
	for ; ; attempt++ {
		ctx, cancel := r.recordCtx()
		if len(ids) == 1 {
			err = d.Store.MarkDelivered(ctx, ids[0], now, receipt.RemoteID, receipt.Channel)
		} else {
			err = d.Store.MarkDeliveredMany(ctx, ids, now, receipt.RemoteID, receipt.Channel)
		}
		cancel()
		if err == nil {
			break
		}
		if !waiting {
			log.Error("notify: delivered but not recorded yet; the destination waits until it is", "error", err)
			ds.setRecording(true)
			waiting = true
		}
		if !sleep(r.sendCtx, d.recordBackoff(attempt)) {
			break
		}
	}
	if waiting {
		ds.setRecording(false)
	}
	if err != nil {
		log.Error("notify: delivered but not recorded; it will be sent again after a restart",
			"error", err, "attempts", attempt+1)
		r.jobEnded(j) // its alerts stay held: not sent again by this process
		return
	}
	if attempt > 0 {
		log.Info("notify: delivered", "record_attempts", attempt+1)
	} else {
		log.Info("notify: delivered")
	}
	d.outcome(ds.outcomeOf(j, ResultDelivered, ""))
	r.release(j.alerts, 0)
	r.jobEnded(j)
}

// retry records a retryable failure and holds the destination until the
// next attempt: Retry-After (or DefaultRateLimitWait) for a rate limit, the
// backoff otherwise.
func (ds *destination) retry(j *job, m *Message, err error, now time.Time) {
	d, r := ds.r.d, ds.r
	var wait time.Duration
	var rl *RateLimitError
	if errors.As(err, &rl) {
		wait = rl.RetryAfter
		if wait <= 0 {
			wait = DefaultRateLimitWait
		}
	} else {
		attempts := 0
		for _, a := range j.alerts {
			attempts = max(attempts, a.Attempts)
		}
		wait = d.backoff(attempts)
	}
	next := ceilMilli(now.Add(wait))
	ds.mu.Lock()
	ds.notBefore = next
	ds.mu.Unlock()
	ctx, cancel := r.recordCtx()
	defer cancel()
	for _, a := range j.alerts {
		a.Attempts++
		a.NextAttemptAt, a.LastError = next, err.Error()
		if rerr := d.Store.MarkRetry(ctx, a.ID, next, err.Error()); rerr != nil {
			d.log().Error("notify: record failed attempt", "alert_id", a.ID, "error", rerr)
		}
	}
	d.log().Warn("notify: delivery failed; will retry", "alert_ids", j.ids(), "rule", j.rule,
		"notifier", ds.notifier, "channel", ds.channel, "reason", Reason(err), "error", err,
		"retry_in", wait.Round(time.Millisecond), "delivery", m.ID)
	d.outcome(ds.outcomeOf(j, ResultRetry, Reason(err)))
}

func (ds *destination) setRecording(on bool) {
	ds.mu.Lock()
	ds.recording = on
	ds.mu.Unlock()
}

// pop removes j from the head of the queue.
func (ds *destination) pop(j *job) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if len(ds.queue) > 0 && ds.queue[0] == j {
		ds.queue[0] = nil
		ds.queue = ds.queue[1:]
	}
}

func (ds *destination) outcomeOf(j *job, result, reason string) Outcome {
	return Outcome{Notifier: ds.notifier, Channel: ds.channel, Rule: j.rule, Kind: j.kind,
		Alerts: len(j.alerts), Result: result, Reason: reason}
}

// sleep waits for d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ceilMilli rounds t up to the store's precision (milliseconds), so that the
// next attempt held in memory is the one recorded.
func ceilMilli(t time.Time) time.Time {
	r := t.Truncate(time.Millisecond)
	if r.Before(t) {
		r = r.Add(time.Millisecond)
	}
	return r
}
