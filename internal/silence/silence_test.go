package silence

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func TestCovers(t *testing.T) {
	mute := &store.Silence{Kind: store.SilenceMute, Notifier: "slack", Channel: "#news", ChannelID: "C0NEWS", StoryID: 7}
	snooze := &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news", Rule: "talks"}
	alert := func(rule string, story int64) *model.Alert { return &model.Alert{Rule: rule, StoryID: story} }
	for _, tc := range []struct {
		name              string
		s                 *store.Silence
		a                 *model.Alert
		notifier, channel string
		want              bool
	}{
		{"muted story, any rule", mute, alert("other", 7), "slack", "#news", true},
		{"muted story, channel by ID", mute, alert("other", 7), "slack", "C0NEWS", true},
		{"another story", mute, alert("other", 8), "slack", "#news", false},
		{"an alert without story", mute, alert("other", 0), "slack", "#news", false},
		{"another channel", mute, alert("other", 7), "slack", "#other", false},
		{"another notifier", mute, alert("other", 7), "team", "#news", false},
		{"a pruned story's mute", &store.Silence{Kind: store.SilenceMute, Notifier: "slack", Channel: "#news"}, alert("x", 0), "slack", "#news", false},
		{"snoozed rule, any story", snooze, alert("talks", 9), "slack", "#news", true},
		{"another rule", snooze, alert("other", 9), "slack", "#news", false},
		{"snooze without channel ID does not match an empty one", snooze, alert("talks", 9), "slack", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Covers(tc.s, tc.a, tc.notifier, tc.channel); got != tc.want {
				t.Errorf("Covers = %v, want %v", got, tc.want)
			}
		})
	}
}

// countingStore counts the reads of the silences in force.
type countingStore struct {
	*store.Store
	reads int
	fail  error
}

func (c *countingStore) Silences(ctx context.Context, f store.SilenceFilter) ([]*store.Silence, error) {
	c.reads++
	if c.fail != nil {
		return nil, c.fail
	}
	return c.Store.Silences(ctx, f)
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestBookMatchesAndRefreshes(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{Store: openStore(t)}
	book := &Book{Store: st, Refresh: time.Minute}
	a := &model.Alert{Rule: "talks", StoryID: 0}
	if s := book.Match(ctx, a, "slack", "#news", t0); s != nil {
		t.Fatalf("match in an empty book: %+v", s)
	}
	// Another process snoozes the rule: seen once the book is stale.
	snooze := &store.Silence{Kind: store.SilenceSnooze, Notifier: "slack", Channel: "#news", Rule: "talks",
		CreatedAt: t0, Until: t0.Add(time.Hour)}
	if err := st.AddSilence(ctx, snooze); err != nil {
		t.Fatal(err)
	}
	if s := book.Match(ctx, a, "slack", "#news", t0.Add(30*time.Second)); s != nil || st.reads != 1 {
		t.Errorf("within Refresh: match %v after %d reads; want the old (empty) view, 1 read", s, st.reads)
	}
	if s := book.Match(ctx, a, "slack", "#news", t0.Add(time.Minute)); s == nil || s.ID != snooze.ID || st.reads != 2 {
		t.Errorf("after Refresh: match %v after %d reads; want the snooze", s, st.reads)
	}
	// At its end it matches no more.
	if s := book.Match(ctx, a, "slack", "#news", t0.Add(time.Hour)); s != nil {
		t.Errorf("match at the snooze's end: %+v", s)
	}

	// What the book itself adds holds at once; a mute goes before a
	// snooze.
	story := &store.Story{Title: "Talks", CreatedAt: t0}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.NewStory(story); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mute := &store.Silence{Kind: store.SilenceMute, Notifier: "slack", Channel: "#news", StoryID: story.ID, CreatedAt: t0}
	if err := book.Add(ctx, mute); err != nil {
		t.Fatal(err)
	}
	a.StoryID = story.ID
	now := t0.Add(time.Minute + time.Second)
	if s := book.Match(ctx, a, "slack", "#news", now); s == nil || s.ID != mute.ID {
		t.Errorf("match after Add: %+v, want the mute", s)
	}
	if _, _, err := book.Remove(ctx, mute.ID, "admin", now); err != nil {
		t.Fatal(err)
	}
	if s := book.Match(ctx, a, "slack", "#news", now); s == nil || s.ID != snooze.ID {
		t.Errorf("match after the mute's removal: %+v, want the snooze", s)
	}

	// A failing read keeps what was read before.
	st.fail = errors.New("disk I/O error")
	if s := book.Match(ctx, a, "slack", "#news", now.Add(time.Hour-2*time.Minute)); s == nil || s.ID != snooze.ID {
		t.Errorf("match when the store fails: %+v, want the snooze read before", s)
	}
}
