package slack

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/slacktest"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
)

func newTestSlack(t *testing.T, f *slacktest.Server, o BotOptions) *Bot {
	t.Helper()
	o.Token = f.Token()
	o.APIURL = f.APIURL()
	if o.Channel == "" {
		o.Channel = "#news"
	}
	s, err := NewBot(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSlackNotify(t *testing.T) {
	f := slacktest.Start(t, slacktest.Options{})
	s := newTestSlack(t, f, BotOptions{Name: "team"})
	m := notifytest.AlertMessage(notifytest.SampleEntry(1))
	r, retry, err := s.Notify(context.Background(), m)
	if err != nil || retry {
		t.Fatalf("Notify: %v (retry %v)", err, retry)
	}
	posts := f.Messages()
	if len(posts) != 1 {
		t.Fatalf("%d messages posted", len(posts))
	}
	p := posts[0]
	if r.RemoteID != p.TS || r.Channel != "CNEWS" {
		t.Errorf("receipt %+v, want ts %s in CNEWS", r, p.TS)
	}
	if p.Channel != "#news" || p.UnfurlLinks != "false" || p.UnfurlMedia != "false" || p.ThreadTS != "" {
		t.Errorf("post %+v: want default channel, unfurling off, no thread", p)
	}
	if !strings.Contains(p.Text, "Syria and Israel edge toward the Abraham Accords") {
		t.Errorf("fallback text %q", p.Text)
	}
	checkBlockKitJSON(t, []byte(p.Blocks))

	// A rule's channel, a thread reply, unfurling on.
	s = newTestSlack(t, f, BotOptions{Unfurl: true})
	m.Channel, m.ThreadTS = "#other", r.RemoteID
	if _, _, err := s.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	p = f.Messages()[1]
	if p.Channel != "#other" || p.ThreadTS != r.RemoteID || p.UnfurlLinks != "true" || p.ReplyBroadcast != "" {
		t.Errorf("post %+v: want #other, in thread %s, unfurling on, not in the channel", p, r.RemoteID)
	}

	// A thread reply also sent to the channel.
	m.Broadcast = true
	if _, _, err := s.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if p = f.Messages()[2]; p.ThreadTS != r.RemoteID || p.ReplyBroadcast != "true" {
		t.Errorf("post %+v: want in thread %s with reply_broadcast", p, r.RemoteID)
	}
}

func TestSlackFailures(t *testing.T) {
	tests := []struct {
		name       string
		reply      slacktest.Reply
		retry      bool
		reason     string
		rateLimit  bool
		retryAfter time.Duration
	}{
		{"429 with Retry-After", slacktest.Reply{Status: 429, RetryAfter: "7"}, true, "rate_limited", true, 7 * time.Second},
		{"429 without Retry-After", slacktest.Reply{Status: 429}, true, "rate_limited", true, 0},
		{"429 with an HTTP date", slacktest.Reply{Status: 429, RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, true, "rate_limited", true, time.Hour},
		{"ratelimited error", slacktest.Reply{Error: "ratelimited"}, true, "rate_limited", true, 0},
		{"500", slacktest.Reply{Status: 500}, true, "http_500", false, 0},
		{"503", slacktest.Reply{Status: 503}, true, "http_503", false, 0},
		{"internal_error", slacktest.Reply{Error: "internal_error"}, true, "internal_error", false, 0},
		{"channel_not_found", slacktest.Reply{Error: "channel_not_found"}, false, "channel_not_found", false, 0},
		{"not_in_channel", slacktest.Reply{Error: "not_in_channel"}, false, "not_in_channel", false, 0},
		{"invalid_auth", slacktest.Reply{Error: "invalid_auth"}, false, "invalid_auth", false, 0},
		{"account_inactive", slacktest.Reply{Error: "account_inactive"}, false, "account_inactive", false, 0},
		{"token_revoked", slacktest.Reply{Error: "token_revoked"}, false, "token_revoked", false, 0},
		{"is_archived", slacktest.Reply{Error: "is_archived"}, false, "is_archived", false, 0},
		{"msg_too_long", slacktest.Reply{Error: "msg_too_long"}, false, "msg_too_long", false, 0},
		{"invalid_blocks", slacktest.Reply{Error: "invalid_blocks"}, false, "invalid_blocks", false, 0},
		{"unknown error code", slacktest.Reply{Error: "something_new"}, false, "something_new", false, 0},
		{"404 from a wrong api_url", slacktest.Reply{Status: 404}, false, "http_404", false, 0},
		{"slow beyond the timeout", slacktest.Reply{Hang: true}, true, "timeout", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := slacktest.Start(t, slacktest.Options{})
			f.Script("#news", tc.reply)
			var o BotOptions
			if tc.reply.Hang {
				o.Timeout = 100 * time.Millisecond
			}
			s := newTestSlack(t, f, o)
			_, retry, err := s.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1)))
			if err == nil {
				t.Fatal("Notify succeeded")
			}
			if retry != tc.retry || notify.Reason(err) != tc.reason {
				t.Errorf("retry %v reason %q (%v); want %v %q", retry, notify.Reason(err), err, tc.retry, tc.reason)
			}
			var rl *notify.RateLimitError
			if errors.As(err, &rl) != tc.rateLimit {
				t.Fatalf("rate limit error = %v, want %v", errors.As(err, &rl), tc.rateLimit)
			}
			if tc.rateLimit {
				if d := rl.RetryAfter - tc.retryAfter; d > 2*time.Second || d < -2*time.Second {
					t.Errorf("RetryAfter %s, want about %s", rl.RetryAfter, tc.retryAfter)
				}
			}
			if strings.Contains(err.Error(), f.Token()) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestSlackUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, err := NewBot(BotOptions{Token: "xoxb-1", Channel: "#news", APIURL: url + "/api/"})
	if err != nil {
		t.Fatal(err)
	}
	_, retry, err := s.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1)))
	if err == nil || !retry || notify.Reason(err) != "network" {
		t.Errorf("retry %v reason %q (%v); want a retryable network failure", retry, notify.Reason(err), err)
	}
}

func TestSlackNoChannel(t *testing.T) {
	f := slacktest.Start(t, slacktest.Options{})
	s, err := NewBot(BotOptions{Token: f.Token(), APIURL: f.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	_, retry, err := s.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1)))
	if !errors.Is(err, ErrNoChannel) || retry {
		t.Errorf("retry %v err %v; want permanent ErrNoChannel", retry, err)
	}
}

func TestNewSlackRejects(t *testing.T) {
	if _, err := NewBot(BotOptions{Channel: "#x"}); err == nil {
		t.Error("no token accepted")
	}
	if _, err := NewBot(BotOptions{Token: "xoxb-1", Mention: "<!channel> <https://x|y>"}); err == nil {
		t.Error("bad mention accepted")
	}
}
