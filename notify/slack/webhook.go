package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/transport"
)

// WebhookOptions configure a notifier that posts to a Slack incoming
// webhook. URL is required; the zero value of every other field is usable.
type WebhookOptions struct {
	// Name is the notifier's configured name; "slack-webhook" when empty.
	Name string
	// URL is the incoming webhook URL. It is a secret: it never appears in
	// errors or logs.
	URL string
	// Timeout bounds one request; zero means notify.DefaultTimeout.
	Timeout time.Duration
	// Unfurl lets Slack unfurl links and media; off by default.
	Unfurl bool
	// Mention is added to messages of severity high (see BotOptions).
	Mention string
	// Location is the time zone of times in fallback text; nil means UTC.
	Location *time.Location
	// Transport carries the requests; nil means a shared clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
}

// Webhook is a Notifier that posts Block Kit messages to a Slack
// incoming webhook through slack-go's PostWebhookCustomHTTPContext. A
// webhook is bound to one channel: a rule's channel cannot redirect it, and
// Slack returns no message ts, so its alerts cannot be threaded.
type Webhook struct {
	name      string
	url       string
	timeout   time.Duration
	unfurl    bool
	style     style
	transport http.RoundTripper
	now       func() time.Time
}

// NewWebhook returns a Slack incoming-webhook notifier, or an error
// when o's URL is not an absolute http(s) URL or its mention is invalid.
func NewWebhook(o WebhookOptions) (*Webhook, error) {
	if o.Name == "" {
		o.Name = "slack-webhook"
	}
	if err := transport.CheckEndpoint(o.URL); err != nil {
		return nil, fmt.Errorf("notify: slack-webhook notifier %q: %w", o.Name, err)
	}
	mention, err := parseMention(o.Mention)
	if err != nil {
		return nil, fmt.Errorf("notify: slack-webhook notifier %q: %w", o.Name, err)
	}
	return &Webhook{
		name:      o.Name,
		url:       o.URL,
		timeout:   o.Timeout,
		unfurl:    o.Unfurl,
		style:     style{mention: mention, loc: o.Location},
		transport: o.Transport,
		now:       time.Now,
	}, nil
}

// Name returns the notifier's configured name.
func (w *Webhook) Name() string { return w.name }

// Split divides a summary or digest into messages within Block Kit's limits.
func (w *Webhook) Split(m *notify.Message) []*notify.Message { return w.style.split(m) }

// Notify posts m to the webhook. Slack answers a webhook with "ok" or an
// error word and status: 429 is a rate limit, 5xx is retried, and 4xx
// (invalid_payload, no_service, channel_not_found, channel_is_archived,
// action_prohibited, invalid_token…) is permanent.
func (w *Webhook) Notify(ctx context.Context, m *notify.Message) (notify.Receipt, bool, error) {
	blocks, text := w.style.render(m)
	unfurl := w.unfurl
	msg := &slackgo.WebhookMessage{
		Text:            text,
		Blocks:          &slackgo.Blocks{BlockSet: blocks},
		UnfurlLinks:     &unfurl,
		UnfurlMedia:     &unfurl,
		ThreadTimestamp: m.ThreadTS,
	}
	var ex transport.Exchange
	err := slackgo.PostWebhookCustomHTTPContext(ctx, w.url, transport.NewClient(w.transport, w.timeout, &ex), msg)
	if err == nil {
		return notify.Receipt{}, false, nil
	}
	var rl *slackgo.RateLimitedError
	switch {
	case errors.As(err, &rl):
		return notify.Receipt{}, true, &notify.RateLimitError{RetryAfter: rl.RetryAfter, Err: transport.SendError(w.name, "rate_limited", transport.Redact(err, w.url))}
	case ex.Status != 0 && ex.Status/100 != 2:
		retry, err := transport.Failure(w.name, &ex, w.now())
		return notify.Receipt{}, retry, err
	}
	return notify.Receipt{}, true, transport.SendError(w.name, transport.Reason(err), transport.Redact(err, w.url))
}
