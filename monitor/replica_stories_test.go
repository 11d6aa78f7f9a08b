package monitor

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/store/pgtest"
	cluster "github.com/newswatch/newswatch/internal/story"
	"github.com/newswatch/newswatch/rules"
)

// TestTwoReplicasOneStory: two replicas sharing a PostgreSQL database poll
// four outlets' reports of one event, and a distinct event, at the same
// moment, two feeds each: one story and one top-level alert for the event,
// one for the distinct event, whatever order their transactions commit
// in. Each replica's story index catches up with what the other recorded
// before it decides (Stories.catchUp).
func TestTwoReplicasOneStory(t *testing.T) {
	dsn := pgtest.DSN(t)
	set := ruleSet(t, &rules.Rule{Name: "syria-israel", Query: "syria AND israel", Severity: rules.SeverityHigh})
	clock := &testClock{t: t0}
	replica := func(name string) (*store.Store, *Poller) {
		st, err := store.OpenPostgres(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, &Poller{
			Store: st, Fetcher: NewFetcher(FetcherOptions{Timeout: 10 * time.Second}),
			Rules: func() *rules.Set { return set }, Routing: Routing{Default: []string{"console"}},
			Backfill: 100 * 365 * 24 * time.Hour, Log: slog.New(slog.DiscardHandler),
			Now: clock.Now, Rand: func() float64 { return 0 }, Replica: name,
			Stories: &Stories{Store: st, ReplyDelay: 10 * time.Minute},
		}
	}
	stA, a := replica("a")
	_, b := replica("b")

	// Other news first, so that rare words are told from common ones.
	doc, err := os.ReadFile(filepath.Join("testdata", "guardian-us-2018.rss"))
	if err != nil {
		t.Fatal(err)
	}
	bg := model.Feed{Name: "Background", URL: newFeedServer(t, string(doc)).URL}
	wire, daily, agg, own, distinct := bakuReports(t0.Add(-3 * time.Hour))
	feeds := []model.Feed{bg}
	for _, f := range []struct {
		name  string
		items []testItem
	}{{"Wire", []testItem{wire}}, {"Daily", []testItem{daily}}, {"Aggregator", []testItem{agg}}, {"Gazette", []testItem{own, distinct}}} {
		feeds = append(feeds, model.Feed{Name: f.name, URL: newFeedServer(t, rssDoc(f.items...)).URL, Enabled: true})
	}
	if err := stA.SyncFeeds(context.Background(), feeds); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Poll(context.Background(), bg); err != nil || res.New != 55 {
		t.Fatalf("background poll: %+v, %v", res, err)
	}
	// A snapshot of a's index, which a replica starting later reads.
	if err := a.Stories.SaveSnapshot(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Each replica polls two outlets, all four at once.
	clock.Advance(time.Minute)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, f := range feeds[1:] {
		p := a
		if i%2 == 1 {
			p = b
		}
		wg.Go(func() {
			<-start
			if _, err := p.Poll(context.Background(), f); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()

	alerts, err := stA.Alerts(context.Background(), store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var heads, also []string
	for _, al := range alerts {
		switch al.Kind {
		case model.KindAlert:
			heads = append(heads, al.Feed+": "+al.Title)
		case model.KindAlso:
			also = append(also, al.Feed+": "+al.Title)
		}
	}
	if len(heads) != 2 || len(also) != 3 {
		t.Errorf("top-level alerts %q and follow-ups %q; want two (the Baku talks, the Daraa strike) and three", heads, also)
	}
	items, err := stA.Items(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	stories := map[int64]bool{}
	for _, it := range items {
		if it.Feed != "Background" {
			stories[it.StoryID] = true
		}
	}
	if len(stories) != 2 {
		t.Errorf("the five reports make %d stories, want 2", len(stories))
	}

	// A third replica starts from the snapshot and catches up with what
	// both recorded since: its index finds for every item what a's does.
	stC, _ := replica("c")
	probe := func(s *Stories) []cluster.Match {
		ss, err := s.begin(context.Background(), clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		defer ss.end(false)
		var out []cluster.Match
		for _, it := range items {
			x := indexItem(it, cluster.Extract(it.Title, it.Summary))
			out = append(out, s.index.Assign(&x))
		}
		return out
	}
	c := &Stories{Store: stC}
	got, want := probe(c), probe(a.Stories)
	if c.builtFrom != "snapshot" || c.index.Len() != len(items) {
		t.Errorf("third replica's index: from the %s, %d items; want from the snapshot, %d", c.builtFrom, c.index.Len(), len(items))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the snapshot and caught up:\n%+v\nreplica a's index:\n%+v", got, want)
	}
}
