// Package silence owns what people asked newswatch not to send to a
// channel: a story muted there, or a rule snoozed there for a while (from
// the buttons of a Slack alert, see notify/slack). It decides which alerts
// a silence covers (Covers), keeps the silences in force in memory for the
// dispatcher, which asks about every message before it sends it (Book),
// and records new silences and their removal in the store, logging each.
//
// What a silence does to what it covers:
//
//   - A mute settles every alert of its story bound for its destination,
//     whatever their rule: first alerts of other rules, follow-ups ("also
//     reported by"), edits, lines of digests and summaries. They are
//     recorded as delivered without having been sent, with the mute that
//     settled them, and nothing of them reaches the channel. A mute lasts
//     as long as its story (until it is removed).
//   - A snooze holds back every alert of its rule bound for its
//     destination until it ends; the matches are recorded as usual. When it
//     ends (or is removed), what it held goes out as one summary message
//     per rule and destination, most recent first, instead of a burst:
//     a desk that snoozed a rule for a day learns what it missed without
//     being flooded. Alerts that waited for the rule's digest go in that
//     summary too.
//
// Other destinations (another channel, another notifier) are not affected.
package silence

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// Store is the part of the store a Book reads and writes; *store.Store
// implements it.
type Store interface {
	AddSilence(ctx context.Context, s *store.Silence) error
	Silence(ctx context.Context, id int64) (*store.Silence, error)
	Silences(ctx context.Context, f store.SilenceFilter) ([]*store.Silence, error)
	RemoveSilence(ctx context.Context, id int64, by string, now time.Time) (*store.Silence, int, error)
	SettleSilenced(ctx context.Context, ids []int64, silenceID int64, now time.Time) error
	HoldSilenced(ctx context.Context, ids []int64, silenceID int64, until time.Time) error
}

// Covers reports whether silence s covers alert a bound for the
// destination (notifier, channel), whether or not s holds now (see
// store.Silence.Active). The channel is compared with both the silence's
// channel as configured and its ID, so that a rule naming the channel by
// its ID and another by its name are one destination to a mute.
func Covers(s *store.Silence, a *model.Alert, notifier, channel string) bool {
	if s.Notifier != notifier || (s.Channel != channel && (s.ChannelID == "" || s.ChannelID != channel)) {
		return false
	}
	switch s.Kind {
	case store.SilenceMute:
		return s.StoryID != 0 && a.StoryID == s.StoryID
	case store.SilenceSnooze:
		return a.Rule == s.Rule
	}
	return false
}

// DefaultRefresh is how long a Book trusts the silences it read before it
// reads them again, when its Refresh is zero: a silence added or removed by
// another process (`newswatch mutes remove`) takes effect within it.
const DefaultRefresh = 2 * time.Second

// Book is the silences in force, read from the store and kept in memory,
// with the operations that change them. It is safe for concurrent use.
// Set the fields before first use and do not change them after.
type Book struct {
	// Store holds the silences; required.
	Store Store
	// Log receives a line for every silence added or removed; nil means
	// slog.Default().
	Log *slog.Logger
	// Refresh is how long silences read from the store are trusted; zero
	// means DefaultRefresh.
	Refresh time.Duration

	mu       sync.Mutex
	active   []*store.Silence
	loadedAt time.Time // by the clock of the callers of Match
	loaded   bool
}

// Match returns the silence that covers alert a, bound for the destination
// (notifier, channel), and holds at now, or nil: a mute before a snooze,
// the newest of each. It reads the silences from the store again when those
// it holds are older than Refresh; when that read fails it logs it and goes
// on with what it has.
func (b *Book) Match(ctx context.Context, a *model.Alert, notifier, channel string, now time.Time) *store.Silence {
	var found *store.Silence
	for _, s := range b.current(ctx, now) {
		if !s.Active(now) || !Covers(s, a, notifier, channel) {
			continue
		}
		if s.Kind == store.SilenceMute {
			return s // newest first: the newest mute
		}
		if found == nil {
			found = s
		}
	}
	return found
}

// current returns the silences in force as last read, reading them again
// when they are stale at now.
func (b *Book) current(ctx context.Context, now time.Time) []*store.Silence {
	b.mu.Lock()
	defer b.mu.Unlock()
	refresh := b.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	if b.loaded && !now.Before(b.loadedAt) && now.Sub(b.loadedAt) < refresh {
		return b.active
	}
	list, err := b.Store.Silences(ctx, store.SilenceFilter{ActiveAt: now})
	if err != nil {
		if ctx.Err() == nil {
			b.log().Warn("silence: read the silences in force; going on with those read before", "error", err)
		}
	} else {
		b.active = list
	}
	b.loaded, b.loadedAt = true, now
	return b.active
}

// invalidate makes the next Match read the silences again.
func (b *Book) invalidate() {
	b.mu.Lock()
	b.loaded = false
	b.mu.Unlock()
}

// Apply records what silence s does to the queued alerts ids, which it
// covers at now: a mute settles them, a snooze holds them back until its
// end.
func (b *Book) Apply(ctx context.Context, s *store.Silence, ids []int64, now time.Time) error {
	switch s.Kind {
	case store.SilenceMute:
		return b.Store.SettleSilenced(ctx, ids, s.ID, now)
	case store.SilenceSnooze:
		return b.Store.HoldSilenced(ctx, ids, s.ID, s.Until)
	}
	return errors.New("silence: unknown kind " + string(s.Kind))
}

// Lookup returns silence id, whether it holds or not.
func (b *Book) Lookup(ctx context.Context, id int64) (*store.Silence, error) {
	return b.Store.Silence(ctx, id)
}

// Add records s (setting its ID), logs it, and makes it hold at once for
// this process's dispatcher.
func (b *Book) Add(ctx context.Context, s *store.Silence) error {
	if err := b.Store.AddSilence(ctx, s); err != nil {
		return err
	}
	b.invalidate()
	attrs := []any{"silence_id", s.ID, "kind", string(s.Kind), "notifier", s.Notifier, "channel", s.Channel,
		"channel_id", s.ChannelID, "rule", s.Rule, "alert_id", s.AlertID, "by", s.CreatedBy, "by_id", s.CreatorID}
	switch s.Kind {
	case store.SilenceMute:
		b.log().Info("silence: story muted", append(attrs, "story_id", s.StoryID)...)
	default:
		b.log().Info("silence: rule snoozed", append(attrs, "until", s.Until)...)
	}
	return nil
}

// Remove ends silence id at now on behalf of by (undo), logs it, and
// returns it with how many held alerts it released (see
// store.RemoveSilence).
func (b *Book) Remove(ctx context.Context, id int64, by string, now time.Time) (*store.Silence, int, error) {
	s, released, err := b.Store.RemoveSilence(ctx, id, by, now)
	if err != nil {
		return nil, 0, err
	}
	b.invalidate()
	b.log().Info("silence: removed", "silence_id", s.ID, "kind", string(s.Kind), "notifier", s.Notifier,
		"channel", s.Channel, "rule", s.Rule, "story_id", s.StoryID, "by", by, "released_alerts", released)
	return s, released, nil
}

func (b *Book) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}
