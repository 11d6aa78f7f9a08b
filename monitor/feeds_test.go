package monitor

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// scheduledSpecs returns the schedule of every feed a running scheduler
// has an entry for, by name.
func scheduledSpecs(s *Scheduler) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	if s.live != nil {
		for name, e := range s.live.entries {
			out[name] = e.sf.spec + " " + e.sf.feed.URL
		}
	}
	return out
}

// TestSetFeedsWhileRunning changes the feeds of a running scheduler: a new
// feed is polled soon, a removed one loses its schedule, a moved one is
// polled at its new URL, a new schedule replaces the old, a disabled feed
// stops, and the store follows.
func TestSetFeedsWhileRunning(t *testing.T) {
	env := newTestEnv(t, syriaRules(t))
	kept, moved, added, movedTo := newFeedServer(t, rssDoc(story(1, 0))), newFeedServer(t, rssDoc(story(2, 0))),
		newFeedServer(t, rssDoc(story(3, 0))), newFeedServer(t, rssDoc(story(4, 0)))
	feeds := []model.Feed{
		{Name: "kept", URL: kept.URL, Enabled: true, Schedule: "@every 1h"},
		{Name: "moved", URL: moved.URL, Enabled: true, Schedule: "@every 1h"},
		{Name: "removed", URL: "file:///dev/null", Enabled: true, Schedule: "@every 1h"},
		{Name: "turned-off", URL: "file:///dev/null", Enabled: true, Schedule: "@every 1h"},
	}
	s := &Scheduler{Poller: env.poller, Feeds: feeds}
	s.after = func(time.Duration) <-chan time.Time { // first polls at once
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	fetched := func(name string) bool {
		f, err := env.store.Feed(context.Background(), name)
		return err == nil && !f.LastFetchAt.IsZero()
	}
	// The first polls are over (a poll still running would keep the
	// moved feed's next one from starting).
	waitFor(t, "the first polls", func() bool { return fetched("kept") && fetched("moved") })

	next := []model.Feed{
		{Name: "kept", URL: kept.URL, Enabled: true, Schedule: "@every 2h", Tags: []string{"mideast"}},
		{Name: "moved", URL: movedTo.URL, Enabled: true, Schedule: "@every 1h"},
		{Name: "turned-off", URL: "file:///dev/null", Enabled: false, Schedule: "@every 1h"},
		{Name: "added", URL: added.URL, Enabled: true},
	}
	changes, err := s.SetFeeds(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	want := FeedChanges{Added: []string{"added"}, Changed: []string{"kept", "moved", "turned-off"}, Removed: []string{"removed"}}
	if !slices.Equal(changes.Added, want.Added) || !slices.Equal(changes.Changed, want.Changed) || !slices.Equal(changes.Removed, want.Removed) {
		t.Errorf("changes %+v, want %+v", changes, want)
	}
	waitFor(t, "the new feed's and the moved feed's polls", func() bool {
		return added.requestCount() == 1 && movedTo.requestCount() == 1
	})
	specs := scheduledSpecs(s)
	wantSpecs := map[string]string{
		"kept":  "@every 2h " + kept.URL,
		"moved": "@every 1h " + movedTo.URL,
		"added": DefaultSchedule + " " + added.URL,
	}
	if len(specs) != len(wantSpecs) {
		t.Errorf("scheduled %v, want %v", specs, wantSpecs)
	}
	for name, spec := range wantSpecs {
		if specs[name] != spec {
			t.Errorf("%s scheduled as %q, want %q", name, specs[name], spec)
		}
	}
	if kept.requestCount() != 1 || moved.requestCount() != 1 {
		t.Errorf("a feed whose URL stayed was polled again (%d) or the old URL was (%d)", kept.requestCount(), moved.requestCount())
	}
	if got := s.Configured(); !slices.EqualFunc(got, next, func(a, b model.Feed) bool { return a.Name == b.Name && a.URL == b.URL }) {
		t.Errorf("Configured() = %v", got)
	}
	stored, err := env.store.Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range stored {
		names = append(names, f.Name+" "+f.URL)
	}
	slices.Sort(names)
	wantNames := []string{"added " + added.URL, "kept " + kept.URL, "moved " + movedTo.URL, "turned-off file:///dev/null"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("store feeds %q, want %q", names, wantNames)
	}
}

// TestSetFeedsRefusesABadSchedule checks that a list with a bad schedule
// changes nothing, and that feeds set before Run are the ones it starts
// with.
func TestSetFeedsRefusesABadSchedule(t *testing.T) {
	env := newTestEnv(t, nil)
	s := &Scheduler{Poller: env.poller, Feeds: []model.Feed{{Name: "a", URL: "file:///dev/null", Enabled: true}}}
	_, err := s.SetFeeds(context.Background(), []model.Feed{{Name: "b", URL: "file:///dev/null", Enabled: true, Schedule: "every day"}})
	if err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("SetFeeds = %v, want an error naming the feed", err)
	}
	if got := s.Configured(); len(got) != 1 || got[0].Name != "a" {
		t.Errorf("Configured() = %v after a refused list", got)
	}
	if feeds, _ := env.store.Feeds(context.Background()); len(feeds) != 0 {
		t.Errorf("a refused list was recorded: %d feeds", len(feeds))
	}
	b := []model.Feed{{Name: "b", URL: "file:///dev/null", Enabled: true}}
	changes, err := s.SetFeeds(context.Background(), b)
	if err != nil || !slices.Equal(changes.Added, []string{"b"}) || !slices.Equal(changes.Removed, []string{"a"}) {
		t.Fatalf("SetFeeds = %+v, %v", changes, err)
	}
	if got := s.Configured(); len(got) != 1 || got[0].Name != "b" {
		t.Errorf("Configured() = %v, want b", got)
	}
}
