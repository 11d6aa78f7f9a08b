// Package slack is the Slack notifier: a bot that posts through the Web
// API (chat.postMessage) with a token, and incoming webhooks, both through
// slack-go. It owns everything Slack shows: alerts, folded summaries and
// digests as Block Kit within Slack's limits (split when they would not
// fit), follow-ups ("Also reported by", in the alert's thread for a bot),
// feed-health messages, and the escaping that keeps feed text from
// pinging a channel or disguising a link.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/transport"
)

// BotOptions configure a Slack notifier that posts with a bot token
// through the Web API (chat.postMessage). The zero value of every field but
// Token is usable.
type BotOptions struct {
	// Name is the notifier's configured name; "slack" when empty.
	Name string
	// Token is the bot token (xoxb-…); it needs the chat:write scope, and
	// the bot must be a member of the channels it posts to (or have
	// chat:write.public for public channels).
	Token string
	// Channel is the default channel (an ID such as C0123ABC, or #name),
	// used when a rule names none.
	Channel string
	// APIURL is the base URL of the Web API ending in "/api/" (a proxy, a
	// test server); empty means Slack's own.
	APIURL string
	// Timeout bounds one request; zero means notify.DefaultTimeout.
	Timeout time.Duration
	// Unfurl lets Slack unfurl links and media in messages. Off by default:
	// previews of every outlet's page would bury the alerts.
	Unfurl bool
	// Mention is added to messages of severity high: a user group
	// ("<!subteam^S0123ABC>" or "S0123ABC"), a user ("<@U0123>"), or
	// "@here", "@channel", "@everyone". Empty means none.
	Mention string
	// Location is the time zone of times in fallback text; nil means UTC.
	// (Slack shows times in blocks in each reader's own zone.)
	Location *time.Location
	// Transport carries the requests; nil means a shared clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Actions adds buttons to every single alert ("Mute this story",
	// "Snooze rule", "Not relevant"). Set it only when a Listener with the
	// app's app-level token runs for the bot: Slack refuses clicks that no
	// app answers.
	Actions bool
}

// Bot is a notifier that posts Block Kit messages with a bot token through
// slack-go's PostMessageContext. slack-go's own retries stay off: it makes
// one attempt per Notify, and the Dispatcher schedules retries.
type Bot struct {
	name      string
	token     string
	channel   string
	apiURL    string
	timeout   time.Duration
	unfurl    bool
	style     style
	transport http.RoundTripper
	now       func() time.Time
}

// NewBot returns a Slack bot notifier, or an error when o lacks a token
// or has an invalid mention.
func NewBot(o BotOptions) (*Bot, error) {
	if o.Name == "" {
		o.Name = "slack"
	}
	if strings.TrimSpace(o.Token) == "" {
		return nil, fmt.Errorf("notify: slack notifier %q: no bot token", o.Name)
	}
	mention, err := parseMention(o.Mention)
	if err != nil {
		return nil, fmt.Errorf("notify: slack notifier %q: %w", o.Name, err)
	}
	api := o.APIURL
	if api == "" {
		api = slackgo.APIURL
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	return &Bot{
		name:      o.Name,
		token:     o.Token,
		channel:   o.Channel,
		apiURL:    api,
		timeout:   o.Timeout,
		unfurl:    o.Unfurl,
		style:     style{mention: mention, loc: o.Location, actions: o.Actions},
		transport: o.Transport,
		now:       time.Now,
	}, nil
}

// Name returns the notifier's configured name.
func (s *Bot) Name() string { return s.name }

// ResolveChannel returns channel, or the notifier's default channel when
// channel is empty.
func (s *Bot) ResolveChannel(channel string) string {
	if channel != "" {
		return channel
	}
	return s.channel
}

// Split divides a summary or digest into messages within Block Kit's limits.
func (s *Bot) Split(m *notify.Message) []*notify.Message { return s.style.split(m) }

// Notify posts m to its channel, in the thread of m.ThreadTS when set, and
// returns the message's ts and channel ID.
func (s *Bot) Notify(ctx context.Context, m *notify.Message) (notify.Receipt, bool, error) {
	channel := s.ResolveChannel(m.Channel)
	if channel == "" {
		return notify.Receipt{}, false, transport.SendError(s.name, "no_channel", ErrNoChannel)
	}
	blocks, text := s.style.render(m)
	opts := []slackgo.MsgOption{
		slackgo.MsgOptionText(text, false), // escaped by the renderer
		slackgo.MsgOptionBlocks(blocks...),
	}
	if s.unfurl {
		opts = append(opts, slackgo.MsgOptionEnableLinkUnfurl())
	} else {
		opts = append(opts, slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl())
	}
	if m.ThreadTS != "" {
		opts = append(opts, slackgo.MsgOptionTS(m.ThreadTS))
		if m.Broadcast {
			opts = append(opts, slackgo.MsgOptionBroadcast())
		}
	}
	var ex transport.Exchange
	client := slackgo.New(s.token,
		slackgo.OptionAPIURL(s.apiURL),
		slackgo.OptionHTTPClient(transport.NewClient(s.transport, s.timeout, &ex)))
	respChannel, ts, err := client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		retry, err := classify(s.name, err, &ex, s.now())
		return notify.Receipt{}, retry, err
	}
	return notify.Receipt{RemoteID: ts, Channel: respChannel}, false, nil
}

// ErrNoChannel is returned (permanent) by a bot asked to post a message
// that names no channel when the bot has no default channel.
var ErrNoChannel = errors.New("notify: no channel: set the notifier's channel or the rule's channel")

// transient are the Web API error codes that mean "try again later";
// every other code is permanent.
var transient = map[string]bool{
	"internal_error":         true,
	"fatal_error":            true,
	"service_unavailable":    true,
	"request_timeout":        true,
	"team_added_to_org":      true, // an enterprise migration is under way
	"message_limit_exceeded": true, // a free workspace's message quota
}

// classify turns a failed PostMessageContext into (retry, error).
//
// slack-go surfaces an HTTP 429 with a numeric Retry-After as
// *slackgo.RateLimitedError, a 429 without the header (or with an HTTP-date
// one, which it fails to parse) as another error, any other non-200 status
// as slackgo.StatusCodeError, and "ok": false as slackgo.SlackErrorResponse
// carrying Slack's error code. The exchange fills the gaps. Every rate limit
// is retried; Slack's transient codes, server errors and network failures
// are retried; every other Slack error code (channel_not_found,
// not_in_channel, invalid_auth, token_revoked, is_archived, msg_too_long,
// invalid_blocks, …) is permanent, since sending the same message again
// would fail the same way.
func classify(notifier string, err error, ex *transport.Exchange, now time.Time) (bool, error) {
	var rl *slackgo.RateLimitedError
	if errors.As(err, &rl) {
		return true, &notify.RateLimitError{RetryAfter: rl.RetryAfter, Err: transport.SendError(notifier, "rate_limited", err)}
	}
	if ex.Status == http.StatusTooManyRequests {
		return true, &notify.RateLimitError{RetryAfter: transport.RetryAfter(ex.Header, now), Err: transport.SendError(notifier, "rate_limited", err)}
	}
	var api slackgo.SlackErrorResponse
	if errors.As(err, &api) {
		code := api.Err
		if code == "ratelimited" || code == "rate_limited" {
			return true, &notify.RateLimitError{RetryAfter: transport.RetryAfter(ex.Header, now), Err: transport.SendError(notifier, "rate_limited", err)}
		}
		return transient[code], transport.SendError(notifier, code, err)
	}
	var status slackgo.StatusCodeError
	if errors.As(err, &status) {
		return transport.RetryableStatus(status.Code), transport.SendError(notifier, fmt.Sprintf("http_%d", status.Code), err)
	}
	if ex.Status != 0 {
		// A response arrived but could not be used (a proxy's HTML page, a
		// cut-off body): worth another try.
		return true, transport.SendError(notifier, "bad_response", err)
	}
	return true, transport.SendError(notifier, transport.Reason(err), err)
}
