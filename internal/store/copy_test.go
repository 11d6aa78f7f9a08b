package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
)

// historyFixture fills s with a little of everything a database holds
// after a while: feeds with polling state (one no longer configured), a
// story of two items from two feeds, a pruned item whose identity stays
// seen, an item known under an alias, alerts delivered, queued, dead and
// waiting for a digest, a follow-up of an alert, and feed health.
func historyFixture(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	syncFeeds(t, s, "Times of Israel", "Enab Baladi", "Gone")
	syncFeeds(t, s, "Times of Israel", "Enab Baladi")
	toi, enab := feedNamed(t, s, "Times of Israel"), feedNamed(t, s, "Enab Baladi")
	toi.ETag, toi.LastModified, toi.LastStatus = `"v1"`, "Thu, 26 Nov 2026 09:00:00 GMT", 200
	toi.LastFetchAt, toi.LastSuccessAt, toi.PrimedAt = testTime, testTime, testTime.Add(-time.Hour)
	toi.BodyHash, toi.BodySize, toi.IdentityMode, toi.GUIDChanges = "abc", 4096, IdentityLink, 3
	enab.LastError, enab.ConsecutiveFailures, enab.NextAttemptAt = "monitor: 503", 4, testTime.Add(time.Hour)

	tx := begin(t, s)
	story := &Story{Title: "Syria and Israel resume talks", Link: "https://toi.example/talks", CreatedAt: testTime}
	if err := tx.NewStory(story); err != nil {
		t.Fatal(err)
	}
	first := &model.Item{FeedID: toi.ID, Identity: "guid:talks", Aliases: []string{"link:https://toi.example/talks"},
		GUID: "talks", Link: "https://toi.example/talks", Title: "Syria and Israel resume talks",
		Summary: "In Baku.", Content: "<p>In Baku.</p>", Author: "Staff", Categories: []string{"Middle East"},
		Lang: "en", Published: testTime.Add(-time.Minute), SeenAt: testTime, StoryID: story.ID,
		Canonical: "https://toi.example/talks", SimHash: 1<<63 | 5, HasSimHash: true, TextHash: "t1",
		Article: "Officials met in Baku.\nThey spoke of normalization.", ArticleState: model.ArticleFetched}
	second := &model.Item{FeedID: enab.ID, Identity: "guid:محادثات", Title: "سوريا وإسرائيل تستأنفان المحادثات",
		Lang: "ar", SeenAt: testTime.Add(time.Minute), StoryID: story.ID}
	old := &model.Item{FeedID: enab.ID, Identity: "guid:old", Title: "Old news", SeenAt: testTime.Add(-60 * 24 * time.Hour)}
	for _, it := range []*model.Item{first, second, old} {
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
	}
	hits := []model.Hit{{Field: "title", Text: "Syria"}}
	alert := &model.Alert{ItemID: first.ID, StoryID: story.ID, Rule: "syria-israel", Notifier: "slack", Channel: "#news",
		Severity: "high", Title: first.Title, Link: first.Link, Feed: toi.Name, Hits: hits, CreatedAt: testTime}
	if err := tx.Enqueue(alert); err != nil {
		t.Fatal(err)
	}
	also := &model.Alert{ItemID: second.ID, StoryID: story.ID, ParentID: alert.ID, Kind: model.KindAlso, Rule: "syria-israel",
		Notifier: "slack", Title: second.Title, Feed: enab.Name, CreatedAt: testTime.Add(time.Minute)}
	digest := &model.Alert{ItemID: second.ID, Rule: "weekly", Notifier: "hook", Digest: true, Title: second.Title, CreatedAt: testTime}
	dead := &model.Alert{ItemID: old.ID, Rule: "old", Notifier: "hook", Title: old.Title, CreatedAt: testTime}
	for _, a := range []*model.Alert{also, digest, dead} {
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.SaveFeed(toi); err != nil {
		t.Fatal(err)
	}
	if err := tx.SaveItemMemo(toi.ID, []byte{0, 1, 2, 0xff, 'm'}); err != nil {
		t.Fatal(err)
	}
	if err := tx.RecordArticleFetch(ArticleFetch{Canonical: first.Canonical, ItemID: first.ID, State: model.ArticleFetched, FetchedAt: testTime}); err != nil {
		t.Fatal(err)
	}
	if err := tx.RecordArticleFetch(ArticleFetch{Canonical: "https://paywall.example/x", State: model.ArticleFailed, Reason: "paywall", FetchedAt: testTime}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFeed(ctx, enab); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDelivered(ctx, alert.ID, testTime.Add(time.Second), "1764148320.000100", "C024BE91L"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, also.ID, testTime.Add(time.Hour), "slack: ratelimited"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDead(ctx, dead.ID, testTime, "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, testTime.Add(-30*24*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SplitItem(ctx, story.ID, second.ID, testTime.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFeedHealth(ctx, &FeedHealth{FeedID: enab.ID, Alerted: "failing", AlertedAt: testTime, FailingSince: testTime.Add(-7 * time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	// From Slack's buttons: the story muted, the follow-up's rule snoozed
	// (holding the follow-up), the first alert marked "not relevant".
	mute := &Silence{Kind: SilenceMute, Notifier: "slack", Channel: "#news", ChannelID: "C024BE91L", StoryID: story.ID,
		Rule: "syria-israel", AlertID: alert.ID, Title: alert.Title, CreatedBy: "@alice", CreatorID: "UALICE", CreatedAt: testTime}
	snooze := &Silence{Kind: SilenceSnooze, Notifier: "slack", Channel: "#news", Rule: "syria-israel", AlertID: alert.ID,
		CreatedBy: "@bob", CreatorID: "UBOB", CreatedAt: testTime, Until: testTime.Add(24 * time.Hour)}
	for _, sl := range []*Silence{mute, snooze} {
		if err := s.AddSilence(ctx, sl); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.HoldSilenced(ctx, []int64{also.ID}, snooze.ID, snooze.Until); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFeedback(ctx, &Feedback{AlertID: alert.ID, ItemID: first.ID, StoryID: story.ID, Rule: alert.Rule,
		Notifier: "slack", ChannelID: "C024BE91L", Title: alert.Title, Link: alert.Link, Feed: alert.Feed, Hits: hits,
		CreatedBy: "@carol", CreatorID: "UCAROL", CreatedAt: testTime.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
}

// history is what a test compares of two databases: everything the
// store's API reads back.
type history struct {
	Feeds    []*FeedState
	Names    map[int64]string
	Items    []*model.Item
	Alerts   []*model.Alert
	Health   map[int64]*FeedHealth
	Outbox   []OutboxCount
	Seen     map[string]SeenItem
	Activity map[string]RuleActivity
	Memos    map[string][]byte
	Moves    []StoryMove
	Articles []*ArticleFetch
	Silences []*Silence
	Feedback []*Feedback
}

func readHistory(t *testing.T, s *Store) history {
	t.Helper()
	ctx := context.Background()
	var h history
	var err error
	if h.Feeds, err = s.Feeds(ctx); err != nil {
		t.Fatal(err)
	}
	if h.Names, err = s.FeedNames(ctx); err != nil {
		t.Fatal(err)
	}
	if h.Items, err = s.Items(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if h.Alerts, err = s.Alerts(ctx, AlertFilter{}); err != nil {
		t.Fatal(err)
	}
	if h.Health, err = s.FeedHealth(ctx); err != nil {
		t.Fatal(err)
	}
	if h.Outbox, err = s.Outbox(ctx); err != nil {
		t.Fatal(err)
	}
	if h.Activity, err = s.RuleActivity(ctx, testTime.Add(time.Hour), 7); err != nil {
		t.Fatal(err)
	}
	if h.Moves, err = s.StoryMoves(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"https://toi.example/talks", "https://paywall.example/x"} {
		a, err := s.ArticleFetchOf(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		h.Articles = append(h.Articles, a)
	}
	if h.Silences, err = s.Silences(ctx, SilenceFilter{}); err != nil {
		t.Fatal(err)
	}
	if h.Feedback, err = s.Feedback(ctx, FeedbackFilter{}); err != nil {
		t.Fatal(err)
	}
	h.Seen = map[string]SeenItem{}
	h.Memos = map[string][]byte{}
	for _, f := range h.Feeds {
		if memo, err := s.ItemMemo(ctx, f.ID); err != nil {
			t.Fatal(err)
		} else if memo != nil {
			h.Memos[f.Name] = memo
		}
		seen, err := s.SeenItems(ctx, f.ID, []string{"guid:talks", "link:https://toi.example/talks", "guid:محادثات", "guid:old", "guid:never"})
		if err != nil {
			t.Fatal(err)
		}
		for id, si := range seen {
			h.Seen[f.Name+" "+id] = si
		}
	}
	return h
}

// TestCopy copies a database between every pair of engines and finds the
// same history in the copy, with new rows numbered after the copied ones.
func TestCopy(t *testing.T) {
	for _, from := range engines {
		for _, to := range engines {
			t.Run(string(from)+"_to_"+string(to), func(t *testing.T) {
				src := newTestDB(t, from).open(t)
				dst := newTestDB(t, to).open(t)
				historyFixture(t, src)
				counts, err := Copy(context.Background(), dst, src)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]int64{"feeds": 3, "stories": 2, "items": 2, "seen": 4, "alerts": 4, "feed_health": 1, "item_memos": 1, "story_moves": 1, "article_fetches": 2, "silences": 2, "feedback": 1}
				if len(counts) != len(want) {
					t.Errorf("counts %v, want %v", counts, want)
				}
				for _, c := range counts {
					if want[c.Table] != c.Rows {
						t.Errorf("%s: %d rows copied, want %d", c.Table, c.Rows, want[c.Table])
					}
				}
				if got, want := readHistory(t, dst), readHistory(t, src); !reflect.DeepEqual(got, want) {
					t.Errorf("the copy differs:\ngot  %+v\nwant %+v", got, want)
				}

				// The copy carries on: new rows get new IDs (past the
				// highest kept: the pruned item's ID 3 may be taken again,
				// as SQLite itself does, since nothing refers to it).
				f := feedNamed(t, dst, "Times of Israel")
				tx := begin(t, dst)
				it := &model.Item{FeedID: f.ID, Identity: "guid:next", SeenAt: testTime}
				if err := tx.AddItem(it); err != nil {
					t.Fatal(err)
				}
				st := &Story{Title: "next"}
				if err := tx.NewStory(st); err != nil {
					t.Fatal(err)
				}
				a := &model.Alert{ItemID: it.ID, Rule: "r", Notifier: "slack"}
				if err := tx.Enqueue(a); err != nil {
					t.Fatal(err)
				}
				if err := tx.AddItem(&model.Item{FeedID: f.ID, Identity: "guid:talks"}); !errors.Is(err, ErrDuplicate) {
					t.Errorf("a copied identity added again: %v, want ErrDuplicate", err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				if err := dst.SyncFeeds(context.Background(), []model.Feed{{Name: "New", URL: "https://new.example/"}}); err != nil {
					t.Fatal(err)
				}
				if n := feedNamed(t, dst, "New"); n.ID <= 3 || it.ID <= 2 || st.ID <= 2 || a.ID <= 4 {
					t.Errorf("new IDs feed %d, item %d, story %d, alert %d reuse copied ones", n.ID, it.ID, st.ID, a.ID)
				}
			})
		}
	}
}

func TestCopyIntoAFilledDatabase(t *testing.T) {
	eachStore(t, func(t *testing.T, dst *Store) {
		src := openTest(t)
		historyFixture(t, src)
		syncFeeds(t, dst, "mine")
		_, err := Copy(context.Background(), dst, src)
		if !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("Copy into a database with a feed: %v, want ErrNotEmpty", err)
		}
		if got := feedNames(t, dst); !reflect.DeepEqual(got, []string{"mine"}) {
			t.Errorf("the refused copy changed the destination: %v", got)
		}
	})
}

// TestCopyTablesCoverTheSchema keeps copyTables in step with the
// migrations: every table of each engine's schema but those notCopied,
// with every column.
func TestCopyTablesCoverTheSchema(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		query := `SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p
			WHERE m.type = 'table'`
		if s.engine == Postgres {
			query = `SELECT table_name, column_name FROM information_schema.columns
				WHERE table_schema = current_schema()`
		}
		rows, err := s.read.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		have := map[string][]string{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(notCopied, table) {
				have[table] = append(have[table], column)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{}
		for _, c := range copyTables {
			want[c.name] = slices.Clone(c.columns)
			sort.Strings(want[c.name])
		}
		for table := range have {
			sort.Strings(have[table])
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("the schema's tables and columns\n%v\ndiffer from copyTables'\n%v", have, want)
		}
	})
}
