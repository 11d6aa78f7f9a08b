package slack

import (
	"context"
	"errors"
	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
	"strings"
	"testing"
	"time"
)

func TestSlackWebhookNotify(t *testing.T) {
	f := slacktest.Start(t, slacktest.Options{})
	w, err := NewWebhook(WebhookOptions{URL: f.WebhookURL("#alerts")})
	if err != nil {
		t.Fatal(err)
	}
	if _, retry, err := w.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1))); err != nil || retry {
		t.Fatalf("Notify: %v", err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.UnfurlLinks != "false" || m.UnfurlMedia != "false" {
		t.Errorf("unfurling not turned off: %+v", m)
	}
	if !strings.Contains(m.Text, "Abraham Accords") {
		t.Errorf("text %q", m.Text)
	}
	checkBlockKitJSON(t, []byte(m.Blocks))
}

func TestSlackWebhookFailures(t *testing.T) {
	tests := []struct {
		name      string
		reply     slacktest.Reply
		retry     bool
		reason    string
		rateLimit bool
	}{
		{"invalid_payload", slacktest.Reply{Status: 400, Error: "invalid_payload"}, false, "invalid_payload", false},
		{"no_service", slacktest.Reply{Status: 404, Error: "no_service"}, false, "no_service", false},
		{"channel_is_archived", slacktest.Reply{Status: 410, Error: "channel_is_archived"}, false, "channel_is_archived", false},
		{"action_prohibited", slacktest.Reply{Status: 403, Error: "action_prohibited"}, false, "action_prohibited", false},
		{"429 with Retry-After", slacktest.Reply{Status: 429, RetryAfter: "3"}, true, "rate_limited", true},
		{"429 without Retry-After", slacktest.Reply{Status: 429, Error: "rate_limited"}, true, "rate_limited", true},
		{"500", slacktest.Reply{Status: 500}, true, "http_500", false},
		{"redirect not followed", slacktest.Reply{Status: 302}, false, "http_302", false},
		{"slow beyond the timeout", slacktest.Reply{Hang: true}, true, "timeout", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := slacktest.Start(t, slacktest.Options{})
			f.Script("#alerts", tc.reply)
			o := WebhookOptions{URL: f.WebhookURL("#alerts")}
			if tc.reply.Hang {
				o.Timeout = 100 * time.Millisecond
			}
			w, err := NewWebhook(o)
			if err != nil {
				t.Fatal(err)
			}
			_, retry, err := w.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1)))
			if err == nil {
				t.Fatal("Notify succeeded")
			}
			if retry != tc.retry || notify.Reason(err) != tc.reason {
				t.Errorf("retry %v reason %q (%v); want %v %q", retry, notify.Reason(err), err, tc.retry, tc.reason)
			}
			var rl *notify.RateLimitError
			if errors.As(err, &rl) != tc.rateLimit {
				t.Errorf("rate limit = %v", !tc.rateLimit)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error reveals the webhook URL: %v", err)
			}
		})
	}
}

func TestNewWebhookRejects(t *testing.T) {
	for _, u := range []string{"", "ftp://example.com/x", "/relative", "https://"} {
		if _, err := NewWebhook(WebhookOptions{URL: u}); err == nil {
			t.Errorf("Slack webhook URL %q accepted", u)
		}
	}
}
