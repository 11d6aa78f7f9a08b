package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

// SlackWebhookOptions configure a notifier that posts to a Slack incoming
// webhook. URL is required; the zero value of every other field is usable.
type SlackWebhookOptions struct {
	// Name is the notifier's configured name; "slack-webhook" when empty.
	Name string
	// URL is the incoming webhook URL. It is a secret: it never appears in
	// errors or logs.
	URL string
	// Timeout bounds one request; zero means DefaultTimeout.
	Timeout time.Duration
	// Unfurl lets Slack unfurl links and media; off by default.
	Unfurl bool
	// Mention is added to messages of severity high (see SlackOptions).
	Mention string
	// Location is the time zone of times in fallback text; nil means UTC.
	Location *time.Location
	// Transport carries the requests; nil means a shared clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
}

// SlackWebhook is a Notifier that posts Block Kit messages to a Slack
// incoming webhook through slack-go's PostWebhookCustomHTTPContext. A
// webhook is bound to one channel: a rule's channel cannot redirect it, and
// Slack returns no message ts, so its alerts cannot be threaded.
type SlackWebhook struct {
	name      string
	url       string
	timeout   time.Duration
	unfurl    bool
	style     slackStyle
	transport http.RoundTripper
	now       func() time.Time
}

// NewSlackWebhook returns a Slack incoming-webhook notifier, or an error
// when o's URL is not an absolute http(s) URL or its mention is invalid.
func NewSlackWebhook(o SlackWebhookOptions) (*SlackWebhook, error) {
	if o.Name == "" {
		o.Name = "slack-webhook"
	}
	if err := checkEndpoint(o.URL); err != nil {
		return nil, fmt.Errorf("notify: slack-webhook notifier %q: %w", o.Name, err)
	}
	mention, err := parseMention(o.Mention)
	if err != nil {
		return nil, fmt.Errorf("notify: slack-webhook notifier %q: %w", o.Name, err)
	}
	return &SlackWebhook{
		name:      o.Name,
		url:       o.URL,
		timeout:   o.Timeout,
		unfurl:    o.Unfurl,
		style:     slackStyle{mention: mention, loc: o.Location},
		transport: o.Transport,
		now:       time.Now,
	}, nil
}

// Name returns the notifier's configured name.
func (w *SlackWebhook) Name() string { return w.name }

// Split divides a summary or digest into messages within Block Kit's limits.
func (w *SlackWebhook) Split(m *Message) []*Message { return w.style.split(m) }

// Notify posts m to the webhook. Slack answers a webhook with "ok" or an
// error word and status: 429 is a rate limit, 5xx is retried, and 4xx
// (invalid_payload, no_service, channel_not_found, channel_is_archived,
// action_prohibited, invalid_token…) is permanent.
func (w *SlackWebhook) Notify(ctx context.Context, m *Message) (Receipt, bool, error) {
	blocks, text := w.style.render(m)
	unfurl := w.unfurl
	msg := &slack.WebhookMessage{
		Text:            text,
		Blocks:          &slack.Blocks{BlockSet: blocks},
		UnfurlLinks:     &unfurl,
		UnfurlMedia:     &unfurl,
		ThreadTimestamp: m.ThreadTS,
	}
	var ex exchange
	err := slack.PostWebhookCustomHTTPContext(ctx, w.url, newHTTPClient(w.transport, w.timeout, &ex), msg)
	if err == nil {
		return Receipt{}, false, nil
	}
	var rl *slack.RateLimitedError
	switch {
	case errors.As(err, &rl):
		return Receipt{}, true, &RateLimitError{RetryAfter: rl.RetryAfter, Err: sendError(w.name, "rate_limited", redact(err, w.url))}
	case ex.status != 0 && ex.status/100 != 2:
		retry, err := httpFailure(w.name, &ex, w.now())
		return Receipt{}, retry, err
	}
	return Receipt{}, true, sendError(w.name, transportReason(err), redact(err, w.url))
}

// checkEndpoint accepts absolute http and https URLs with a host.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %s", redactURL(raw))
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("URL %s is not an absolute http or https URL", redactURL(raw))
	}
	return nil
}
