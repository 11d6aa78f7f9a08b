package pipeline

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/rules"
)

// TestOpenWiresTheConfiguration opens a pipeline from a configuration file
// and checks that what the file says reached the parts: the database in
// data_dir with the feeds recorded, the fetcher's limits, routing and
// story settings.
func TestOpenWiresTheConfiguration(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rules.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(`
[daemon]
data_dir = "state/db"
schedule = "@every 7m"

[fetch]
concurrency = 3
per_host = 1

[stories]
window = "12h"
max_items = 5000

[[notifier]]
name = "wire"
type = "webhook"
url = "http://127.0.0.1:1/hook"
story_updates = "drop"

[[feed]]
name = "Wire"
url = "http://127.0.0.1:1/rss"
lang = "ar"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadEnv(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet(nil)
	p, err := Open(context.Background(), cfg, Options{
		Log: slog.New(slog.DiscardHandler), Rules: func() *rules.Set { return set }, Stdout: io.Discard, Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	if _, err := os.Stat(filepath.Join(dir, "state", "db", DatabaseFile)); err != nil {
		t.Errorf("database not in data_dir: %v", err)
	}
	feeds, err := p.Store.Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != 1 || feeds[0].Name != "Wire" || feeds[0].URL != "http://127.0.0.1:1/rss" {
		t.Errorf("feeds in the store = %+v, want the configured one", feeds)
	}
	s := p.Scheduler
	if s.Poller != p.Poller || s.DefaultSchedule != "@every 7m" || s.Concurrency != 3 || s.PerHost != 1 ||
		len(s.Feeds) != 1 || s.Feeds[0].Lang != "ar" {
		t.Errorf("scheduler = %+v", s)
	}
	if got := p.Poller.Routing.Notifiers["wire"].StoryUpdates; got != followup.Drop {
		t.Errorf("story_updates of wire = %q, want drop", got)
	}
	if st := p.Poller.Stories; st == nil || st.Options.Window != 12*time.Hour || st.Options.MaxItems != 5000 {
		t.Errorf("stories = %+v, want window 12h and max_items 5000", st)
	}
	if p.Poller.Rules() != set || p.Dispatcher == nil || p.Poller.AlertsQueued == nil {
		t.Error("rules, dispatcher or its wake-up not wired")
	}
}
