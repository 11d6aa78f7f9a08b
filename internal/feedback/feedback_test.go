package feedback

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// world is a store with the items of one feed, the alerts of rule
// syria-israel for those it matches, and the rules in force.
type world struct {
	st    *store.Store
	set   *rules.Set
	feeds []model.Feed
	alert map[string]*model.Alert // by title
}

func newWorld(t *testing.T, titles ...string) *world {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{st: st, feeds: []model.Feed{{Name: "Wire", URL: "https://wire.example/rss", Enabled: true}},
		alert: map[string]*model.Alert{}}
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: "Wire", URL: "https://wire.example/rss", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	feed, err := st.Feed(ctx, "Wire")
	if err != nil {
		t.Fatal(err)
	}
	q, err := rules.ParseQuery("syria AND israel")
	if err != nil {
		t.Fatal(err)
	}
	w.set = rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "syria-israel", Query: "syria AND israel", Enabled: true}, Query: q}})
	for i, title := range titles {
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		it := &model.Item{FeedID: feed.ID, Identity: fmt.Sprintf("guid:%d", i), Title: title,
			Link: fmt.Sprintf("https://wire.example/%d", i), SeenAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
		a := &model.Alert{ItemID: it.ID, Rule: "syria-israel", Notifier: "slack", Title: title, Link: it.Link,
			Feed: "Wire", Hits: []model.Hit{{Field: "title", Text: "Syria"}, {Field: "title", Text: "Israel"}}, CreatedAt: it.SeenAt}
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		w.alert[title] = a
	}
	return w
}

// mark records who's "not relevant" on the alert of title.
func (w *world) mark(t *testing.T, title, who string, at time.Time) {
	t.Helper()
	a := w.alert[title]
	if _, err := w.st.AddFeedback(context.Background(), &store.Feedback{AlertID: a.ID, ItemID: a.ItemID, Rule: a.Rule,
		Notifier: "slack", ChannelID: "CNEWS", Title: a.Title, Link: a.Link, Feed: a.Feed, Hits: a.Hits,
		CreatedBy: "@" + who, CreatorID: "U" + who, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
}

func TestFeedbackSuggestsWhatTheMarkedShare(t *testing.T) {
	football := []string{
		"Israel beat Syria in a World Cup football qualifier",
		"Syria and Israel draw 1-1 in football friendly",
		"Football: Israel's coach praises Syria's defence",
	}
	relevant := []string{
		"Syria and Israel resume normalization talks in Baku",
		"Israel and Syria agree on a security arrangement",
		"US envoy: Syria and Israel close to a deal",
		"Syria, Israel hold third round of talks",
		"Israel says talks with Syria are constructive",
		"Syria demands Israel withdraw before any deal",
	}
	w := newWorld(t, append(append([]string{}, football...), relevant...)...)
	w.mark(t, football[0], "alice", t0.Add(time.Hour))
	w.mark(t, football[1], "alice", t0.Add(2*time.Hour))
	w.mark(t, football[2], "bob", t0.Add(3*time.Hour))
	w.mark(t, football[2], "carol", t0.Add(4*time.Hour)) // the same item, twice

	reports, err := Analyze(context.Background(), w.st, w.set, w.feeds, Options{Since: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports", len(reports))
	}
	r := reports[0]
	if r.Rule != "syria-israel" || r.Query != "syria AND israel" || len(r.Items) != 3 || r.Relevant != 6 {
		t.Fatalf("report: rule %s, %d items, %d relevant", r.Rule, len(r.Items), r.Relevant)
	}
	if first := r.Items[0]; first.Title != football[2] || !reflect.DeepEqual(first.By, []string{"@bob", "@carol"}) ||
		!first.At.Equal(t0.Add(4*time.Hour)) || len(first.Hits) != 2 {
		t.Errorf("newest item: %+v", first)
	}
	if len(r.Terms) == 0 || r.Terms[0] != (Term{Term: "football", NotRelevant: 3, Relevant: 0}) {
		t.Fatalf("terms: %+v, want football first", r.Terms)
	}
	for _, term := range r.Terms {
		if term.Term == "syria" || term.Term == "israel" || term.Term == "the" {
			t.Errorf("suggested %q", term.Term)
		}
	}
	if r.Candidate != "NOT football" || r.Tried != "(syria AND israel) NOT football" {
		t.Errorf("candidate %q, tried %q", r.Candidate, r.Tried)
	}
	if r.Dropped != 3 || r.DroppedRelevant != 0 {
		t.Errorf("the candidate drops %d marked and %d relevant, want 3 and 0", r.Dropped, r.DroppedRelevant)
	}
	for _, it := range r.Items {
		if !it.Dropped() {
			t.Errorf("%q not dropped", it.Title)
		}
	}
}

func TestFeedbackWithoutAnythingToSuggest(t *testing.T) {
	titles := []string{"Syria and Israel talk about water", "Israel and Syria talk about water rights"}
	w := newWorld(t, titles...)
	w.mark(t, titles[0], "alice", t0.Add(time.Hour))
	reports, err := Analyze(context.Background(), w.st, w.set, w.feeds, Options{Rule: "syria-israel", Since: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	r := reports[0]
	// One marked item: its words the relevant one lacks are few, and
	// "water" and "talk" it shares are not suggested.
	for _, term := range r.Terms {
		if term.Term == "water" || term.Term == "talk" {
			t.Errorf("suggested %q, which the relevant match has", term.Term)
		}
	}
	if len(r.Terms) != 0 {
		t.Errorf("terms %+v, want none: the marked item has no word of its own", r.Terms)
	}
	if r.Candidate != "" {
		t.Errorf("candidate %q", r.Candidate)
	}

	// A rule no longer in force: its feedback is listed, nothing suggested.
	other, err := Analyze(context.Background(), w.st, rules.NewSet(nil), w.feeds, Options{Since: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 1 || other[0].Query != "" || len(other[0].Items) != 1 || len(other[0].Terms) != 0 {
		t.Errorf("report of a rule not in force: %+v", other)
	}
}
