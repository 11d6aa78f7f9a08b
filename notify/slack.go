package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// SlackOptions configure a Slack notifier that posts with a bot token
// through the Web API (chat.postMessage). The zero value of every field but
// Token is usable.
type SlackOptions struct {
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
	// Timeout bounds one request; zero means DefaultTimeout.
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
}

// Slack is a Notifier that posts Block Kit messages with a bot token through
// slack-go's PostMessageContext. slack-go's own retries stay off: it makes
// one attempt per Notify, and the Dispatcher schedules retries.
type Slack struct {
	name      string
	token     string
	channel   string
	apiURL    string
	timeout   time.Duration
	unfurl    bool
	style     slackStyle
	transport http.RoundTripper
	now       func() time.Time
}

// NewSlack returns a Slack bot notifier, or an error when o lacks a token
// or has an invalid mention.
func NewSlack(o SlackOptions) (*Slack, error) {
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
		api = slack.APIURL
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	return &Slack{
		name:      o.Name,
		token:     o.Token,
		channel:   o.Channel,
		apiURL:    api,
		timeout:   o.Timeout,
		unfurl:    o.Unfurl,
		style:     slackStyle{mention: mention, loc: o.Location},
		transport: o.Transport,
		now:       time.Now,
	}, nil
}

// Name returns the notifier's configured name.
func (s *Slack) Name() string { return s.name }

// ResolveChannel returns channel, or the notifier's default channel when
// channel is empty.
func (s *Slack) ResolveChannel(channel string) string {
	if channel != "" {
		return channel
	}
	return s.channel
}

// Split divides a summary or digest into messages within Block Kit's limits.
func (s *Slack) Split(m *Message) []*Message { return s.style.split(m) }

// Notify posts m to its channel, in the thread of m.ThreadTS when set, and
// returns the message's ts and channel ID.
func (s *Slack) Notify(ctx context.Context, m *Message) (Receipt, bool, error) {
	channel := s.ResolveChannel(m.Channel)
	if channel == "" {
		return Receipt{}, false, sendError(s.name, "no_channel", ErrNoChannel)
	}
	blocks, text := s.style.render(m)
	opts := []slack.MsgOption{
		slack.MsgOptionText(text, false), // escaped by the renderer
		slack.MsgOptionBlocks(blocks...),
	}
	if s.unfurl {
		opts = append(opts, slack.MsgOptionEnableLinkUnfurl())
	} else {
		opts = append(opts, slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
	}
	if m.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(m.ThreadTS))
	}
	var ex exchange
	client := slack.New(s.token,
		slack.OptionAPIURL(s.apiURL),
		slack.OptionHTTPClient(newHTTPClient(s.transport, s.timeout, &ex)))
	respChannel, ts, err := client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		retry, err := classifySlack(s.name, err, &ex, s.now())
		return Receipt{}, retry, err
	}
	return Receipt{RemoteID: ts, Channel: respChannel}, false, nil
}

// slackTransient are the Web API error codes that mean "try again later";
// every other code is permanent.
var slackTransient = map[string]bool{
	"internal_error":         true,
	"fatal_error":            true,
	"service_unavailable":    true,
	"request_timeout":        true,
	"team_added_to_org":      true, // an enterprise migration is under way
	"message_limit_exceeded": true, // a free workspace's message quota
}

// classifySlack turns a failed PostMessageContext into (retry, error).
//
// slack-go surfaces an HTTP 429 with a numeric Retry-After as
// *slack.RateLimitedError, a 429 without the header (or with an HTTP-date
// one, which it fails to parse) as another error, any other non-200 status
// as slack.StatusCodeError, and "ok": false as slack.SlackErrorResponse
// carrying Slack's error code. The exchange fills the gaps. Every rate limit
// is retried; Slack's transient codes, server errors and network failures
// are retried; every other Slack error code (channel_not_found,
// not_in_channel, invalid_auth, token_revoked, is_archived, msg_too_long,
// invalid_blocks, …) is permanent, since sending the same message again
// would fail the same way.
func classifySlack(notifier string, err error, ex *exchange, now time.Time) (bool, error) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return true, &RateLimitError{RetryAfter: rl.RetryAfter, Err: sendError(notifier, "rate_limited", err)}
	}
	if ex.status == http.StatusTooManyRequests {
		return true, &RateLimitError{RetryAfter: retryAfter(ex.header, now), Err: sendError(notifier, "rate_limited", err)}
	}
	var api slack.SlackErrorResponse
	if errors.As(err, &api) {
		code := api.Err
		if code == "ratelimited" || code == "rate_limited" {
			return true, &RateLimitError{RetryAfter: retryAfter(ex.header, now), Err: sendError(notifier, "rate_limited", err)}
		}
		return slackTransient[code], sendError(notifier, code, err)
	}
	var status slack.StatusCodeError
	if errors.As(err, &status) {
		return retryableStatus(status.Code), sendError(notifier, fmt.Sprintf("http_%d", status.Code), err)
	}
	if ex.status != 0 {
		// A response arrived but could not be used (a proxy's HTML page, a
		// cut-off body): worth another try.
		return true, sendError(notifier, "bad_response", err)
	}
	return true, sendError(notifier, transportReason(err), err)
}
