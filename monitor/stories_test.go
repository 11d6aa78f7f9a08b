package monitor

import (
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/model"
	cluster "github.com/newswatch/newswatch/internal/story"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// The fixtures of these tests are written here (not captured): one event
// reported by a wire service, a paper that reuses the wire copy under its
// own headline and a tracking-parameter link, an aggregator whose link
// encodes the wire's address, and an outlet's own report; and a distinct
// event of the same day on the same topic.
const bakuWire = "Officials of Israel and Syria met in Baku on Saturday for a second round of talks on security " +
	"arrangements along the 1974 disengagement line, two officials briefed on the meeting said. The talks, hosted " +
	"by Azerbaijan, focused on a proposed demilitarised strip in Quneitra and Daraa provinces."

func bakuReports(published time.Time) (wire, daily, aggregator, own, distinct testItem) {
	wire = testItem{GUID: "wire-1", Title: "Israel and Syria hold second round of security talks in Baku",
		Link: "https://wire.example/world/israel-syria-baku-talks/", Description: bakuWire, Published: published}
	daily = testItem{GUID: "daily-77", Title: "Israeli, Syrian officials meet in Baku for new talks",
		Link: "https://daily.example/news/77?utm_source=rss&utm_medium=feed", Description: bakuWire + " (Wire)",
		Published: published.Add(20 * time.Minute)}
	aggregator = testItem{GUID: "tag:news.google.com,2026:baku",
		Title: "Israel and Syria hold second round of security talks in Baku - Wire",
		Link:  googleNewsLink("https://wire.example/world/israel-syria-baku-talks/"), Description: "Wire",
		Published: published.Add(30 * time.Minute)}
	own = testItem{GUID: "gazette-9", Title: "Syria, Israel resume Baku talks on the 1974 disengagement line",
		Link: "https://gazette.example/syria-israel-baku",
		Description: "Officials from Syria and Israel met again in Baku on Saturday, the second round of talks on a " +
			"demilitarised strip in Quneitra and Daraa along the 1974 disengagement line, Azerbaijan said.",
		Published: published.Add(time.Hour)}
	distinct = testItem{GUID: "gazette-10", Title: "Israel strikes a car in Syria's Daraa, killing two",
		Link:        "https://gazette.example/daraa-drone",
		Description: "Two men were killed when a drone of Israel struck a car near Kuwaya in the Yarmouk basin of Syria.",
		Published:   published.Add(2 * time.Hour)}
	return
}

// googleNewsLink is a Google News article link whose ID carries url.
func googleNewsLink(url string) string {
	b := append([]byte{0x08, 0x13, 0x22, byte(len(url))}, url...)
	return "https://news.google.com/rss/articles/" + base64.RawURLEncoding.EncodeToString(b) + "?oc=5"
}

// storyEnv is a testEnv whose Poller groups stories, with a window of
// other news: the 55 items of a real Guardian feed (testdata), recorded
// before the test's own. Rare words are told from common ones by the
// window's items, so a story needs other news around it to be told apart.
func storyEnv(t *testing.T, rs ...*rules.Rule) *testEnv {
	t.Helper()
	if len(rs) == 0 {
		rs = []*rules.Rule{{Name: "syria-israel", Query: "syria AND israel", Severity: rules.SeverityHigh}}
	}
	env := newTestEnv(t, ruleSet(t, rs...))
	env.poller.Stories = &Stories{Store: env.store, ReplyDelay: 10 * time.Minute}
	doc, err := os.ReadFile(filepath.Join("testdata", "guardian-us-2018.rss"))
	if err != nil {
		t.Fatal(err)
	}
	bg := model.Feed{Name: "Background", URL: newFeedServer(t, string(doc)).URL}
	env.addFeeds(bg)
	if res := env.poll(bg); res.New != 55 || res.Alerts != 0 {
		t.Fatalf("background poll: %+v", res)
	}
	return env
}

func TestPollOneStoryFromFourFeeds(t *testing.T) {
	env := storyEnv(t)
	wire, daily, agg, own, distinct := bakuReports(t0.Add(-3 * time.Hour))
	feeds := map[string]*feedServer{}
	for name, items := range map[string][]testItem{
		"Wire": {wire}, "Daily": {daily}, "Aggregator": {agg}, "Gazette": {own, distinct},
	} {
		feeds[name] = newFeedServer(t, rssDoc(items...))
	}
	order := []string{"Wire", "Daily", "Aggregator", "Gazette"}
	var fs []model.Feed
	for _, name := range order {
		fs = append(fs, model.Feed{Name: name, URL: feeds[name].URL, Enabled: true})
	}
	env.addFeeds(fs...)
	var joined int
	for i, f := range fs {
		env.clock.Advance(time.Minute)
		res := env.poll(f)
		joined += res.Joined
		if i > 0 && i < 3 && res.Joined != 1 {
			t.Errorf("%s: joined %d stories, want 1", f.Name, res.Joined)
		}
	}
	if joined != 3 {
		t.Errorf("%d items joined a story, want 3 (the distinct event starts its own)", joined)
	}

	items := env.items()
	storyOf := map[string]int64{}
	for _, it := range items {
		storyOf[it.Feed+"/"+it.GUID] = it.StoryID
		if it.StoryID == 0 || !it.HasSimHash || it.TextHash == "" || it.Canonical == "" {
			t.Errorf("item %s/%s: story %d, simhash %v, text hash %q, canonical %q", it.Feed, it.GUID, it.StoryID, it.HasSimHash, it.TextHash, it.Canonical)
		}
	}
	baku := storyOf["Wire/wire-1"]
	for _, k := range []string{"Daily/daily-77", "Aggregator/tag:news.google.com,2026:baku", "Gazette/gazette-9"} {
		if storyOf[k] != baku {
			t.Errorf("%s is in story %d, want the wire's %d", k, storyOf[k], baku)
		}
	}
	if storyOf["Gazette/gazette-10"] == baku {
		t.Error("the distinct same-topic event joined the Baku story")
	}

	alerts := env.alerts()
	var heads, also []*model.Alert
	for _, a := range alerts {
		switch a.Kind {
		case model.KindAlert:
			heads = append(heads, a)
		case model.KindAlso:
			also = append(also, a)
		}
	}
	if len(heads) != 2 || heads[0].Feed != "Wire" || heads[1].Title != distinct.Title {
		t.Fatalf("first alerts: %q, want the wire's and the distinct event's", alertTitles(heads))
	}
	if len(also) != 3 {
		t.Fatalf("follow-ups: %q, want the three later reports", alertTitles(also))
	}
	for _, a := range also {
		if a.ParentID != heads[0].ID || a.StoryID != baku || !a.NextAttemptAt.Equal(also[0].NextAttemptAt) {
			t.Errorf("follow-up %q: parent %d, story %d, due %v; want parent %d, story %d, due with the others",
				a.Title, a.ParentID, a.StoryID, a.NextAttemptAt, heads[0].ID, baku)
		}
	}
	// Batched: the first follow-up waits the reply delay after it was queued.
	if want := t0.Add(2*time.Minute + 10*time.Minute); !also[0].NextAttemptAt.Equal(want) {
		t.Errorf("follow-ups due %v, want %v", also[0].NextAttemptAt, want)
	}
}

// TestStoriesOff: a rule with stories = "off" alerts every report of a
// story on its own, while a rule with stories alerts it once.
func TestStoriesOff(t *testing.T) {
	env := storyEnv(t,
		&rules.Rule{Name: "grouped", Query: "syria AND israel"},
		&rules.Rule{Name: "each", Query: "syria AND israel", Stories: rules.StoriesOff})
	wire, daily, _, _, _ := bakuReports(t0.Add(-time.Hour))
	w, d := newFeedServer(t, rssDoc(wire)), newFeedServer(t, rssDoc(daily))
	fw, fd := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Daily", URL: d.URL}
	env.addFeeds(fw, fd)
	env.poll(fw)
	if res := env.poll(fd); res.Joined != 1 {
		t.Fatalf("later report: %+v, want it joined to the wire's story", res)
	}
	kinds := map[string][]model.AlertKind{}
	for _, a := range env.alerts() {
		kinds[a.Rule] = append(kinds[a.Rule], a.Kind)
		if a.Rule == "each" && (a.StoryID != 0 || a.ParentID != 0) {
			t.Errorf("alert %q of the rule without stories: story %d, parent %d", a.Title, a.StoryID, a.ParentID)
		}
	}
	if got := kinds["grouped"]; len(got) != 2 || got[0] != model.KindAlert || got[1] != model.KindAlso {
		t.Errorf("grouped rule's alerts: %v, want an alert and a follow-up", got)
	}
	if got := kinds["each"]; len(got) != 2 || got[0] != model.KindAlert || got[1] != model.KindAlert {
		t.Errorf("rule without stories: %v, want two alerts", got)
	}
}

func TestFollowUpPacing(t *testing.T) {
	env := storyEnv(t)
	wire, daily, _, own, _ := bakuReports(t0.Add(-time.Hour))
	w := newFeedServer(t, rssDoc(wire))
	d := newFeedServer(t, rssDoc())
	g := newFeedServer(t, rssDoc())
	fw, fd, fg := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Daily", URL: d.URL}, model.Feed{Name: "Gazette", URL: g.URL}
	env.addFeeds(fw, fd, fg)
	env.poll(fw)
	head := env.alerts()[0]
	ctx := context.Background()
	if err := env.store.MarkDelivered(ctx, head.ID, t0, "1.1", "C1"); err != nil {
		t.Fatal(err)
	}
	d.set(rssDoc(daily), 0)
	env.poll(fd) // due t0+10m
	first := env.alerts()[1]
	if err := env.store.MarkDelivered(ctx, first.ID, t0.Add(10*time.Minute), "1.2", "C1"); err != nil {
		t.Fatal(err)
	}
	env.clock.Set(t0.Add(15 * time.Minute))
	g.set(rssDoc(own), 0)
	env.poll(fg) // one reply sent: waits twice the delay
	second := env.alerts()[2]
	if want := t0.Add(15*time.Minute + 20*time.Minute); second.Kind != model.KindAlso || !second.NextAttemptAt.Equal(want) {
		t.Errorf("second follow-up: kind %s, due %v; want also, %v", second.Kind, second.NextAttemptAt, want)
	}
}

func TestStoryUpdatesDrop(t *testing.T) {
	env := storyEnv(t)
	env.poller.Routing.Notifiers = map[string]Route{"console": {StoryUpdates: followup.Drop}}
	wire, daily, _, _, _ := bakuReports(t0.Add(-time.Hour))
	w, d := newFeedServer(t, rssDoc(wire)), newFeedServer(t, rssDoc(daily))
	fw, fd := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Daily", URL: d.URL}
	env.addFeeds(fw, fd)
	env.poll(fw)
	if res := env.poll(fd); res.New != 1 || res.Joined != 1 || res.Alerts != 0 {
		t.Errorf("later report with story_updates = drop: %+v, want recorded, joined, no alert", res)
	}
}

func TestRegeneratedGUIDs(t *testing.T) {
	env := storyEnv(t)
	items := func(gen string) []testItem {
		var out []testItem
		for i := range 3 {
			it := story(i+1, time.Duration(3-i)*time.Hour)
			it.GUID = gen + "-" + it.GUID
			out = append(out, it)
		}
		return out
	}
	srv := newFeedServer(t, rssDoc(items("fetch1")...))
	f := model.Feed{Name: "Regenerator", URL: srv.URL}
	env.addFeeds(f)
	if res := env.poll(f); res.New != 3 {
		t.Fatalf("first poll: %+v", res)
	}
	alerts := len(env.alerts())

	srv.set(rssDoc(items("fetch2")...), 0)
	env.clock.Advance(5 * time.Minute)
	if res := env.poll(f); res.New != 0 || res.Alerts != 0 {
		t.Errorf("same items under new GUIDs: %+v, want nothing new", res)
	}
	st := env.feedState("Regenerator")
	if st.IdentityMode != store.IdentityLink || st.GUIDChanges != 3 || !st.IdentityModeAt.Equal(env.clock.Now()) {
		t.Errorf("feed state: mode %q, GUID changes %d, at %v; want link, 3, now", st.IdentityMode, st.GUIDChanges, st.IdentityModeAt)
	}

	// In link mode new GUIDs cost nothing, and a new link is a new item.
	fresh := story(9, 0)
	fresh.GUID = "fetch3-new"
	srv.set(rssDoc(append(items("fetch3"), fresh)...), 0)
	env.clock.Advance(5 * time.Minute)
	res := env.poll(f)
	if res.New != 1 || len(env.alerts()) != alerts+1 {
		t.Errorf("third fetch: %+v; want only the new item, alerted", res)
	}
	got := env.items()[0]
	if got.Identity != "link:https://news.example/story/9" || got.GUID != "fetch3-new" {
		t.Errorf("new item in link mode: identity %q, GUID %q", got.Identity, got.GUID)
	}
	if st := env.feedState("Regenerator"); st.GUIDChanges != 3 {
		t.Errorf("GUID changes counted again in link mode: %d", st.GUIDChanges)
	}
}

// TestNewGUIDForKnownLinkAmongStableGUIDs: a new GUID under a known link,
// other GUIDs stable, is a new item: a live blog's next entry. It joins a
// story on its own text: another event is alerted on its own, the same
// text again joins the entry's story without a second alert.
func TestNewGUIDForKnownLinkAmongStableGUIDs(t *testing.T) {
	for _, tc := range []struct {
		name           string
		title, summary string
		joined, alerts int
	}{
		{"another event", "Live: Syria says Israeli drone hit a car near Quneitra",
			"<p>Syria said an Israeli drone struck a car near Quneitra; Israel did not comment.</p>", 0, 1},
		{"the same text", "", "", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := storyEnv(t)
			a, b := story(1, 2*time.Hour), story(2, time.Hour)
			srv := newFeedServer(t, rssDoc(a, b))
			f := model.Feed{Name: "Live", URL: srv.URL}
			env.addFeeds(f)
			env.poll(f)
			update := a
			update.GUID = "story-1-update"
			if tc.title != "" {
				update.Title, update.Description = tc.title, tc.summary
			}
			srv.set(rssDoc(update, a, b), 0)
			env.clock.Advance(5 * time.Minute)
			res := env.poll(f)
			if res.New != 1 || res.Joined != tc.joined || res.Alerts != tc.alerts {
				t.Errorf("new GUID under a known link: %+v; want a new item, %d joined, %d alerts", res, tc.joined, tc.alerts)
			}
			if st := env.feedState("Live"); st.IdentityMode != store.IdentityGUID {
				t.Errorf("one new GUID among stable ones switched the feed to %q", st.IdentityMode)
			}
		})
	}
}

func TestEditedItems(t *testing.T) {
	for _, tc := range []struct {
		name     string
		onUpdate string
		updates  int
	}{
		{"ignored by default", "", 0},
		{"thread", "thread", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := storyEnv(t, &rules.Rule{Name: "syria-israel", Query: "syria AND israel", OnUpdate: tc.onUpdate})
			it := story(1, time.Hour)
			srv := newFeedServer(t, rssDoc(it))
			f := model.Feed{Name: "Editor", URL: srv.URL}
			env.addFeeds(f)
			env.poll(f)

			// White space and markup are not an edit.
			same := it
			same.Description = "<p>Delegations of <i>Syria</i>   and Israel met again (1).</p>"
			srv.set(rssDoc(same), 0)
			if res := env.poll(f); res.Edited != 0 || res.Alerts != 0 {
				t.Errorf("markup change: %+v, want no edit", res)
			}

			edited := it
			edited.Title = "Syria and Israel talks end with a statement"
			srv.set(rssDoc(edited), 0)
			env.clock.Advance(time.Minute)
			res := env.poll(f)
			if res.New != 0 || res.Edited != 1 || res.Alerts != tc.updates {
				t.Errorf("edit: %+v, want 1 edit and %d alerts", res, tc.updates)
			}
			if got := env.items()[0]; got.Title != edited.Title || !got.UpdatedAt.Equal(env.clock.Now()) {
				t.Errorf("stored item after the edit: title %q, updated %v", got.Title, got.UpdatedAt)
			}
			alerts := env.alerts()
			if len(alerts) != 1+tc.updates {
				t.Fatalf("alerts %q", alertTitles(alerts))
			}
			if tc.updates == 1 {
				u := alerts[1]
				if u.Kind != model.KindUpdate || u.ParentID != alerts[0].ID || u.Title != edited.Title {
					t.Errorf("update alert: kind %s, parent %d, title %q", u.Kind, u.ParentID, u.Title)
				}
			}
			// The edit is recorded: polling again finds nothing.
			if res := env.poll(f); res.Edited != 0 {
				t.Errorf("the same edit again: %+v", res)
			}
		})
	}
}

func TestLegacyLinkIdentityStaysSeen(t *testing.T) {
	env := storyEnv(t)
	it := story(1, time.Hour)
	it.GUID, it.Link = "", "https://news.example/story/1?utm_source=rss"
	srv := newFeedServer(t, rssDoc(it))
	f := model.Feed{Name: "Legacy", URL: srv.URL}
	env.addFeeds(f)
	// Recorded as a release before package canonical would have.
	st := env.feedState("Legacy")
	tx, err := env.store.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	old := &model.Item{FeedID: st.ID, Identity: "link:https://news.example/story/1?utm_source=rss", Title: it.Title}
	if err := tx.AddItem(old); err != nil {
		t.Fatal(err)
	}
	st.PrimedAt = t0.Add(-time.Hour)
	if err := tx.SaveFeed(st); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if res := env.poll(f); res.New != 0 || res.Alerts != 0 {
		t.Errorf("an item recorded under its old link identity: %+v, want nothing new", res)
	}
}

func TestStoryIndexAcrossRestarts(t *testing.T) {
	env := storyEnv(t)
	wire, _, _, own, _ := bakuReports(t0.Add(-time.Hour))
	w, g := newFeedServer(t, rssDoc(wire)), newFeedServer(t, rssDoc(own))
	fw, fg := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Gazette", URL: g.URL}
	env.addFeeds(fw, fg)
	env.poll(fw)
	// A new process: its index is built from the store.
	env.poller.Stories = &Stories{Store: env.store, ReplyDelay: time.Minute}
	env.clock.Advance(time.Hour)
	if res := env.poll(fg); res.Joined != 1 {
		t.Errorf("after a restart the own report did not join the wire's story: %+v", res)
	}
	// Outside the window the index forgets, and so does Assign.
	env.poller.Stories = &Stories{Store: env.store, Options: cluster.Options{Window: time.Hour}}
	env.clock.Advance(2 * time.Hour)
	_, daily, _, _, _ := bakuReports(t0)
	d := newFeedServer(t, rssDoc(daily))
	fd := model.Feed{Name: "Daily", URL: d.URL}
	env.addFeeds(fw, fg, fd)
	if res := env.poll(fd); res.Joined != 0 || res.Alerts != 1 {
		t.Errorf("a report after the window: %+v, want a story of its own and an alert", res)
	}
}

// TestSplitItem: an item a user splits out of a story (store.SplitItem)
// is its own story in the running index at the next poll, so the next
// report of it joins it and alerts as a story of its own.
func TestSplitItem(t *testing.T) {
	env := storyEnv(t)
	wire, daily, _, _, _ := bakuReports(t0.Add(-time.Hour))
	again := daily // the daily's text again, in a third feed
	again.GUID, again.Link = "echo-1", "https://echo.example/1"
	w, d, e := newFeedServer(t, rssDoc(wire)), newFeedServer(t, rssDoc(daily)), newFeedServer(t, rssDoc())
	fw, fd, fe := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Daily", URL: d.URL}, model.Feed{Name: "Echo", URL: e.URL}
	env.addFeeds(fw, fd, fe)
	env.poll(fw)
	if res := env.poll(fd); res.Joined != 1 || res.Alerts != 1 {
		t.Fatalf("daily: %+v, want joined and followed up", res)
	}
	var dailyItem *model.Item
	for _, it := range env.items() {
		if it.GUID == "daily-77" {
			dailyItem = it
		}
	}
	mv, err := env.store.SplitItem(context.Background(), dailyItem.StoryID, dailyItem.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	e.set(rssDoc(again), 0)
	env.clock.Advance(time.Minute)
	if res := env.poll(fe); res.Joined != 1 || res.Alerts != 1 {
		t.Fatalf("the next report of the split item: %+v, want it joined and alerted", res)
	}
	last := env.alerts()[len(env.alerts())-1]
	if last.Kind != model.KindAlert || last.StoryID != mv.To || last.ParentID != 0 {
		t.Errorf("its alert: kind %s, story %d, parent %d; want the first alert of story %d", last.Kind, last.StoryID, last.ParentID, mv.To)
	}
}

// The index is built once: polls that find no item in the window (a new
// database, or a restart after a long stop) only catch it up.
func TestStoryIndexBuiltOnce(t *testing.T) {
	env := newTestEnv(t, nil)
	var log logtest.Buffer
	s := &Stories{Store: env.store, Log: slog.New(slog.NewTextHandler(&log, nil))}
	for range 3 {
		ss, err := s.begin(context.Background(), t0)
		if err != nil {
			t.Fatal(err)
		}
		ss.end(true)
	}
	if n := strings.Count(log.String(), "story index built"); n != 1 {
		t.Errorf("%d lines say the story index was built, want 1:\n%s", n, log.String())
	}
}

func TestRolledBackPollLeavesTheIndex(t *testing.T) {
	env := storyEnv(t)
	wire, daily, _, _, _ := bakuReports(t0.Add(-time.Hour))
	w, d := newFeedServer(t, rssDoc(wire)), newFeedServer(t, rssDoc(daily))
	fw, fd := model.Feed{Name: "Wire", URL: w.URL}, model.Feed{Name: "Daily", URL: d.URL}
	env.addFeeds(fw, fd)
	before := env.poller.Stories.index.Len()
	env.poller.beforeAlerts = func() error { return context.DeadlineExceeded }
	if _, err := env.poller.Poll(context.Background(), fw); err == nil {
		t.Fatal("the crashed poll succeeded")
	}
	if n := env.poller.Stories.index.Len(); n != before {
		t.Errorf("a rolled-back poll left %d items in the story index, want %d", n, before)
	}
	env.poller.beforeAlerts = nil
	env.poll(fw)
	if res := env.poll(fd); res.Joined != 1 {
		t.Errorf("after the retried poll the wire copy did not join: %+v", res)
	}
	var kinds []model.AlertKind
	for _, a := range env.alerts() {
		kinds = append(kinds, a.Kind)
	}
	if want := []model.AlertKind{model.KindAlert, model.KindAlso}; !slices.Equal(kinds, want) {
		t.Errorf("alert kinds %v, want %v", kinds, want)
	}
}

func TestPrunedItemNeverAlertsAgain(t *testing.T) {
	env := storyEnv(t)
	it := story(1, time.Hour)
	srv := newFeedServer(t, rssDoc(it))
	f := model.Feed{Name: "Old", URL: srv.URL}
	env.addFeeds(f)
	env.poll(f)
	before := len(env.alerts())
	// Retention removes every item's text.
	env.clock.Advance(31 * 24 * time.Hour)
	res, err := env.store.Prune(context.Background(), env.clock.Now(), 10)
	if err != nil || res.Items == 0 {
		t.Fatalf("Prune = %+v, %v", res, err)
	}
	srv.set(rssDoc(it, story(2, 0)), 0) // the old item reappears beside a new one
	got := env.poll(f)
	if got.New != 1 || len(env.alerts()) != before+1 {
		t.Errorf("after pruning: %+v, %d alerts; want only the new item recorded and alerted", got, len(env.alerts())-before)
	}
}
