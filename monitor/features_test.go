package monitor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
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
			var log logtest.Buffer
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

// TestStoryIndexFromSnapshot: an index read from the snapshot the polls'
// index wrote, and caught up with the items recorded since, finds for every
// item what the polls' index and an index built from the items find. A
// snapshot that no longer says what the items say (features of another
// version, an item edited or pruned since) is not used: the index is built
// from the items, and finds the same.
func TestStoryIndexFromSnapshot(t *testing.T) {
	env := storyEnv(t) // the background, seen an hour before the rest
	env.clock.Advance(time.Hour)
	var feeds []model.Feed
	serve := func(name, doc string) {
		f := model.Feed{Name: name, URL: newFeedServer(t, doc).URL}
		feeds = append(feeds, f)
		env.addFeeds(feeds...)
		env.poll(f)
	}
	for _, name := range []string{"arab48-arabic-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml"} {
		serve(name, string(readFixture(t, name)))
	}
	wire, daily, aggregator, own, distinct := bakuReports(t0.Add(-time.Hour))
	serve("baku-0", rssDoc(wire))
	ctx := context.Background()
	if err := env.poller.Stories.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	// Recorded after the snapshot: taken in at the start.
	for i, it := range []testItem{daily, aggregator, own, distinct} {
		serve(fmt.Sprint("baku-", i+1), rssDoc(it))
	}
	serve("glz-army-radio-hebrew-2026-10-03.xml", string(readFixture(t, "glz-army-radio-hebrew-2026-10-03.xml")))
	// A story split after the snapshot (a move the start applies).
	items := env.items()
	inStory := map[int64]int{}
	for _, it := range items {
		inStory[it.StoryID]++
	}
	split := slices.IndexFunc(items, func(it *model.Item) bool { return inStory[it.StoryID] > 1 && it.Title == wire.Title })
	if split < 0 {
		t.Fatal("no story of two items to split")
	}
	if _, err := env.store.SplitItem(ctx, items[split].StoryID, items[split].ID, env.clock.Now()); err != nil {
		t.Fatal(err)
	}
	env.poll(feeds[0]) // the polls' index applies it
	items = env.items()

	start := func(t *testing.T, version int64) ([]cluster.Match, string) {
		t.Helper()
		var log logtest.Buffer
		s := &Stories{Store: env.store, version: version, Log: slog.New(slog.NewTextHandler(&log, nil))}
		got, n := probeStories(t, env, s)
		if n != len(items) {
			t.Errorf("index of %d items, want %d", n, len(items))
		}
		return got, log.String()
	}
	compare := func(t *testing.T, got, want []cluster.Match) {
		t.Helper()
		joined := 0
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("item %d (%s): %+v, want %+v", items[i].ID, items[i].Title, got[i], want[i])
			}
			if got[i].Stage != cluster.StageNew {
				joined++
			}
		}
		if joined < 5 {
			t.Errorf("%d items joined a story: want more to compare", joined)
		}
	}
	running, _ := probeStories(t, env, env.poller.Stories)
	fromItems, _ := start(t, 0) // no snapshot of this version: none used
	compare(t, fromItems, running)

	fromSnapshot, log := start(t, 0)
	if !strings.Contains(log, "from=snapshot") {
		t.Fatalf("not started from the snapshot:\n%s", log)
	}
	compare(t, fromSnapshot, running)

	for _, c := range []struct {
		name    string
		version int64
		change  func(t *testing.T)
		reason  string
	}{
		{"features of another version", 1, nil, "story features of another version"},
		{"an item edited", 0, func(t *testing.T) {
			tx, err := env.store.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			it := items[len(items)-1]
			if err := tx.UpdateItem(it.ID, store.ItemEdit{Title: it.Title, Summary: it.Summary, TextHash: it.TextHash, At: env.clock.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}, "items edited since"},
		{"items pruned", 0, func(t *testing.T) {
			if _, err := env.store.Prune(ctx, t0.Add(time.Minute), 0); err != nil {
				t.Fatal(err)
			}
			// The polls' index holds the pruned items until they leave
			// the window: an index built from the items does not.
			items = env.items()
		}, "of its"},
		// The snapshot file beside the database, changed in place: its
		// description (the first 60 bytes) still names it, so it is read,
		// and refused with a reason.
		{"a damaged snapshot", 0, func(t *testing.T) {
			editSnapshotFile(t, env.store, func(b []byte) { b[len(b)/2] ^= 0x10 })
		}, "bad index snapshot: checksum"},
		{"a snapshot of an older format", 0, func(t *testing.T) {
			// Its format number, after the description and "NWIX": 1, as
			// the snapshots written before the format of 2 were.
			editSnapshotFile(t, env.store, func(b []byte) { b[60+4] = 1 })
		}, "snapshot of another version: format 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A snapshot current when written.
			s := &Stories{Store: env.store}
			probeStories(t, env, s)
			if err := s.SaveSnapshot(ctx); err != nil {
				t.Fatal(err)
			}
			if c.change != nil {
				c.change(t)
			}
			got, log := start(t, c.version)
			if !strings.Contains(log, "from=items") || !strings.Contains(log, c.reason) {
				t.Errorf("log:\n%s\nwant the index built from the items, because %q", log, c.reason)
			}
			if c.name == "an item edited" { // the same text again
				compare(t, got, running)
			}
		})
	}
}

// editSnapshotFile changes the bytes of the story index's snapshot file of
// st, a SQLite store, with edit, in place.
func editSnapshotFile(t *testing.T, st *store.Store, edit func([]byte)) {
	t.Helper()
	path := st.Target() + "-stories"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(b)
	// Renamed over it, as the store replaces it: an index that mapped the
	// file before keeps its bytes.
	if err := os.WriteFile(path+".edit", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".edit", path); err != nil {
		t.Fatal(err)
	}
}

// TestStoryIndexSnapshotIfBehind: as a cron job runs, each process starts
// from the store's snapshot and, when it stops, leaves that snapshot while
// it is only a few items behind its index (SaveSnapshotIfBehind): the next
// start catches up with the items recorded since and finds for every item
// what the polls' index, and an index built from the items, find. Once the
// snapshot is too far behind, it is written again.
func TestStoryIndexSnapshotIfBehind(t *testing.T) {
	env := storyEnv(t) // 55 items of background, an hour before the rest
	env.clock.Advance(time.Hour)
	ctx := context.Background()
	var (
		feeds []model.Feed
		log   *logtest.Buffer
	)
	serve := func(name, doc string) {
		f := model.Feed{Name: name, URL: newFeedServer(t, doc).URL}
		feeds = append(feeds, f)
		env.addFeeds(feeds...)
		env.poll(f)
	}
	// restart stands for the next process: its polls' index starts from
	// the store.
	restart := func() {
		log = &logtest.Buffer{}
		env.poller.Stories = &Stories{Store: env.store, ReplyDelay: 10 * time.Minute,
			Log: slog.New(slog.NewTextHandler(log, nil))}
	}
	snapshotMax := func() int64 {
		t.Helper()
		var max int64
		err := env.store.ReadStorySnapshot(ctx, func(h store.StorySnapshot, _ io.Reader) error {
			max = h.MaxItem
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return max
	}
	lastItem := func() int64 {
		var last int64
		for _, it := range env.items() {
			last = max(last, it.ID)
		}
		return last
	}
	saveIfBehind := func(want bool) {
		t.Helper()
		wrote, err := env.poller.Stories.SaveSnapshotIfBehind(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if wrote != want {
			t.Fatalf("snapshot written: %v, want %v", wrote, want)
		}
	}

	for _, name := range []string{"arab48-arabic-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml"} {
		serve(name, string(readFixture(t, name)))
	}
	saveIfBehind(true) // built from the items: the store has no snapshot of it
	written := lastItem()
	if got := snapshotMax(); got != written {
		t.Fatalf("snapshot up to item %d, want %d", got, written)
	}

	// The next run records five items, fewer than a sixteenth of the
	// index's 102: the snapshot is left as it is.
	restart()
	wire, daily, aggregator, own, distinct := bakuReports(t0.Add(-time.Hour))
	for i, it := range []testItem{wire, daily, aggregator, own, distinct} {
		serve(fmt.Sprint("baku-", i), rssDoc(it))
	}
	if !strings.Contains(log.String(), "from=snapshot") {
		t.Fatalf("not started from the snapshot:\n%s", log.String())
	}
	saveIfBehind(false)
	if got := snapshotMax(); got != written {
		t.Fatalf("snapshot up to item %d, want %d: left as it was", got, written)
	}
	running := env.poller.Stories

	// The next start reads it and catches up with the five.
	restart()
	items := env.items()
	want, _ := probeStories(t, env, running)
	got, n := probeStories(t, env, env.poller.Stories)
	if !strings.Contains(log.String(), "from=snapshot") {
		t.Fatalf("not started from the snapshot:\n%s", log.String())
	}
	if n != len(items) {
		t.Errorf("index of %d items, want %d", n, len(items))
	}
	fromItems, _ := probeStories(t, env, &Stories{Store: env.store, version: 1}) // no snapshot of this version
	joined := 0
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) || !reflect.DeepEqual(got[i], fromItems[i]) {
			t.Errorf("item %d (%s): %+v, the polls' index gives %+v, an index from the items %+v",
				items[i].ID, items[i].Title, got[i], want[i], fromItems[i])
		}
		if got[i].Stage != cluster.StageNew {
			joined++
		}
	}
	if joined < 5 {
		t.Errorf("%d items joined a story: want more to compare", joined)
	}
	saveIfBehind(false) // still five behind

	// Twenty-five more: too far behind, written again.
	serve("glz-army-radio-hebrew-2026-10-03.xml", string(readFixture(t, "glz-army-radio-hebrew-2026-10-03.xml")))
	saveIfBehind(true)
	if got, want := snapshotMax(), lastItem(); got != want {
		t.Fatalf("snapshot up to item %d, want %d", got, want)
	}
	saveIfBehind(false) // none behind
}
