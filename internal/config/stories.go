package config

import "time"

// Stories is the [stories] table: how reports of one event from several
// feeds are grouped into a story, and how later reports are told.
type Stories struct {
	// Window is how long after an item was seen later reports can join its
	// story. It must not be longer than store.retention: the text of the
	// window's items is what they are compared with.
	Window time.Duration

	// Threshold is the score a report must reach with a story to join it
	// by the rare words they share (the second, conservative stage; see
	// docs/stories.md). Higher merges less.
	Threshold float64

	// ReplyDelay is how long later reports of a story are collected before
	// they are told (a thread reply, a follow-up message): the first reply
	// waits this long, each later one twice as long as the one before (at
	// most six hours), so a busy story gives a few replies, not one per
	// outlet. Zero tells each report at once.
	ReplyDelay time.Duration

	// MaxItems is the most items the story index holds in memory (about
	// 500 bytes each); beyond it the oldest leave the window early, so
	// with many busy feeds later reports can only join stories this recent.
	MaxItems int
}

// Defaults of [stories]: the story index's own (story.DefaultWindow,
// DefaultThreshold and DefaultMaxItems; config imports no package of
// newswatch, and a test in internal/pipeline, which wires one into the
// other, holds them equal), and how long replies wait.
const (
	defaultStoryWindow     = 48 * time.Hour
	defaultStoryThreshold  = 0.30
	defaultStoryReplyDelay = 10 * time.Minute
	defaultStoryMaxItems   = 100_000
	minStoryMaxItems       = 1_000
	maxStoryThreshold      = 2
)

type rawStories struct {
	Window     any `toml:"window"`
	Threshold  any `toml:"threshold"`
	ReplyDelay any `toml:"reply_delay"`
	MaxItems   any `toml:"max_items"`
}

// stories checks [stories]; retention is store.retention, which the window
// must fit in.
func (b *builder) stories(raw *rawStories, retention time.Duration) Stories {
	p := func(key string) []any { return []any{"stories", key} }
	s := Stories{Window: defaultStoryWindow, Threshold: defaultStoryThreshold, ReplyDelay: defaultStoryReplyDelay,
		MaxItems: defaultStoryMaxItems}
	if v, ok := b.positiveDuration(raw.Window, p("window")...); ok {
		s.Window = v
	}
	if s.Window > retention {
		path := p("window")
		if raw.Window == nil {
			path = []any{"store", "retention"}
		}
		b.errorf(path, `stories.window (%s) must not be longer than store.retention (%s): later reports are compared with the text of the window's items`,
			formatDuration(s.Window), formatDuration(retention))
	}
	if v, ok := b.positiveNumber(raw.Threshold, p("threshold")...); ok {
		if v > maxStoryThreshold {
			b.errorf(p("threshold"), `"threshold" must be at most %d (a score above it is never reached), not %v`, maxStoryThreshold, v)
		} else {
			s.Threshold = v
		}
	}
	if v, ok := b.duration(raw.ReplyDelay, p("reply_delay")...); ok {
		s.ReplyDelay = v
	}
	if v, ok := b.integer(raw.MaxItems, minStoryMaxItems, p("max_items")...); ok {
		s.MaxItems = int(v)
	}
	return s
}
