package monitor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// Shared makes a Scheduler one of several replicas that share the feeds of
// one database (PostgreSQL). Instead of firing cron schedules in memory,
// each replica claims the feeds that are due from the database, polls
// them, and sets each one's next due time as it lets it go (see
// store.ClaimDueFeeds): every due time is polled once, by one replica,
// and at most PerHost polls are in flight to one host across the cluster.
// While its polls run a replica renews its claims every third of Lease; a
// replica that dies stops, and the feeds it held are polled by another
// after Lease.
type Shared struct {
	// Replica names this process in its claims; required.
	Replica string
	// Lease is how long a claim holds unless renewed (store.lease);
	// required.
	Lease time.Duration
	// Idle is the longest wait between two looks for due feeds
	// (DefaultSharedIdle): a feed made due by another replica, or a claim
	// of a dead one that ended, is found within it.
	Idle time.Duration
}

// DefaultSharedIdle is Shared.Idle's default.
const DefaultSharedIdle = time.Second

// runShared is Run for a Scheduler with Shared set: it claims due feeds
// and polls them until ctx is done.
func (s *Scheduler) runShared(ctx context.Context, feeds []scheduled) error {
	sh := s.Shared
	if sh.Replica == "" || sh.Lease <= 0 {
		return fmt.Errorf("monitor: shared scheduler without a replica name or a lease (%q, %s)", sh.Replica, sh.Lease)
	}
	st := s.Poller.Store
	if err := st.ScheduleFeeds(ctx, s.schedules(feeds, s.Configured(), time.Now())); err != nil {
		return fmt.Errorf("monitor: scheduling the feeds: %w", err)
	}
	s.mu.Lock()
	s.shared = byName(feeds)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.shared = nil
		s.mu.Unlock()
	}()
	p := newPool(s.concurrency(), s.perHost())
	var (
		mu       sync.Mutex
		inflight int
	)
	freed := make(chan struct{}, 1)
	s.beat()
	s.running.Store(true)
	defer s.running.Store(false)
	s.logger().Info("scheduler started, sharing the feeds with the other replicas", "feeds", len(feeds),
		"replica", sh.Replica, "concurrency", s.concurrency(), "per_host", s.perHost(), "lease", sh.Lease)

	var renewing sync.WaitGroup
	renewing.Go(func() { s.renewClaims(ctx) })
	defer func() {
		p.drop()
		p.wait()
		renewing.Wait()
		s.logger().Info("scheduler stopped")
	}()

	idle := sh.Idle
	if idle <= 0 {
		idle = DefaultSharedIdle
	}
	for ctx.Err() == nil {
		s.beat()
		mu.Lock()
		free := s.concurrency() - inflight
		mu.Unlock()
		now := time.Now()
		if free > 0 {
			claims, err := st.ClaimDueFeeds(ctx, sh.Replica, now, free, s.perHost(), sh.Lease)
			if err != nil && ctx.Err() == nil {
				s.logger().Warn("claiming due feeds failed; trying again", "error", err)
			}
			for _, c := range claims {
				s.mu.Lock()
				sf, ok := s.shared[c.Name]
				s.mu.Unlock()
				if !ok {
					// Another replica's configuration has this feed and
					// this one's not: leave it to the others a while.
					s.logger().Warn("claimed a feed this replica's configuration does not have: do the replicas run the same configuration?", "feed", c.Name)
					s.finish(ctx, c.FeedID, c.Name, now.Add(sh.Lease))
					continue
				}
				mu.Lock()
				inflight++
				mu.Unlock()
				done := func() {
					mu.Lock()
					inflight--
					mu.Unlock()
					select {
					case freed <- struct{}{}:
					default:
					}
				}
				if !p.submit(ctx, sf.feed.Name, sf.host, func(ctx context.Context) {
					defer done()
					// The claim keeps the other replicas' polls off
					// the feed: its state is as the claim read it.
					s.poll(ctx, sf.feed, c.State, nil)
					if ctx.Err() == nil {
						s.finish(ctx, c.FeedID, c.Name, s.nextDue(sf, time.Now()))
						return
					}
					// Stopping: the poll was rolled back. The feed is due
					// as it was, for another replica to take at once.
					stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
					defer cancel()
					s.finish(stopCtx, c.FeedID, c.Name, c.DueAt)
				}) {
					done()
				}
			}
		}
		// Look again when the next feed is due, or when a poll of this
		// replica ends; at the latest after idle. A feed due already is
		// held back by the limits (this replica's, or a host's across
		// the cluster): it waits for a poll to end.
		wait := idle
		if due, ok, err := st.NextDue(ctx, now); err == nil && ok {
			if until := time.Until(due); until > 0 {
				wait = min(wait, until)
			}
		}
		select {
		case <-ctx.Done():
		case <-freed:
		case <-s.wait(wait):
		}
	}
	return nil
}

// schedules are the store's view of the configured feeds: the enabled
// ones, polled first over StartSpread from now, and the others of all.
func (s *Scheduler) schedules(enabled []scheduled, all []model.Feed, now time.Time) []store.FeedSchedule {
	spread := s.StartSpread
	if spread <= 0 {
		spread = DefaultStartSpread
	}
	on := make(map[string]bool, len(enabled))
	out := make([]store.FeedSchedule, 0, len(all))
	for i, sf := range enabled {
		on[sf.feed.Name] = true
		out = append(out, store.FeedSchedule{Name: sf.feed.Name, Host: sf.host, Enabled: true,
			FirstDue: now.Add(time.Duration(int64(spread) * int64(i) / int64(len(enabled))))})
	}
	for _, f := range all {
		if !on[f.Name] {
			out = append(out, store.FeedSchedule{Name: f.Name, Host: hostKey(f.URL)})
		}
	}
	return out
}

// markSoon marks Soon the schedules of the feeds that next enables and
// prev did not, or enables at another URL: they are polled at their
// FirstDue, as SetFeeds promises, whatever their due time.
func markSoon(sched []store.FeedSchedule, prev, next []model.Feed) {
	was := make(map[string]string, len(prev)) // enabled feed → URL
	for _, f := range prev {
		if f.Enabled {
			was[f.Name] = f.URL
		}
	}
	url := make(map[string]string, len(next))
	for _, f := range next {
		url[f.Name] = f.URL
	}
	for i := range sched {
		if old, ok := was[sched[i].Name]; sched[i].Enabled && (!ok || old != url[sched[i].Name]) {
			sched[i].Soon = true
		}
	}
}

// byName indexes feeds by name.
func byName(feeds []scheduled) map[string]scheduled {
	out := make(map[string]scheduled, len(feeds))
	for _, sf := range feeds {
		out[sf.feed.Name] = sf
	}
	return out
}

// nextDue is the feed's next due time after a poll that ended at now: its
// schedule's next time, jittered as in Run.
func (s *Scheduler) nextDue(sf scheduled, now time.Time) time.Time {
	return jittered{inner: sf.schedule, max: s.Jitter, rand: s.rand}.Next(now)
}

// finish lets the claim on a feed go, due next at next.
func (s *Scheduler) finish(ctx context.Context, id int64, name string, next time.Time) {
	ok, err := s.Poller.Store.FinishPoll(ctx, id, s.Shared.Replica, next)
	switch {
	case err != nil && ctx.Err() == nil:
		// The claim ends by itself after the lease, and the feed is
		// polled again then.
		s.logger().Warn("recording a poll's next due time failed", "feed", name, "error", err)
	case err == nil && !ok:
		s.logger().Warn("a poll outlasted its claim: another replica may have polled the feed too", "feed", name)
	}
}

// renewClaims renews this replica's claims every third of the lease until
// ctx is done.
func (s *Scheduler) renewClaims(ctx context.Context) {
	every := s.Shared.Lease / 3
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if _, err := s.Poller.Store.RenewClaims(ctx, s.Shared.Replica, time.Now(), s.Shared.Lease); err != nil && ctx.Err() == nil {
			s.logger().Warn("renewing claims on feeds failed", "error", err)
		}
	}
}
