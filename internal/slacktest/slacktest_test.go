package slacktest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func newServer(t *testing.T, o Options) (*Server, *slack.Client) {
	t.Helper()
	s := Start(t, o)
	return s, slack.New(s.Token(), slack.OptionAPIURL(s.APIURL()))
}

func TestPostUpdateAndThreads(t *testing.T) {
	s, api := newServer(t, Options{})
	ctx := context.Background()
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hi*", false, true), nil, nil))
	ch, ts, err := api.PostMessageContext(ctx, "#news", slack.MsgOptionText("first", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	if ch != "CNEWS" || ch != s.ChannelID("#news") || ts == "" {
		t.Fatalf("posted to %q as %q", ch, ts)
	}
	_, reply, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts))
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := api.PostMessageContext(ctx, "#other", slack.MsgOptionText("elsewhere", false))
	if err != nil {
		t.Fatal(err)
	}
	// Each channel has its own timestamps, in order.
	if reply <= ts || other != ts {
		t.Errorf("timestamps %q, %q in #news and %q in #other", ts, reply, other)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("first, edited", false)); err != nil {
		t.Fatal(err)
	}
	var api2 slack.SlackErrorResponse
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, "1.000001", slack.MsgOptionText("x", false)); !errors.As(err, &api2) || api2.Err != "message_not_found" {
		t.Errorf("update of an unknown message: %v", err)
	}

	msgs := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages shown, want 3: %+v", len(msgs), msgs)
	}
	if m := msgs[0]; m.Text != "first, edited" || m.Channel != "#news" || m.TS != ts || !strings.Contains(m.Blocks, `"verbatim":true`) || m.Token != s.Token() {
		t.Errorf("first message %+v", m)
	}
	if m := msgs[1]; m.ThreadTS != ts || m.Channel != "CNEWS" || m.ChannelID != "CNEWS" {
		t.Errorf("reply %+v", m)
	}
	reqs := s.Requests()
	if len(reqs) != 5 || reqs[3].Method != MethodUpdate || reqs[3].Text != "first, edited" || reqs[4].Accepted {
		t.Errorf("requests %+v", reqs)
	}
	if n := s.RequestCount("CNEWS"); n != 4 {
		t.Errorf("%d requests to #news, want 4", n)
	}
}

func TestScriptedFailures(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		reply   Reply
		check   func(error) bool
	}{
		{"HTTP status", "#news", Reply{Status: 503}, func(err error) bool {
			var e slack.StatusCodeError
			return errors.As(err, &e) && e.Code == 503
		}},
		{"Slack error code", "#news", Reply{Error: "is_archived"}, func(err error) bool {
			var e slack.SlackErrorResponse
			return errors.As(err, &e) && e.Err == "is_archived"
		}},
		{"429 with Retry-After", "#news", Reply{Status: 429, RetryAfter: "7"}, func(err error) bool {
			var e *slack.RateLimitedError
			return errors.As(err, &e) && e.RetryAfter == 7*time.Second
		}},
		{"unknown channel", "#missing-desk", Reply{}, func(err error) bool {
			var e slack.SlackErrorResponse
			return errors.As(err, &e) && e.Err == "channel_not_found"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, api := newServer(t, Options{})
			s.Script(tc.channel, tc.reply)
			_, _, err := api.PostMessageContext(context.Background(), tc.channel, slack.MsgOptionText("x", false))
			if !tc.check(err) {
				t.Fatalf("error %v (%T)", err, err)
			}
			// The script is used up: the next post succeeds.
			if _, _, err := api.PostMessageContext(context.Background(), tc.channel, slack.MsgOptionText("y", false)); err != nil && tc.channel == "#news" {
				t.Fatalf("second post: %v", err)
			}
			if msgs := s.Messages(); tc.channel == "#news" && (len(msgs) != 1 || msgs[0].Text != "y") {
				t.Errorf("messages shown %+v, want only the second", msgs)
			}
		})
	}

	s, _ := newServer(t, Options{})
	bad := slack.New("xoxb-other", slack.OptionAPIURL(s.APIURL()))
	var e slack.SlackErrorResponse
	if _, _, err := bad.PostMessageContext(context.Background(), "#news", slack.MsgOptionText("x", false)); !errors.As(err, &e) || e.Err != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
}

func TestWebhook(t *testing.T) {
	s, _ := newServer(t, Options{})
	hook := s.WebhookURL("#alerts")
	ctx := context.Background()
	if err := slack.PostWebhookContext(ctx, hook, &slack.WebhookMessage{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	s.Script("#alerts", Reply{Error: "no_service"}, Reply{Error: "invalid_payload"})
	for _, want := range []int{404, 400} {
		var e slack.StatusCodeError
		if err := slack.PostWebhookContext(ctx, hook, &slack.WebhookMessage{Text: "x"}); !errors.As(err, &e) || e.Code != want {
			t.Errorf("scripted error: %v, want status %d", err, want)
		}
	}
	var e slack.StatusCodeError
	if err := slack.PostWebhookContext(ctx, s.URL()+"/services/T/B/unknown", &slack.WebhookMessage{Text: "x"}); !errors.As(err, &e) || e.Code != 404 {
		t.Errorf("unknown webhook: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].Method != MethodWebhook || msgs[0].Channel != "#alerts" || msgs[0].Text != "hello" {
		t.Errorf("messages %+v", msgs)
	}
	if !strings.Contains(hook, "/services/") || s.RequestCount("#alerts") != 3 {
		t.Errorf("webhook %s, %d requests", hook, s.RequestCount("#alerts"))
	}
}

// TestHoldAndRelease: a hanging answer after Slack took the message, and
// a late one.
func TestHoldAndRelease(t *testing.T) {
	arrived := make(chan Message, 10)
	s, api := newServer(t, Options{Arrived: arrived})
	held := make(chan struct{})
	s.Script("#news", Reply{Hang: true, Accept: true, Arrived: held}, Reply{Wait: true})
	errs := make(chan error, 2)
	post := func() {
		_, _, err := api.PostMessageContext(context.Background(), "#news", slack.MsgOptionText("x", false))
		errs <- err
	}
	go post()
	<-held
	if m := <-arrived; !m.Accepted || m.TS == "" {
		t.Errorf("held message %+v, want accepted", m)
	}
	go post()
	<-arrived
	select {
	case err := <-errs:
		t.Fatalf("an answer before the release: %v", err)
	default:
	}
	s.Release()
	var failed, ok int
	for range 2 {
		if err := <-errs; err != nil {
			failed++
		} else {
			ok++
		}
	}
	if failed != 1 || ok != 1 || len(s.Messages()) != 2 {
		t.Errorf("%d failed, %d succeeded, %d shown; want the lost answer, the late one, both shown", failed, ok, len(s.Messages()))
	}
}

func TestDownAndObserve(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	var seen []string
	s, api := newServer(t, Options{Clock: clock, Discard: true, Observe: func(m Message) {
		mu.Lock()
		seen = append(seen, m.Text)
		mu.Unlock()
	}})
	s.Down(now.Add(time.Hour))
	var e slack.StatusCodeError
	if _, _, err := api.PostMessageContext(context.Background(), "#news", slack.MsgOptionText("during", false)); !errors.As(err, &e) || e.Code != http.StatusServiceUnavailable {
		t.Fatalf("during the outage: %v", err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if _, _, err := api.PostMessageContext(context.Background(), "#news", slack.MsgOptionText("after", false)); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "after" {
		t.Errorf("observed %q, want only the accepted message", seen)
	}
	if len(s.Messages()) != 0 || len(s.Requests()) != 0 {
		t.Errorf("a discarding server kept %d messages, %d requests", len(s.Messages()), len(s.Requests()))
	}
}

// TestCheckBlocks makes sure the check can fail.
func TestCheckBlocks(t *testing.T) {
	section := `{"type":"section","text":{"type":"mrkdwn","text":"x","verbatim":true}}`
	if err := CheckBlocks([]byte("[" + section + "]")); err != nil {
		t.Fatalf("valid blocks refused: %v", err)
	}
	many := strings.TrimSuffix(strings.Repeat(section+",", MaxBlocks+1), ",")
	for name, bad := range map[string]string{
		"header over 150 characters": `[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("x", 151) + `"}}]`,
		"section without text":       `[{"type":"section"}]`,
		"empty mrkdwn":               `[{"type":"section","text":{"type":"mrkdwn","text":""}}]`,
		"no blocks":                  `[]`,
		"more than 50 blocks":        "[" + many + "]",
		"mrkdwn not verbatim":        `[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]`,
		"not JSON":                   `[{`,
	} {
		if CheckBlocks([]byte(bad)) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
