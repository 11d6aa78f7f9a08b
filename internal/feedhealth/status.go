// Package feedhealth owns how each configured feed is doing: the state that
// the status page and `newswatch feeds list` show, and the feed-health
// alerts that tell operators, through the outbox, when a feed has failed
// for too long or gone quiet, and once more when it recovers.
//
// It reads what the monitor records about each feed (fetch times, errors,
// items) and keeps its own small record per feed in the store, so that a
// problem is alerted once however many polls fail, and a restart neither
// forgets an alert nor sends it again.
package feedhealth

import (
	"context"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
)

// State is what a feed is doing, in a word.
type State string

// The states of a feed.
const (
	// StateOK: the last fetch succeeded, and the feed publishes as often
	// as expected.
	StateOK State = "ok"
	// StateFailing: the last fetch failed; the feed backs off and is
	// retried.
	StateFailing State = "failing"
	// StateSilent: fetches succeed, but no new item has come for longer
	// than the feed's expect_every.
	StateSilent State = "silent"
	// StateNew: the feed has not been fetched yet.
	StateNew State = "new"
	// StateDisabled: the feed is configured with enabled = false.
	StateDisabled State = "disabled"
)

// Status is how one configured feed is doing, to be shown: its URLs, and
// any URL its last error quotes, are redacted (redact.URL).
type Status struct {
	// Feed is the feed as configured, its URL redacted.
	Feed model.Feed
	// State sums the rest up.
	State State
	// CurrentURL is where the feed is fetched from after a permanent
	// redirect; "" when it has not moved.
	CurrentURL string
	// LastFetchAt is when the last fetch ended, successful or not, and
	// LastSuccessAt when the last successful one did; zero if never.
	LastFetchAt, LastSuccessAt time.Time
	// LastStatus is the HTTP status of the last fetch, 0 when none came.
	LastStatus int
	// LastError is why the last fetch failed; "" after a success.
	LastError string
	// ConsecutiveFailures counts failed fetches since the last success.
	ConsecutiveFailures int
	// FailingSince is when the current run of failures began, as the
	// health checks saw it; zero when not failing or not yet checked.
	FailingSince time.Time
	// HeldUntil is when a failing feed may be fetched again (its
	// backoff, or the server's Retry-After); zero when it is not held.
	HeldUntil time.Time
	// NextPollAt estimates the next fetch (monitor.NextPoll): the next
	// time of the feed's schedule after its last fetch, and not before
	// HeldUntil; the log of a failed poll gives the same time. Zero for a
	// disabled feed.
	NextPollAt time.Time
	// LastItemAt is when the feed's newest item was first seen; zero if
	// it has none.
	LastItemAt time.Time
	// ItemsLastDay counts the items first seen in the last 24 hours.
	ItemsLastDay int
	// ArticlesLastDay and ArticleFailuresLastDay count, of those, the
	// items whose page was fetched and matched, and those whose page
	// could not be (for a feed that fetches articles).
	ArticlesLastDay, ArticleFailuresLastDay int
	// Alerted is the problem (StateFailing or StateSilent) operators have
	// been alerted about and not yet told has passed; "" for none.
	Alerted State
	// PolledBy is the replica that made the feed's last poll, and
	// ClaimedBy the one polling it now, when replicas share the database
	// (see docs/replicas.md); "" otherwise.
	PolledBy, ClaimedBy string
	// OverdueSince is when the feed's next poll was due, when that poll is
	// far overdue (see PollOverdueSince): nothing has fetched the feed for
	// far longer than its schedule says. Zero otherwise.
	OverdueSince time.Time
}

// Report returns the status of every configured feed at now, in the order
// of feeds. A feed the store does not know yet (the daemon has not run
// since it was added) is reported as new.
func Report(ctx context.Context, st *store.Store, feeds []model.Feed, now time.Time) ([]Status, error) {
	snap, err := readSnapshot(ctx, st, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(feeds))
	for _, cf := range feeds {
		s := Status{Feed: cf, State: StateNew}
		if f := snap.feed(cf); f != nil {
			act := snap.activity[f.ID]
			s.CurrentURL = redact.URL(f.CurrentURL)
			s.LastFetchAt, s.LastSuccessAt = f.LastFetchAt, f.LastSuccessAt
			// An error recorded by an older newswatch may quote the URL.
			s.LastStatus, s.LastError = f.LastStatus, redact.Text(f.LastError, f.URL, f.CurrentURL)
			s.ConsecutiveFailures = f.ConsecutiveFailures
			s.PolledBy = f.PolledBy
			if f.ClaimedUntil.After(now) {
				s.ClaimedBy = f.ClaimedBy
			}
			s.LastItemAt, s.ItemsLastDay = act.LastItemAt, act.ItemsSince
			s.ArticlesLastDay, s.ArticleFailuresLastDay = act.ArticlesSince, act.ArticleFailuresSince
			if f.NextAttemptAt.After(now) {
				s.HeldUntil = f.NextAttemptAt
			}
			if h := snap.health[f.ID]; h != nil {
				s.Alerted = State(h.Alerted)
				s.FailingSince = h.FailingSince
			}
			s.State = state(cf, f, act.LastItemAt)
		}
		if cf.Enabled {
			s.NextPollAt = monitor.NextPoll(cf.Schedule, s.LastFetchAt, s.HeldUntil, now)
			if f := snap.feed(cf); f != nil && !f.DueAt.IsZero() {
				// Replicas share the feed: its due time is in the
				// database.
				s.NextPollAt = f.DueAt
				if s.HeldUntil.After(s.NextPollAt) {
					s.NextPollAt = s.HeldUntil
				}
			}
			if f := snap.feed(cf); f != nil {
				s.OverdueSince = PollOverdueSince(cf.Schedule, f.LastFetchAt, f.NextAttemptAt, now)
			}
		} else {
			s.State = StateDisabled
		}
		s.Feed.URL = redact.URL(cf.URL)
		out = append(out, s)
	}
	return out, nil
}

// snapshot is what the store holds about the configured feeds, for a report
// or a check.
type snapshot struct {
	byName   map[string]*store.FeedState
	activity map[int64]store.FeedActivity // items counted since the time given
	health   map[int64]*store.FeedHealth
}

func readSnapshot(ctx context.Context, st *store.Store, itemsSince time.Time) (*snapshot, error) {
	stored, err := st.Feeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("feedhealth: %w", err)
	}
	activity, err := st.FeedActivity(ctx, itemsSince)
	if err != nil {
		return nil, fmt.Errorf("feedhealth: %w", err)
	}
	health, err := st.FeedHealth(ctx)
	if err != nil {
		return nil, fmt.Errorf("feedhealth: %w", err)
	}
	byName := make(map[string]*store.FeedState, len(stored))
	for _, f := range stored {
		byName[f.Name] = f
	}
	return &snapshot{byName: byName, activity: activity, health: health}, nil
}

// feed is the stored state of configured feed cf; nil when the store does
// not know it under that name and URL yet (the daemon has not synced it
// since it was added or its URL changed).
func (s *snapshot) feed(cf model.Feed) *store.FeedState {
	if f := s.byName[cf.Name]; f != nil && f.URL == cf.URL {
		return f
	}
	return nil
}

// state is the state of an enabled feed from what the store holds of it.
func state(cf model.Feed, f *store.FeedState, lastItem time.Time) State {
	switch {
	case f.LastFetchAt.IsZero():
		return StateNew
	case f.ConsecutiveFailures > 0:
		return StateFailing
	case quiet(cf, f, lastItem) > cf.ExpectEvery && cf.ExpectEvery > 0:
		return StateSilent
	}
	return StateOK
}

// quiet is how long the feed had gone without a new item at its last
// successful fetch: counting to that fetch rather than to now means that
// time the daemon was not running, or the feed could not be fetched, is
// never taken for silence. Zero until the feed's first successful fetch.
func quiet(cf model.Feed, f *store.FeedState, lastItem time.Time) time.Duration {
	if f.PrimedAt.IsZero() || f.LastSuccessAt.IsZero() {
		return 0
	}
	since := f.PrimedAt
	if lastItem.After(since) {
		since = lastItem
	}
	return max(0, f.LastSuccessAt.Sub(since))
}

// maxScheduleSteps bounds the walk of a schedule past a hold, for
// schedules that fire far more often than the hold is long.
const maxScheduleSteps = 10000

// MinOverdue is the least time a poll must be late to be overdue, so
// that the scheduler's jitter and a backlog of due polls never count.
const MinOverdue = 10 * time.Minute

// PollOverdueSince returns when the next fetch of a feed on schedule spec,
// last fetched at last and held back until hold (its backoff; zero, or
// past, when none), was due, if that fetch is overdue at now: late by
// more than the schedule's interval at that time and by more than
// MinOverdue. A feed that was never fetched, or whose fetch is not that
// late, gives the zero time.
//
// An overdue poll means that no process polls the feed: the daemon is not
// running, or its scheduler or worker pool is stuck.
func PollOverdueSince(spec string, last, hold, now time.Time) time.Time {
	if last.IsZero() {
		return time.Time{}
	}
	sched, err := monitor.ParseSchedule(spec)
	if err != nil {
		return time.Time{}
	}
	due := sched.Next(last)
	for i := 0; due.Before(hold) && i < maxScheduleSteps; i++ {
		due = sched.Next(due)
	}
	if due.IsZero() {
		return time.Time{}
	}
	interval := sched.Next(due).Sub(due)
	if now.Sub(due) > max(interval, MinOverdue) {
		return due
	}
	return time.Time{}
}
