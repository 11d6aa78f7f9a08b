package admin

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
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
	store    *store.Store
	feeds    []model.Feed
	compiled []rules.Compiled // the rules of rules
	rules    *rules.Set
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
	fx.compiled = []rules.Compiled{
		mk("syria-israel", "syria AND israel", "Syria–Israel normalization talks", rules.SeverityHigh),
		mk("abraham-accords", `"abraham accords"`, "", rules.SeverityInfo),
	}
	fx.rules = rules.NewSet(fx.compiled)

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

// longQuery is a search as long as a user may type one.
const longQuery = `(syria OR سوريا OR סוריה) AND (israel OR إسرائيل OR ישראל) AND (normalization OR "abraham accords" OR تطبيع OR נורמליזציה)`

// addLongText adds to the fixture the longest text a status page meets: a
// feed with a long name, long tags and a long URL failing with a long
// error, a rule with a long name and description, and alerts to a long
// channel with a long error, so that a test can see the page still fits a
// phone's screen.
func (fx *fixture) addLongText(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	long := model.Feed{
		Name:     "Al-Quds Al-Arabi – أخبار فلسطين والعالم العربي – Palestinian and Arab world news, politics and opinion",
		URL:      "https://www.alquds.co.uk/category/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/%D9%81%D9%84%D8%B3%D8%B7%D9%8A%D9%86/feed/?utm_source=newswatch&utm_medium=rss&utm_campaign=syria-israel-normalization-monitoring",
		Tags:     []string{"mideast", "arabic", "palestine-and-the-occupied-territories", "opinion-and-analysis"},
		Schedule: "*/15 * * * *", Enabled: true, ExpectEvery: 12 * time.Hour,
	}
	fx.feeds = append(fx.feeds, long)
	if err := fx.store.SyncFeeds(ctx, fx.feeds); err != nil {
		t.Fatal(err)
	}
	st := fx.feed(t, long.Name)
	st.LastFetchAt, st.LastSuccessAt, st.PrimedAt = now.Add(-4*time.Minute), now.Add(-30*time.Hour), now.Add(-72*time.Hour)
	st.ConsecutiveFailures, st.NextAttemptAt = 31, now.Add(2*time.Hour)
	st.LastError = "tls: failed to verify certificate: x509: certificate is valid for *.cdn-provider-edge-network.example.net, cdn-provider-edge-network.example.net, not www.alquds.co.uk"
	if err := fx.store.SaveFeed(ctx, st); err != nil {
		t.Fatal(err)
	}

	q, err := rules.ParseQuery(longQuery)
	if err != nil {
		t.Fatal(err)
	}
	rule := rules.Compiled{Rule: &rules.Rule{Name: "syria-israel-normalization-abraham-accords-expansion-and-golan-talks",
		Query: longQuery, Enabled: true, Severity: rules.SeverityNotice, Digest: "0 8 * * MON-FRI",
		Description: "Normalization between Syria and Israel: talks, accords, the Golan Heights, and countries joining the Abraham Accords (ar, he, en)"}, Query: q}
	fx.compiled = append(fx.compiled, rule)
	fx.rules = rules.NewSet(fx.compiled)

	tx, err := fx.store.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it := &model.Item{FeedID: st.ID, Identity: "long:1",
		Title:     "سوريا وإسرائيل: مباحثات التطبيع تدخل مرحلة جديدة في باكو بحضور وفود أمريكية وتركية وأذربيجانية – Syria and Israel normalization talks",
		Link:      "https://www.alquds.co.uk/%D8%B3%D9%88%D8%B1%D9%8A%D8%A7-%D9%88%D8%A5%D8%B3%D8%B1%D8%A7%D8%A6%D9%8A%D9%84-%D9%85%D8%A8%D8%A7%D8%AD%D8%AB%D8%A7%D8%AA-%D8%A7%D9%84%D8%AA%D8%B7%D8%A8%D9%8A%D8%B9/",
		Summary:   "Syria Israel normalization " + strings.Repeat("https://www.alquds.co.uk/very/long/path/without/any/space/", 3),
		Published: now.Add(-50 * time.Minute), SeenAt: now.Add(-45 * time.Minute)}
	if err := tx.AddItem(it); err != nil {
		t.Fatal(err)
	}
	alert := &model.Alert{ItemID: it.ID, Rule: rule.Rule.Name, Notifier: "slack_syria_israel_desk",
		Channel: "#syria_israel_normalization_desk_overnight", Title: it.Title, Link: it.Link, Feed: long.Name, CreatedAt: it.SeenAt}
	if err := tx.Enqueue(alert); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := fx.store.MarkDead(ctx, alert.ID, now.Add(-10*time.Minute),
		"notify: slack_syria_israel_desk: chat.postMessage #syria_israel_normalization_desk_overnight: channel_not_found"); err != nil {
		t.Fatal(err)
	}
}
