package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	cluster "github.com/newswatch/newswatch/internal/story"
)

// probeStories builds s's index (or catches it up) as a poll does, and
// returns what Assign finds for each item of the store as if it came
// again, and the index's size: two indexes that give the same for every
// item group the same.
func probeStories(t *testing.T, env *testEnv, s *Stories) ([]cluster.Match, int) {
	t.Helper()
	ss, err := s.begin(context.Background(), env.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer ss.end(false)
	var out []cluster.Match
	for _, it := range env.items() {
		x := indexItem(it, cluster.Extract(it.Title, it.Summary))
		out = append(out, s.index.Assign(&x))
	}
	return out, s.index.Len()
}

// TestStoryIndexFromStoredFeatures: an index built at start from the
// features polls recorded with the items is the index built from the
// items' texts, and the one the polls built as they went: it finds the
// same story, by the same stage, score and words, for every item. Features
// of another version are extracted from the text again and recorded.
func TestStoryIndexFromStoredFeatures(t *testing.T) {
	env := storyEnv(t)
	var feeds []model.Feed
	serve := func(name, doc string) {
		f := model.Feed{Name: name, URL: newFeedServer(t, doc).URL}
		feeds = append(feeds, f)
		env.addFeeds(feeds...)
		env.poll(f)
	}
	for _, name := range []string{"arab48-arabic-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml",
		"glz-army-radio-hebrew-2026-10-03.xml", "heise-developer-2016.atom"} {
		serve(name, string(readFixture(t, name)))
	}
	wire, daily, aggregator, own, distinct := bakuReports(t0.Add(-time.Hour))
	for i, it := range []testItem{wire, daily, aggregator, own, distinct} {
		serve(fmt.Sprint("baku-", i), rssDoc(it))
	}
	items := env.items()
	joined := 0
	stories := map[int64]bool{}
	for _, it := range items {
		if stories[it.StoryID] {
			joined++
		}
		stories[it.StoryID] = true
	}
	if len(items) < 140 || joined < 5 {
		t.Fatalf("%d items, %d of them joined a story: want more to compare", len(items), joined)
	}

	running, n := probeStories(t, env, env.poller.Stories)
	if n != len(items) {
		t.Fatalf("the polls' index holds %d items, want %d", n, len(items))
	}
	for _, c := range []struct {
		name    string
		version int64
		saved   int // items whose features the start records
	}{
		{"stored features", 0, 0},
		{"another version: extracted and recorded", 1, len(items)},
		{"this version again: extracted and recorded", 0, len(items)},
		{"stored features again", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log syncBuffer
			s := &Stories{Store: env.store, version: c.version, Log: slog.New(slog.NewTextHandler(&log, nil))}
			got, n := probeStories(t, env, s)
			if n != len(items) {
				t.Errorf("index of %d items, want %d", n, len(items))
			}
			if !reflect.DeepEqual(got, running) {
				for i := range got {
					if !reflect.DeepEqual(got[i], running[i]) {
						t.Errorf("item %d (%s): %+v, the polls' index gives %+v", items[i].ID, items[i].Title, got[i], running[i])
					}
				}
			}
			want := ""
			if c.saved > 0 {
				want = fmt.Sprintf("story features recorded\" items=%d", c.saved)
			}
			if recorded := strings.Contains(log.String(), "story features recorded"); recorded != (c.saved > 0) ||
				(want != "" && !strings.Contains(log.String(), want)) {
				t.Errorf("log:\n%s\nwant %q", log.String(), want)
			}
		})
	}
}
