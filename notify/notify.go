// Package notify owns how newswatch tells people about matches: the
// Notifier interface and Message, what a notifier is given to send; the
// Dispatcher that drains the store's outbox under per-destination rate
// limits, with retries, backoff and dead letters; and the planning of what
// it sends (plan.go: planJobs and the functions beside it), pure functions
// that batch follow-ups, fold bursts into summaries and collect scheduled
// digests, apart from the workers that send.
//
// Each notifier is a subpackage that owns all of its rendering (alerts,
// summaries and digests, follow-ups, feed-health messages): notify/slack
// (a bot through the Web API, and incoming webhooks, both through
// slack-go), notify/webhook (a generic signed JSON webhook) and
// notify/console. A new notifier is a new subpackage, and a case where
// package pipeline builds the configured ones. What every notifier reads
// the same way (clean text, links, the entries grouped by story, the terms
// matched) is here.
//
// Notifiers follow Prometheus Alertmanager's manner: Notify makes one attempt
// and reports whether a failure is worth retrying; the Dispatcher owns the
// retry loop, the backoff and the deadline. Unlike Alertmanager, a rate limit
// (HTTP 429, Slack's "ratelimited") is always retried, after Retry-After.
//
// notify decides how and when to say something, never what matches: that is
// package rules.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Notifier sends messages to one configured destination (a Slack workspace,
// a webhook, the console). Implementations are safe for concurrent use: the
// Dispatcher may call Notify for several channels of one notifier at once.
type Notifier interface {
	// Name is the notifier's configured name, as rules refer to it.
	Name() string
	// Notify makes one attempt to send m. On success it returns where the
	// message landed. On failure, retry reports whether trying again later
	// may succeed (a timeout, a 5xx, a rate limit) or not (a revoked token,
	// an unknown channel, a payload Slack refuses). A rate limit is returned
	// as a *RateLimitError with retry true.
	Notify(ctx context.Context, m *Message) (r Receipt, retry bool, err error)
}

// ChannelResolver is implemented by notifiers that post to a channel chosen
// per message (Slack with a bot token). The Dispatcher uses it to give every
// distinct channel its own queue and rate limit; notifiers that do not
// implement it are one destination whatever the rule's channel says.
type ChannelResolver interface {
	// ResolveChannel returns the channel a message for channel goes to:
	// channel itself, or the notifier's default when channel is empty.
	ResolveChannel(channel string) string
}

// Splitter is implemented by notifiers whose messages have size limits (Slack
// Block Kit). The Dispatcher asks it to split a summary or digest that would
// not fit into one message into several that do; it is never asked to split
// a single alert, which always fits.
type Splitter interface {
	Split(m *Message) []*Message
}

// Receipt says where a delivered message landed.
type Receipt struct {
	// RemoteID identifies the message at the destination: the Slack message
	// ts (needed to reply in its thread), or "" where there is none.
	RemoteID string
	// Channel is the channel ID the destination reported, or "".
	Channel string
}

// DefaultRateLimitWait is how long a destination pauses after a rate limit
// that did not say how long to wait (an HTTP 429 without Retry-After, or
// Slack's "ratelimited" error without the header).
const DefaultRateLimitWait = 30 * time.Second

// RateLimitError reports that the destination refused a message because it
// was sent too fast. It is always returned with retry true. RetryAfter is the
// wait the destination asked for, or 0 when it did not say (the Dispatcher
// then waits DefaultRateLimitWait).
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

// Error says that the destination rate-limited the message, and for how long.
func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("rate limited, retry after %s: %v", e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("rate limited: %v", e.Err)
}

// Unwrap returns the error the notifier saw.
func (e *RateLimitError) Unwrap() error { return e.Err }

// SendError is the error a notifier returns for a failed attempt. Reason is a
// short stable word for logs, dead letters and metrics labels: a Slack error
// code ("channel_not_found", "invalid_auth"), an HTTP status ("http_503"),
// "timeout", "network", "canceled" or "rate_limited".
type SendError struct {
	Notifier string
	Reason   string
	Err      error
}

// Error reads "notify: NOTIFIER: REASON: detail".
func (e *SendError) Error() string {
	if e.Err == nil || e.Err.Error() == e.Reason {
		return fmt.Sprintf("notify: %s: %s", e.Notifier, e.Reason)
	}
	return fmt.Sprintf("notify: %s: %s: %v", e.Notifier, e.Reason, e.Err)
}

// Unwrap returns the underlying error (slack-go's, net/http's).
func (e *SendError) Unwrap() error { return e.Err }

// Reason returns the short reason word of a notifier error (see SendError),
// "rate_limited" for a *RateLimitError, and "error" for anything else.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return "rate_limited"
	}
	var se *SendError
	if errors.As(err, &se) && se.Reason != "" {
		return se.Reason
	}
	return "error"
}

// DefaultTimeout bounds one delivery request of a notifier whose options
// leave Timeout zero.
const DefaultTimeout = 10 * time.Second
