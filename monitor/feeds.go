package monitor

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newswatch/newswatch/internal/model"
)

// live is the state of a running scheduler that SetFeeds changes.
type live struct {
	ctx  context.Context
	pool *pool
	// states are the states read for the polls of pool, and the saves
	// of the polls that found nothing new (see roundStates).
	states *roundStates
	cron   *cron.Cron
	// entries holds every enabled feed's cron entry, by feed name.
	entries map[string]*entry
	// starting tracks the goroutines that submit first polls.
	starting sync.WaitGroup
}

// entry is an enabled feed as Run schedules it.
type entry struct {
	id cron.EntryID
	sf scheduled
}

// FeedChanges names the feeds that SetFeeds added, changed (any setting)
// and removed, each in the order of the list given or, for removed feeds,
// of the list before.
type FeedChanges struct {
	Added, Changed, Removed []string
}

// Empty reports whether nothing changed.
func (c FeedChanges) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}

// Configured returns the feeds in force: Feeds, or the last list SetFeeds
// put in force.
func (s *Scheduler) Configured() []model.Feed {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set {
		return s.feeds
	}
	return s.Feeds
}

// SetFeeds puts feeds in force in place of the configured feeds, as a
// changed configuration file lists them, and returns what changed. It
// records them in the store first (see store.SyncFeeds: a removed feed
// keeps its history); when a schedule is invalid or the store fails, it
// changes nothing.
//
// While Run runs, the change takes effect at once: a new feed, one enabled
// again, or one with a new URL is polled soon (spread over StartSpread;
// when a poll of it is still running, its next scheduled poll is the
// first at the new URL) and then on its schedule; a removed or disabled feed is no longer
// polled (a poll already running finishes); a new schedule replaces the
// old one; any other setting (tags, language, …) applies from the feed's
// next poll. With Shared set the same holds for every replica: the new
// due times are in the database. Before Run, the feeds are the ones Run
// starts with. SetFeeds is safe to call at any time, from any goroutine.
func (s *Scheduler) SetFeeds(ctx context.Context, feeds []model.Feed) (FeedChanges, error) {
	if s.Poller == nil || s.Poller.Store == nil {
		return FeedChanges{}, fmt.Errorf("monitor: scheduler without a Poller and its Store")
	}
	next, err := s.parse(feeds)
	if err != nil {
		return FeedChanges{}, err
	}
	if err := s.Poller.Store.SyncFeeds(ctx, feeds); err != nil {
		return FeedChanges{}, fmt.Errorf("recording the configured feeds: %w", err)
	}
	if s.Shared != nil {
		// The due times are the cluster's: see Shared.
		sched := s.schedules(next, feeds, time.Now())
		markSoon(sched, s.Configured(), feeds)
		if err := s.Poller.Store.ScheduleFeeds(ctx, sched); err != nil {
			return FeedChanges{}, fmt.Errorf("monitor: scheduling the configured feeds: %w", err)
		}
	}
	feeds = slices.Clone(feeds)

	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.Feeds
	if s.set {
		prev = s.feeds
	}
	s.feeds, s.set = feeds, true
	changes := compareFeeds(prev, feeds)
	if s.shared != nil {
		s.shared = byName(next)
		return changes, nil
	}
	l := s.live
	if l == nil {
		return changes, nil
	}
	wanted := make(map[string]bool, len(next))
	for _, sf := range next {
		wanted[sf.feed.Name] = true
	}
	for name, e := range l.entries {
		if !wanted[name] {
			l.cron.Remove(e.id)
			delete(l.entries, name)
		}
	}
	var soon []scheduled
	for _, sf := range next {
		e, ok := l.entries[sf.feed.Name]
		if !ok {
			s.schedule(l, sf)
			soon = append(soon, sf)
			continue
		}
		if e.sf.feed.URL != sf.feed.URL {
			soon = append(soon, sf)
		}
		if e.sf.spec != sf.spec {
			l.cron.Remove(e.id)
			s.schedule(l, sf)
		} else {
			e.sf = sf // the next firing polls the feed as it is now
		}
	}
	if len(soon) > 0 {
		l.starting.Go(func() { s.start(l.ctx, l, soon) })
	}
	return changes, nil
}

// schedule adds sf's cron entry to l; s.mu is held.
func (s *Scheduler) schedule(l *live, sf scheduled) {
	name := sf.feed.Name
	id := l.cron.Schedule(jittered{inner: sf.schedule, max: s.Jitter, rand: s.rand}, cron.FuncJob(func() {
		s.fire(l, name)
	}))
	l.entries[name] = &entry{id: id, sf: sf}
}

// fire submits a scheduled poll of the feed called name, as it is in force
// now; nothing when it was removed meanwhile.
func (s *Scheduler) fire(l *live, name string) {
	s.mu.Lock()
	e, ok := l.entries[name]
	var sf scheduled
	if ok {
		sf = e.sf
	}
	s.mu.Unlock()
	if ok {
		s.submit(l.ctx, l, sf)
	}
}

// compareFeeds names the feeds of next that prev does not have, those it
// has with other settings, and the feeds of prev that next does not have.
func compareFeeds(prev, next []model.Feed) FeedChanges {
	var c FeedChanges
	before := make(map[string]model.Feed, len(prev))
	for _, f := range prev {
		before[f.Name] = f
	}
	now := make(map[string]bool, len(next))
	for _, f := range next {
		now[f.Name] = true
		old, ok := before[f.Name]
		switch {
		case !ok:
			c.Added = append(c.Added, f.Name)
		case !reflect.DeepEqual(old, f):
			c.Changed = append(c.Changed, f.Name)
		}
	}
	for _, f := range prev {
		if !now[f.Name] {
			c.Removed = append(c.Removed, f.Name)
		}
	}
	return c
}
