package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

func TestRulesFeedback(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"config.toml": alertsConfig,
		"rules.d/r.toml": `[[rule]]
name  = "syria-israel"
query = "syria AND israel"
`,
	})
	st, err := store.Open(context.Background(), filepath.Join(dir, "data", databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.SyncFeeds(ctx, []model.Feed{{Name: "wire", URL: "https://wire.example/rss", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	feed, err := st.Feed(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	titles := []string{
		"Israel beat Syria in a football qualifier", "Syria and Israel football teams draw",
		"Syria and Israel resume talks", "Israel and Syria agree on security",
	}
	for i, title := range titles {
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		it := &model.Item{FeedID: feed.ID, Identity: fmt.Sprint(i), Title: title, SeenAt: now.Add(-time.Hour)}
		if err := tx.AddItem(it); err != nil {
			t.Fatal(err)
		}
		a := &model.Alert{ItemID: it.ID, Rule: "syria-israel", Notifier: "slack", Title: title, Feed: "wire",
			Hits: []model.Hit{{Field: "title", Text: "Syria"}}, CreatedAt: it.SeenAt}
		if err := tx.Enqueue(a); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if _, err := st.AddFeedback(ctx, &store.Feedback{AlertID: a.ID, ItemID: it.ID, Rule: a.Rule, Title: title,
				Feed: "wire", Hits: a.Hits, CreatedBy: "@alice", CreatorID: "UALICE", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()
	cfg := filepath.Join(dir, "config.toml")

	code, out, errOut := runCmd(t, "", "rules", "feedback", "-config", cfg)
	if code != 0 {
		t.Fatalf("rules feedback: %d\n%s", code, errOut)
	}
	for _, want := range []string{"rule syria-israel: 2 items marked not relevant", "@alice", "matched: Syria (title)",
		"words they share that its 2 relevant matches lack:", "football", "candidate: NOT football",
		"drops 2 of the 2 items marked and 0 of its 2 relevant matches", "query = '''(syria AND israel) NOT football'''",
		"newswatch backtest -rules FILE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCmd(t, "", "rules", "feedback", "-json", "-rule", "syria-israel", "-config", cfg)
	var j format.FeedbackRecord
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.Candidate != "NOT football" || len(j.Items) != 2 || !j.Items[0].Dropped {
		t.Errorf("-json: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "", "rules", "feedback", "-rule", "other", "-config", cfg)
	if code != 0 || !strings.Contains(out, "Nobody marked an alert of rule other not relevant") {
		t.Errorf("another rule: %d %q", code, out)
	}
}
