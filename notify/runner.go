package notify

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// runner is one Run or Drain: the destinations' workers and what they hold.
type runner struct {
	d   *Dispatcher
	ctx context.Context // cancelled: take no new work
	// sendCtx carries sends; it outlives ctx by StopTimeout so that a send
	// under way at stop can finish and be recorded.
	sendCtx     context.Context
	cancelSends context.CancelFunc
	wg          sync.WaitGroup
	changed     chan struct{} // a job ended
	refill      chan struct{} // read the outbox again soon (see fill)

	// What the reads of the outbox have looked at (see fill); used by
	// fill only.
	cursor  int64     // every alert up to this ID was read if it was due
	sweptTo time.Time // alerts due up to this time were looked for
	sweeps  int

	mu         sync.Mutex
	dests      map[destKey]*destination
	held       map[int64]bool // alerts in a destination's queue or being sent
	heldAtStop map[int64]bool
	// A read of the outbox may return an alert that ended (delivered or
	// dead) while the read was under way. gone remembers ended alerts with
	// the epoch (the count of reads started) in which they ended, until a
	// read that started after that has finished, so that such a stale row
	// is not sent again.
	epoch   uint64
	gone    map[int64]uint64
	digests map[string]*digestState
	dead    int // alerts that became dead letters during this runner
	warned  map[string]bool
	// parents are alerts that ended since the last read of the outbox:
	// their follow-ups, held back while they were queued, may be due.
	parents []int64
	// full asks the next read of the outbox for every due alert the
	// runner does not hold: a destination took its lease (see
	// destination.hold).
	full bool
}

func (d *Dispatcher) start(ctx context.Context) *runner {
	r := &runner{
		d:       d,
		ctx:     ctx,
		changed: make(chan struct{}, 1),
		refill:  make(chan struct{}, 1),
		dests:   map[destKey]*destination{},
		held:    map[int64]bool{},
		gone:    map[int64]uint64{},
		digests: map[string]*digestState{},
		warned:  map[string]bool{},
	}
	r.sendCtx, r.cancelSends = context.WithCancel(context.WithoutCancel(ctx))
	return r
}

// stop waits for the workers after ctx was cancelled: a send under way may
// finish and be recorded within StopTimeout, after which it is cut off and
// its alerts stay queued.
func (r *runner) stop() {
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(r.d.stopTimeout())
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		r.d.log().Warn("notify: sends still under way at stop were cut off; their alerts stay queued")
		r.cancelSends()
		<-done
	}
	r.cancelSends()
	r.mu.Lock()
	r.heldAtStop = r.held
	r.mu.Unlock()
}

// nudge makes every worker look at its queue again (time may have passed
// for a clock that timers do not follow).
func (r *runner) nudge() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ds := range r.dests {
		ds.poke()
	}
}

// release forgets alerts that ended, delivered or dead; dead counts the
// dead letters among them. Follow-ups of theirs that waited for them are
// looked for at the next read.
func (r *runner) release(alerts []*model.Alert, dead int) {
	parents := false
	r.mu.Lock()
	for _, a := range alerts {
		delete(r.held, a.ID)
		r.gone[a.ID] = r.epoch
		if a.Kind == model.KindAlert || a.Kind == "" {
			r.parents = append(r.parents, a.ID)
			parents = true
		}
	}
	r.dead += dead
	r.mu.Unlock()
	r.signalChanged()
	if parents {
		r.signalRefill()
	}
}

func (r *runner) signalRefill() {
	select {
	case r.refill <- struct{}{}:
	default:
	}
}

// drop forgets jobs a destination does not send (it does not hold its
// lease, see destination.hold): their alerts stay queued in the outbox and
// may be read again; a digest among them is looked at again at retry.
func (r *runner) drop(jobs []*job, retry time.Time) {
	r.mu.Lock()
	for _, j := range jobs {
		for _, a := range j.alerts {
			delete(r.held, a.ID)
		}
	}
	r.mu.Unlock()
	for _, j := range jobs {
		r.jobEnded(j)
		if j.digest != nil {
			r.mu.Lock()
			j.digest.nextCheck = retry
			r.mu.Unlock()
		}
	}
}

// jobEnded notes that j left its destination's queue.
func (r *runner) jobEnded(j *job) {
	if j.digest != nil {
		r.mu.Lock()
		j.digest.inflight--
		j.digest.nextCheck = time.Time{}
		r.mu.Unlock()
	}
	r.signalChanged()
}

func (r *runner) signalChanged() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// busyBefore reports whether some destination has a send under way or may
// attempt one before deadline.
func (r *runner) busyBefore(deadline time.Time) bool {
	r.mu.Lock()
	dests := make([]*destination, 0, len(r.dests))
	for _, ds := range r.dests {
		dests = append(dests, ds)
	}
	r.mu.Unlock()
	for _, ds := range dests {
		if ds.busyBefore(deadline) {
			return true
		}
	}
	return false
}

// fill reads due alerts and due digests from the outbox and queues them at
// their destinations. It returns how many alerts it queued.
//
// It does not read again what the runner holds. It reads the alerts
// written since its last read (DueAlertsAfter, from r.cursor), and the
// follow-ups of alerts that ended since (DueFollowUps). The alerts those
// reads pass over because they were not due yet come due later: when
// sweep is set, fill also looks for the alerts that became due since the
// last sweep (DueAlertIDs from r.sweptTo, a little before it for commits
// of other processes that came late, and every fullSweepEvery sweeps from
// the start) and reads those it does not hold. Run sweeps every
// PollInterval.
func (r *runner) fill(sweep bool) int {
	d := r.d
	if r.ctx.Err() != nil {
		return 0
	}
	now := d.now()
	r.mu.Lock()
	r.epoch++
	epoch := r.epoch
	parents := r.parents
	r.parents = nil
	whole := r.full
	r.full = false
	r.mu.Unlock()
	defer r.forget(epoch)
	due, ok := r.read(now, parents, sweep, whole)
	if ok {
		d.lastRead.Store(now.UnixNano())
	}
	fresh := due[:0] // due is this fill's own
	r.mu.Lock()
	for _, a := range due {
		if !r.held[a.ID] && !r.ended(a.ID) {
			r.held[a.ID] = true
			fresh = append(fresh, a)
		}
	}
	r.mu.Unlock()
	queued := r.apply(planJobs(fresh, r.policy()))
	return queued + r.fillDigests(now)
}

// read reads the due alerts fill looks at, oldest first, and reports
// whether every read succeeded. A failed read is tried again at the next
// fill. whole sweeps the whole outbox, whatever sweep says.
func (r *runner) read(now time.Time, parents []int64, sweep, whole bool) ([]*model.Alert, bool) {
	d := r.d
	ok := true
	fail := func(what string, err error) {
		ok = false
		switch {
		case r.ctx.Err() != nil:
		case store.IsCorrupt(err):
			// Reported once by the store; not at every fill.
			d.log().Debug("notify: read "+what, "error", err)
		default:
			d.log().Warn("notify: read "+what, "error", err)
		}
	}
	first := r.sweptTo.IsZero()
	var due []*model.Alert
	if (sweep || whole) && !first {
		// Before the read of new alerts, which moves the cursor: the
		// sweep leaves those to it.
		since := r.sweptTo.Add(-sweepOverlap)
		if sweep {
			r.sweeps++
		}
		if whole || r.sweeps%fullSweepEvery == 0 {
			since = time.Time{}
		}
		swept, err := r.sweep(since, now)
		if err != nil {
			fail("due alerts", err)
			if whole {
				r.mu.Lock()
				r.full = true
				r.mu.Unlock()
			}
		} else if now.After(r.sweptTo) {
			r.sweptTo = now
		}
		due = swept
	}
	fresh, next, err := d.Store.DueAlertsAfter(r.ctx, now, r.cursor, fillBatch)
	full := err == nil && len(fresh) == fillBatch
	if full {
		fresh, next = cutAtItem(fresh, next)
	}
	switch {
	case err != nil:
		fail("due alerts", err)
		if first {
			return nil, false
		}
	case first:
		// Every alert due now is read, from the first ID on; those due
		// later are found by the sweeps from now on.
		r.cursor, r.sweptTo = next, now
	default:
		r.cursor = next
	}
	if full {
		r.signalRefill()
	}
	due = append(due, fresh...)
	if len(parents) > 0 {
		fu, err := d.Store.DueFollowUps(r.ctx, now, parents)
		if err != nil {
			fail("due follow-ups", err)
			r.mu.Lock()
			r.parents = append(r.parents, parents...)
			r.mu.Unlock()
		}
		due = append(due, fu...)
	}
	slices.SortFunc(due, func(a, b *model.Alert) int { return cmp.Compare(a.ID, b.ID) })
	return due, ok
}

// sweep reads the alerts due at now whose due time is after since that
// the runner neither holds nor has read past the cursor of.
func (r *runner) sweep(since, now time.Time) ([]*model.Alert, error) {
	ids, err := r.d.Store.DueAlertIDs(r.ctx, since, now)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	unknown := ids[:0]
	for _, id := range ids {
		if id <= r.cursor && !r.held[id] && !r.ended(id) {
			unknown = append(unknown, id)
		}
	}
	r.mu.Unlock()
	if len(unknown) == 0 {
		return nil, nil
	}
	return r.d.Store.DueAlertsIn(r.ctx, now, unknown)
}

// ended reports whether alert id ended recently enough that a read of the
// outbox may still show it queued. Called with r.mu held.
func (r *runner) ended(id int64) bool {
	_, ok := r.gone[id]
	return ok
}

// forget drops the ended alerts that no read started at or after epoch can
// show any more: those that ended before that read started.
func (r *runner) forget(epoch uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, e := range r.gone {
		if e < epoch {
			delete(r.gone, id)
		}
	}
}

// policy is what planning knows of the Dispatcher.
func (r *runner) policy() policy {
	p := policy{notifiers: r.d.byName}
	if r.d.Rules != nil {
		for _, rule := range r.d.Rules() {
			if rule != nil && rule.ReplyBroadcast != nil {
				if p.broadcast == nil {
					p.broadcast = map[string]bool{}
				}
				p.broadcast[rule.Name] = *rule.ReplyBroadcast
			}
		}
	}
	return p
}

// apply carries out pl: it records its dead letters and queues its jobs
// at their destinations, each destination's in order. It returns how many
// alerts it queued.
func (r *runner) apply(pl plan) int {
	for _, dl := range pl.dead {
		r.d.markDead(r, []*model.Alert{dl.alert}, dl.reason, false)
		r.d.outcome(dl.why)
		r.release([]*model.Alert{dl.alert}, 1)
	}
	batches := map[*destination][]*job{}
	var order []*destination
	queued := 0
	for _, j := range pl.jobs {
		if j.silenceID != 0 {
			j.snooze = r.snoozeOf(j.silenceID)
		}
		ds := r.destination(j.dest)
		if batches[ds] == nil {
			order = append(order, ds)
		}
		batches[ds] = append(batches[ds], j)
		queued += len(j.alerts)
	}
	for _, ds := range order {
		ds.push(batches[ds]...)
	}
	return queued
}

// destination returns the destination of key, starting its worker when it
// is new. Its notifier is configured (planning saw to it).
func (r *runner) destination(key destKey) *destination {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ds := r.dests[key]; ds != nil {
		return ds
	}
	set := r.d.byName[key.notifier]
	ds := &destination{r: r, n: set.Notifier, notifier: key.notifier, channel: key.channel,
		limiter: r.d.limiter(set.Limit, key), signal: make(chan struct{}, 1)}
	if r.d.Leases != nil {
		ds.lease = LeaseName(key.notifier, key.channel)
	}
	r.dests[key] = ds
	r.wg.Add(1)
	go ds.run()
	return ds
}

// outcome reports o to OnOutcome.
func (d *Dispatcher) outcome(o Outcome) {
	if d.OnOutcome != nil {
		d.OnOutcome(o)
	}
}

// recordCtx returns a context for writing a result to the store: not
// cancelled by stop, since a result that is not written is a duplicate
// later, but bounded.
func (r *runner) recordCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.ctx), 30*time.Second)
}

// markDead records alerts as dead letters and logs each at error level;
// attempted says whether an attempt failed for good (it is counted) rather
// than the alerts being given up unsent.
func (d *Dispatcher) markDead(r *runner, alerts []*model.Alert, reason string, attempted bool) {
	ctx, cancel := r.recordCtx()
	defer cancel()
	now := d.now()
	mark := d.Store.MarkDead
	if attempted {
		mark = d.Store.MarkFailed
	}
	for _, a := range alerts {
		d.log().Error("notify: alert is a dead letter", "alert_id", a.ID, "rule", a.Rule,
			"notifier", a.Notifier, "channel", a.Channel, "reason", reason)
		if err := mark(ctx, a.ID, now, reason); err != nil {
			d.log().Error("notify: record dead letter", "alert_id", a.ID, "error", err)
		}
	}
}
