package admin

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// now is the fixed time of the fixture's status page.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// hostileTitle is feed text built to run script or break out of markup if
// it were not escaped.
const hostileTitle = `</td><script>alert("x")</script><img src=x onerror=alert(1)> Syria talks`

// fixture is a status page's world: a real store with three feeds (one
// healthy, one failing and alerted, one disabled), two rules, items,
// alerts in every delivery state and a dead letter.
type fixture struct {
	store *store.Store
	feeds []model.Feed
	rules *rules.Set
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "newswatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fx := &fixture{store: st}
	fx.feeds = []model.Feed{
		{Name: "Times of Israel", URL: "https://www.timesofisrael.com/feed/", Tags: []string{"mideast", "english"}, Schedule: "@every 5m", Enabled: true, ExpectEvery: 6 * time.Hour},
		{Name: "Arab48", URL: "https://www.arab48.com/rss", Tags: []string{"arabic"}, Schedule: "*/10 * * * *", Enabled: true, Lang: "ar"},
		{Name: "Kan 11 (off)", URL: "https://www.kan.org.il/rss", Schedule: "@hourly", Enabled: false},
	}
	specs := make([]model.Feed, len(fx.feeds))
	for i, f := range fx.feeds {
		specs[i] = model.Feed{Name: f.Name, URL: f.URL}
	}
	if err := st.SyncFeeds(ctx, specs); err != nil {
		t.Fatal(err)
	}

	toi := fx.feed(t, "Times of Israel")
	toi.LastFetchAt, toi.LastSuccessAt, toi.LastStatus, toi.PrimedAt = now.Add(-2*time.Minute), now.Add(-2*time.Minute), 200, now.Add(-72*time.Hour)
	if err := st.SaveFeed(ctx, toi); err != nil {
		t.Fatal(err)
	}
	arab := fx.feed(t, "Arab48")
	arab.LastFetchAt, arab.LastSuccessAt, arab.PrimedAt = now.Add(-3*time.Minute), now.Add(-9*time.Hour), now.Add(-72*time.Hour)
	arab.LastStatus, arab.ConsecutiveFailures = 503, 14
	arab.LastError = "HTTP 503 Service Unavailable"
	arab.NextAttemptAt = now.Add(40 * time.Minute)
	if err := st.SaveFeed(ctx, arab); err != nil {
		t.Fatal(err)
	}
	failing := &store.FeedHealth{FeedID: arab.ID, Alerted: "failing", AlertedAt: now.Add(-3 * time.Hour), FailingSince: now.Add(-9 * time.Hour)}
	health := &model.Alert{Rule: notify.HealthRule, Notifier: "ops", Severity: "notice",
		Title: `Feed "Arab48" is failing`, Link: arab.URL, Feed: "Arab48", CreatedAt: now.Add(-3 * time.Hour)}
	if err := st.SaveFeedHealth(ctx, failing, []*model.Alert{health}); err != nil {
		t.Fatal(err)
	}

	mk := func(name, query, desc string, sev rules.Severity) rules.Compiled {
		q, err := rules.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		return rules.Compiled{Rule: &rules.Rule{Name: name, Query: query, Description: desc, Severity: sev, Enabled: true}, Query: q}
	}
	fx.rules = rules.NewSet([]rules.Compiled{
		mk("syria-israel", "syria AND israel", "Syria–Israel normalization talks", rules.SeverityHigh),
		mk("abraham-accords", `"abraham accords"`, "", rules.SeverityInfo),
	})

	// Items of the last days, and the alerts they caused.
	type entry struct {
		feed    *store.FeedState
		title   string
		link    string
		ago     time.Duration
		rule    string
		status  model.AlertStatus
		summary string
	}
	entries := []entry{
		{toi, "Syria and Israel resume talks in Baku", "https://www.timesofisrael.com/syria-israel-baku/", 30 * time.Minute, "syria-israel", model.StatusDelivered, "<p>Officials from <b>Syria</b> and Israel met.</p>"},
		{toi, hostileTitle, "javascript:alert(1)", 2 * time.Hour, "syria-israel", model.StatusQueued, "Israel said nothing."},
		{arab, "سوريا وإسرائيل: جولة جديدة من المحادثات", "https://www.arab48.com/news/1", 26 * time.Hour, "syria-israel", model.StatusDead, "Syria Israel"},
		{toi, "Two more states join the Abraham Accords", "https://www.timesofisrael.com/abraham-accords-two-more/", 5 * 24 * time.Hour, "abraham-accords", model.StatusDelivered, ""},
		{toi, "Weather: rain in Haifa", "https://www.timesofisrael.com/weather/", time.Hour, "", "", ""},
	}
	for i, e := range entries {
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		it := &model.Item{FeedID: e.feed.ID, Identity: fmt.Sprintf("guid:%d", i), Title: e.title, Link: e.link,
			Summary: e.summary, Published: now.Add(-e.ago - time.Minute), SeenAt: now.Add(-e.ago)}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
		var alert *model.Alert
		if e.rule != "" {
			alert = &model.Alert{ItemID: it.ID, Rule: e.rule, Notifier: "slack", Channel: "#news", Title: e.title,
				Link: e.link, Feed: e.feed.Name, CreatedAt: now.Add(-e.ago)}
			if err := tx.Enqueue(alert); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		switch e.status {
		case model.StatusDelivered:
			err = st.MarkDelivered(ctx, alert.ID, now.Add(-e.ago+time.Second), "1795.01", "C01")
		case model.StatusDead:
			err = st.MarkDead(ctx, alert.ID, now.Add(-e.ago+time.Hour), "channel_not_found")
		case model.StatusQueued:
			err = st.MarkRetry(ctx, alert.ID, now.Add(time.Minute), "notify: slack: http_503")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

func (fx *fixture) feed(t testing.TB, name string) *store.FeedState {
	t.Helper()
	f, err := fx.store.Feed(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// server is the admin server of the fixture.
func (fx *fixture) server() *Server {
	return &Server{
		Store:    fx.store,
		Feeds:    func() []model.Feed { return fx.feeds },
		Rules:    func() *rules.Set { return fx.rules },
		Version:  "1.4.0-test",
		Location: time.UTC,
		Now:      func() time.Time { return now },
	}
}
