package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
)

func TestNewNotifier(t *testing.T) {
	f := slacktest.Start(t, slacktest.Options{})
	var out bytes.Buffer
	tests := []struct {
		cfg  config.Notifier
		want string // the Go type built, "" for an error
	}{
		{config.Notifier{Name: "team", Type: config.TypeSlack, Token: f.Token(), Channel: "#news", APIURL: f.APIURL(), Mention: "@here"}, "*slack.Bot"},
		{config.Notifier{Name: "hook", Type: config.TypeSlackWebhook, URL: "https://hooks.slack.com/services/T/B/x",
			Mention: "<!subteam^S0123ABCD|@analysts> <@U0123ABCD>"}, "*slack.Webhook"}, // as config accepts it
		{config.Notifier{Name: "siem", Type: config.TypeWebhook, URL: "https://siem.example/in", Secret: "s"}, "*webhook.Notifier"},
		{config.Notifier{Name: "stdout", Type: config.TypeConsole}, "*console.Notifier"},
		{config.Notifier{Name: "x", Type: "pager"}, ""},
		{config.Notifier{Name: "y", Type: config.TypeSlack, Token: "t", Mention: "everyone please"}, ""},
		{config.Notifier{Name: "z", Type: config.TypeWebhook, URL: "ftp://x"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.cfg.Name, func(t *testing.T) {
			n, err := newNotifier(tc.cfg, notifierOptions{Stdout: &out})
			if tc.want == "" {
				if err == nil {
					t.Fatalf("built %T", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", n); got != tc.want || n.Name() != tc.cfg.Name {
				t.Errorf("built %s named %q", got, n.Name())
			}
		})
	}
	// The Slack notifier built from config really posts, with the mention.
	n, err := newNotifier(tests[0].cfg, notifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := &notify.Message{Kind: notify.KindAlert, ID: "alert-1", Rule: "abraham-accords", Severity: "high",
		Entries: []notify.Entry{{AlertID: 1, Title: "Syria and Israel edge toward the Abraham Accords", Feed: "Times of Israel"}}}
	if _, _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if p := f.Messages()[0]; p.Channel != "#news" || !bytes.Contains([]byte(p.Text), []byte("<!here>")) {
		t.Errorf("post %+v", p)
	}
}

func TestNotifiersAndDispatcher(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := &config.Config{
		Notifiers: []config.Notifier{
			{Name: "stdout", Type: config.TypeConsole, StoryUpdates: config.StoryUpdatesDigest},
			{Name: "siem", Type: config.TypeWebhook, URL: "https://siem.example/in", Rate: 5, Burst: 10, Timeout: time.Second,
				Channel: "#soc", StoryUpdates: config.StoryUpdatesDrop},
		},
		Notify: config.Notify{MaxAge: time.Hour, FoldThreshold: 4, RetryMax: time.Minute},
	}
	settings, routes, err := notifiers(cfg, notifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := newDispatcher(cfg, st, settings)
	if len(d.Notifiers) != 2 || d.Notifiers[0].Notifier.Name() != "stdout" || d.Notifiers[1].Notifier.Name() != "siem" {
		t.Errorf("notifiers %v", d.Notifiers)
	}
	if d.Notifiers[1].Limit != (notify.Limit{Rate: 5, Burst: 10}) || d.Notifiers[0].Limit != (notify.Limit{}) {
		t.Errorf("limits %v", d.Notifiers)
	}
	if d.Notifiers[1].StoryUpdates != followup.Drop || routes["siem"] != (monitor.Route{Channel: "#soc", StoryUpdates: followup.Drop}) ||
		routes["stdout"] != (monitor.Route{StoryUpdates: followup.Digest}) {
		t.Errorf("story updates %v, routes %v", d.Notifiers, routes)
	}
	if d.MaxAge != time.Hour || d.FoldThreshold != 4 || d.RetryMax != time.Minute {
		t.Errorf("settings %v %v %v", d.MaxAge, d.FoldThreshold, d.RetryMax)
	}
	cfg.Notifiers = append(cfg.Notifiers, config.Notifier{Name: "bad", Type: "pager"})
	if _, _, err := notifiers(cfg, notifierOptions{}); err == nil {
		t.Error("a bad notifier was accepted")
	}
}
