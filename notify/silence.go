package notify

import (
	"context"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// Silences: what people in a channel asked not to be sent there (a story
// muted, a rule snoozed; package silence decides which alerts a silence
// covers). The Dispatcher asks its Silencer about every alert of a message
// just before it sends it, so that a silence set while alerts wait in a
// destination's queue (behind a rate limit, a follow-up's batch delay)
// still holds them: a mute settles what it covers, a snooze holds it back
// until its end. When a snooze ends, the outbox gives back what it held
// (alerts with a SilenceID) and planJobs makes them one summary per rule
// and destination.

// Silencer is what the Dispatcher asks about silences; *silence.Book
// implements it.
type Silencer interface {
	// Match returns the silence that covers alert a, bound for the
	// destination (notifier, channel), and holds at now, or nil.
	Match(ctx context.Context, a *model.Alert, notifier, channel string, now time.Time) *store.Silence
	// Apply records what silence s does to the alerts ids: a mute settles
	// them, a snooze holds them back until its end.
	Apply(ctx context.Context, s *store.Silence, ids []int64, now time.Time) error
	// Lookup returns silence id, whether it holds or not.
	Lookup(ctx context.Context, id int64) (*store.Silence, error)
}

// silence takes the alerts of j, the head of the queue, that a silence
// covers at now out of it, records what the silence does to them, and
// reports whether it changed j (step then looks at the queue again). When
// the store cannot record it, the destination waits RetryMin and the
// alerts stay in j: they are not sent meanwhile.
func (ds *destination) silence(j *job, now time.Time) bool {
	d, r := ds.r.d, ds.r
	if d.Silences == nil {
		return false
	}
	type covered struct {
		s      *store.Silence
		alerts []*model.Alert
	}
	var groups []*covered
	bySilence := map[int64]*covered{}
	out := map[int64]bool{}
	for _, a := range j.alerts {
		s := d.Silences.Match(r.ctx, a, ds.notifier, ds.channel, now)
		if s == nil {
			continue
		}
		g := bySilence[s.ID]
		if g == nil {
			g = &covered{s: s}
			bySilence[s.ID] = g
			groups = append(groups, g)
		}
		g.alerts = append(g.alerts, a)
		out[a.ID] = true
	}
	if len(groups) == 0 {
		return false
	}
	ctx, cancel := r.recordCtx()
	defer cancel()
	for _, g := range groups {
		ids := make([]int64, len(g.alerts))
		for i, a := range g.alerts {
			ids[i] = a.ID
		}
		log := d.log().With("alert_ids", ids, "rule", j.rule, "notifier", ds.notifier, "channel", ds.channel,
			"silence_id", g.s.ID, "by", g.s.CreatedBy)
		if err := d.Silences.Apply(ctx, g.s, ids, now); err != nil {
			log.Error("notify: silenced alerts not recorded; the destination waits", "error", err)
			ds.mu.Lock()
			ds.notBefore = now.Add(d.retryMin())
			ds.mu.Unlock()
			return true
		}
		result := ResultMuted
		if g.s.Kind == store.SilenceMute {
			log.Info("notify: story muted here; alerts settled without sending", "story_id", g.s.StoryID)
		} else {
			result = ResultHeld
			log.Info("notify: rule snoozed here; alerts held until the snooze ends", "until", g.s.Until)
		}
		d.outcome(Outcome{Notifier: ds.notifier, Channel: ds.channel, Rule: j.rule, Kind: j.kind,
			Alerts: len(g.alerts), Result: result})
	}

	ds.mu.Lock()
	n := 0
	var gone []*model.Alert
	for i, a := range j.alerts {
		if out[a.ID] {
			gone = append(gone, a)
			continue
		}
		j.alerts[n], j.since[n] = a, j.since[i]
		n++
	}
	j.keep(n)
	ds.mu.Unlock()
	if n == 0 {
		ds.pop(j)
		r.jobEnded(j)
	}
	r.release(gone, 0)
	return true
}

// snoozeOf returns the snooze silence id as a summary of what it held
// tells it, or nil when it cannot be read (the summary is sent without).
func (r *runner) snoozeOf(id int64) *Snooze {
	d := r.d
	if d.Silences == nil {
		return nil
	}
	s, err := d.Silences.Lookup(r.ctx, id)
	if err != nil {
		if r.ctx.Err() == nil {
			d.log().Warn("notify: read the snooze of held alerts", "silence_id", id, "error", err)
		}
		return nil
	}
	until := s.Until
	if !s.RemovedAt.IsZero() && s.RemovedAt.Before(until) {
		until = s.RemovedAt
	}
	return &Snooze{By: s.CreatedBy, ByID: s.CreatorID, From: s.CreatedAt, Until: until}
}
