package notify

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/config"
)

func TestNewFromConfig(t *testing.T) {
	f := newFakeSlack(t)
	var out bytes.Buffer
	tests := []struct {
		cfg  config.Notifier
		want string // the Go type built, "" for an error
	}{
		{config.Notifier{Name: "team", Type: config.TypeSlack, Token: f.Token(), Channel: "#news", APIURL: f.APIURL(), Mention: "@here"}, "*notify.Slack"},
		{config.Notifier{Name: "hook", Type: config.TypeSlackWebhook, URL: "https://hooks.slack.com/services/T/B/x",
			Mention: "<!subteam^S0123ABCD|@analysts> <@U0123ABCD>"}, "*notify.SlackWebhook"}, // as config accepts it
		{config.Notifier{Name: "siem", Type: config.TypeWebhook, URL: "https://siem.example/in", Secret: "s"}, "*notify.Webhook"},
		{config.Notifier{Name: "stdout", Type: config.TypeConsole}, "*notify.Console"},
		{config.Notifier{Name: "x", Type: "pager"}, ""},
		{config.Notifier{Name: "y", Type: config.TypeSlack, Token: "t", Mention: "everyone please"}, ""},
		{config.Notifier{Name: "z", Type: config.TypeWebhook, URL: "ftp://x"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.cfg.Name, func(t *testing.T) {
			n, err := New(tc.cfg, Options{Stdout: &out})
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
	n, err := New(tests[0].cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := alertMessage(sampleEntry(1))
	m.Severity = "high"
	if _, _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if p := f.Messages()[0]; p.Channel != "#news" || !bytes.Contains([]byte(p.Text), []byte("<!here>")) {
		t.Errorf("post %+v", p)
	}
}

func TestNewDispatcherFromConfig(t *testing.T) {
	st, _ := openStore(t)
	cfg := &config.Config{
		Notifiers: []config.Notifier{
			{Name: "stdout", Type: config.TypeConsole},
			{Name: "siem", Type: config.TypeWebhook, URL: "https://siem.example/in", Rate: 5, Burst: 10, Timeout: time.Second},
		},
		Notify: config.Notify{MaxAge: time.Hour, FoldThreshold: 4, RetryMax: time.Minute},
	}
	d, err := NewDispatcher(cfg, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Notifiers) != 2 || d.Notifiers[0].Notifier.Name() != "stdout" || d.Notifiers[1].Notifier.Name() != "siem" {
		t.Errorf("notifiers %v", d.Notifiers)
	}
	if d.Notifiers[1].Limit != (Limit{Rate: 5, Burst: 10}) || d.Notifiers[0].Limit != (Limit{}) {
		t.Errorf("limits %v", d.Notifiers)
	}
	if d.MaxAge != time.Hour || d.FoldThreshold != 4 || d.RetryMax != time.Minute {
		t.Errorf("settings %v %v %v", d.MaxAge, d.FoldThreshold, d.RetryMax)
	}
	cfg.Notifiers = append(cfg.Notifiers, config.Notifier{Name: "bad", Type: "pager"})
	if _, err := NewDispatcher(cfg, st, Options{}); err == nil {
		t.Error("a bad notifier was accepted")
	}
}
