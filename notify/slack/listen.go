package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify/internal/transport"
)

// Listener answers what people do with a bot's alerts in Slack, through
// Socket Mode (slack-go's socketmode): Slack sends clicks and slash
// commands over a WebSocket the Listener opens with the app's app-level
// token, so newswatch needs no public URL.
//
// A click on an alert's buttons is acknowledged at once, then checked
// (the message is the alert's, the person is a member of its channel),
// recorded (a silence, or feedback), logged, told in the message itself
// (chat.update: "Muted by @alice…") and confirmed to the person privately
// (the payload's response_url). `/newswatch test QUERY` answers privately
// with what the query matches among the last week's items.
//
// The connection is the Listener's own: a lost one is opened again with
// backoff (slack-go's while Slack can be reached, the Listener's when
// slack-go gives up, on a revoked token), and alerts are sent by the
// Dispatcher through the Web API whatever becomes of it.
type Listener struct {
	bot      *Bot
	appToken string
	rec      Recorder
	search   Searcher
	members  *memberCache
	log      *slog.Logger
	now      func() time.Time
	min, max time.Duration // backoff between sessions

	connected atomic.Bool
	work      chan struct{} // bounds the clicks and commands handled at once
	wg        sync.WaitGroup

	mu   sync.Mutex
	sent map[string]sentBlocks // the blocks last written to a message, by channel and ts
}

// Recorder is where a Listener reads alerts and records what people did;
// package pipeline gives it the store and the silences.
type Recorder interface {
	// AlertsIn returns those of the alerts ids that exist.
	AlertsIn(ctx context.Context, ids []int64) ([]*model.Alert, error)
	// AddSilence records a mute or a snooze, setting its ID; it holds for
	// the Dispatcher at once. When what it asks for already holds, it
	// fills s with the silence in force and returns (wraps)
	// store.ErrSilenceInForce (see store.AddSilence).
	AddSilence(ctx context.Context, s *store.Silence) error
	// AddFeedback records "not relevant", and reports whether it is new
	// (once per alert and person).
	AddFeedback(ctx context.Context, f *store.Feedback) (bool, error)
}

// Searcher runs query, in the rule language, over the items first seen
// since, newest first, and returns how many it matched with the first
// (at most keep) of them. A query that does not parse is an error whose
// text is shown to the person who asked.
type Searcher func(ctx context.Context, query string, since time.Time, keep int) (*SearchResult, error)

// SearchResult is what a search found.
type SearchResult struct {
	// Matches counts the items matched; Scanned the items read.
	Matches, Scanned int
	// Items are the first matches, newest first.
	Items []SearchItem
	// Cut, when not "", says which bound stopped the search early.
	Cut string
}

// SearchItem is one item a search matched.
type SearchItem struct {
	Title, Link, Feed string
	// When is when it was published, or first seen when undated.
	When time.Time
	// Matched is what the query matched in it, as alerts say it.
	Matched string
}

// ListenerOptions configure a Listener.
type ListenerOptions struct {
	// Bot is the notifier whose alerts carry the buttons: its bot token,
	// API URL, timeout and transport serve the Listener's Web API calls
	// (chat.update, conversations.members); required, with Actions set.
	Bot *Bot
	// AppToken is the app's app-level token (xapp-…) with the
	// connections:write scope; required.
	AppToken string
	// Recorder records what people do; required.
	Recorder Recorder
	// Search answers `/newswatch test`; nil answers that it is not
	// available.
	Search Searcher
	// MembersTTL is how long a channel's member list is trusted; zero
	// means DefaultMembersTTL.
	MembersTTL time.Duration
	// BackoffMin and BackoffMax bound the wait before opening a connection
	// again after slack-go gave up (a revoked token, an app without Socket
	// Mode); zero means 1 s and 5 min.
	BackoffMin, BackoffMax time.Duration
	// Log receives the connection's events and every action; nil means
	// slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultMembersTTL is how long a channel's member list is trusted when
// ListenerOptions.MembersTTL is zero: someone removed from a channel can
// act on its alerts for at most this long.
const DefaultMembersTTL = 2 * time.Minute

// maxHandlers bounds the clicks and commands handled at once; more wait.
const maxHandlers = 8

// NewListener returns a Listener, or an error when o lacks what it needs.
func NewListener(o ListenerOptions) (*Listener, error) {
	switch {
	case o.Bot == nil:
		return nil, errors.New("slack: listener without a bot")
	case !o.Bot.style.actions:
		return nil, fmt.Errorf("slack: notifier %q: listener for a bot without buttons (BotOptions.Actions)", o.Bot.name)
	case strings.TrimSpace(o.AppToken) == "":
		return nil, fmt.Errorf("slack: notifier %q: no app-level token", o.Bot.name)
	case o.Recorder == nil:
		return nil, fmt.Errorf("slack: notifier %q: listener without a recorder", o.Bot.name)
	}
	l := &Listener{bot: o.Bot, appToken: o.AppToken, rec: o.Recorder, search: o.Search,
		log: o.Log, now: o.Now, min: o.BackoffMin, max: o.BackoffMax,
		work: make(chan struct{}, maxHandlers), sent: map[string]sentBlocks{}}
	if l.log == nil {
		l.log = slog.Default()
	}
	l.log = l.log.With("notifier", o.Bot.name)
	if l.now == nil {
		l.now = time.Now
	}
	if l.min <= 0 {
		l.min = time.Second
	}
	if l.max <= 0 {
		l.max = 5 * time.Minute
	}
	l.members = &memberCache{ttl: o.MembersTTL, fetch: l.fetchMembers, byChannel: map[string]*memberList{}}
	if l.members.ttl <= 0 {
		l.members.ttl = DefaultMembersTTL
	}
	return l, nil
}

// Connected reports whether the Listener has a live connection.
func (l *Listener) Connected() bool { return l.connected.Load() }

// Run keeps a Socket Mode connection open and answers what arrives on it
// until ctx is done; then it waits for the actions under way and returns
// nil. It returns nothing else: a connection that fails is opened again.
func (l *Listener) Run(ctx context.Context) error {
	defer l.wg.Wait()
	for attempt := 0; ; attempt++ {
		connected, err := l.session(ctx)
		l.connected.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			attempt = 0
		}
		wait := l.backoff(attempt)
		l.log.Error("slack: Socket Mode connection failed; buttons and slash commands wait for it, alerts are sent as usual",
			"error", err, "retry_in", wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// backoff is the wait before session attempt+1: BackoffMin doubled per
// attempt up to BackoffMax, half of it random.
func (l *Listener) backoff(attempt int) time.Duration {
	b := l.min << min(attempt, 30)
	if b <= 0 || b > l.max {
		b = l.max
	}
	return b/2 + rand.N(b/2+1)
}

// session runs one slack-go Socket Mode client until it gives up or ctx
// is done, handling its events, and reports whether it connected.
// slack-go opens the connection again by itself after a drop or a
// "disconnect" from Slack, and retries failed opens with its own backoff;
// it gives up on errors it deems fatal (invalid_auth, a revoked token).
func (l *Listener) session(ctx context.Context) (connected bool, err error) {
	var ex transport.Exchange
	api := slackgo.New(l.bot.token,
		slackgo.OptionAppLevelToken(l.appToken),
		slackgo.OptionAPIURL(l.bot.apiURL),
		slackgo.OptionHTTPClient(transport.NewClient(l.bot.transport, l.bot.timeout, &ex)))
	client := socketmode.New(api)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(runCtx) }()
	for {
		select {
		case err := <-done:
			return connected, err
		case evt := <-client.Events:
			if l.event(runCtx, client, evt) {
				connected = true
			}
		}
	}
}

// event handles one event of the Socket Mode client and reports whether
// it says the connection is up.
func (l *Listener) event(ctx context.Context, client *socketmode.Client, evt socketmode.Event) bool {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		l.connected.Store(false)
		l.log.Debug("slack: Socket Mode connecting")
	case socketmode.EventTypeConnectionError:
		l.connected.Store(false)
		attrs := []any{}
		if e, ok := evt.Data.(*slackgo.ConnectionErrorEvent); ok {
			attrs = append(attrs, "error", e.ErrorObj, "attempt", e.Attempt, "retry_in", e.Backoff.Round(time.Millisecond))
		}
		l.log.Warn("slack: Socket Mode connection failed; trying again", attrs...)
	case socketmode.EventTypeInvalidAuth:
		l.log.Error("slack: Socket Mode refused the app-level token (app_token)")
	case socketmode.EventTypeConnected:
		l.connected.Store(true)
		l.log.Info("slack: Socket Mode connected; listening for buttons and slash commands")
		return true
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		l.log.Warn("slack: Socket Mode", "event", string(evt.Type), "detail", fmt.Sprint(evt.Data))
	case socketmode.EventTypeInteractive:
		l.ack(client, evt.Request, nil)
		if cb, ok := evt.Data.(slackgo.InteractionCallback); ok && cb.Type == slackgo.InteractionTypeBlockActions {
			for _, a := range cb.ActionCallback.BlockActions {
				l.spawn(ctx, func(ctx context.Context) { l.act(ctx, &cb, a) })
			}
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackgo.SlashCommand)
		if !ok {
			l.ack(client, evt.Request, nil)
			break
		}
		reply, query := l.slashAck(&cmd)
		l.ack(client, evt.Request, reply)
		if query != "" {
			l.spawn(ctx, func(ctx context.Context) { l.test(ctx, &cmd, query) })
		}
	case socketmode.EventTypeEventsAPI:
		l.ack(client, evt.Request, nil) // newswatch subscribes to no events
	}
	return false
}

// ack acknowledges a request, with payload when it is not nil.
func (l *Listener) ack(client *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	var err error
	if payload != nil {
		err = client.Ack(*req, payload)
	} else {
		err = client.Ack(*req)
	}
	if err != nil {
		l.log.Warn("slack: acknowledge a Socket Mode request", "envelope_id", req.EnvelopeID, "error", err)
	}
}

// spawn runs fn in a goroutine, at most maxHandlers at once, with a
// context that outlives the connection but not the Listener's Run.
func (l *Listener) spawn(ctx context.Context, fn func(context.Context)) {
	l.wg.Go(func() {
		select {
		case l.work <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-l.work }()
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		fn(actx)
	})
}

// client returns a Web API client with the bot's token, for one call.
func (l *Listener) client() *slackgo.Client {
	var ex transport.Exchange
	return slackgo.New(l.bot.token, slackgo.OptionAPIURL(l.bot.apiURL),
		slackgo.OptionHTTPClient(transport.NewClient(l.bot.transport, l.bot.timeout, &ex)))
}

// respond posts text privately to the person behind a payload, through
// its response_url.
func (l *Listener) respond(ctx context.Context, responseURL, text string) {
	if responseURL == "" {
		return
	}
	var ex transport.Exchange
	msg := &slackgo.WebhookMessage{ResponseType: slackgo.ResponseTypeEphemeral, Text: text}
	if err := slackgo.PostWebhookCustomHTTPContext(ctx, responseURL,
		transport.NewClient(l.bot.transport, l.bot.timeout, &ex), msg); err != nil {
		l.log.Warn("slack: reply through response_url", "error", transport.Redact(err, responseURL))
	}
}

// memberCache remembers who is in which channel for a while.
type memberCache struct {
	ttl   time.Duration
	fetch func(ctx context.Context, channel string) (map[string]bool, error)

	mu        sync.Mutex
	byChannel map[string]*memberList
}

type memberList struct {
	members map[string]bool
	at      time.Time
}

// recheckAfter is how old a member list must be before someone not in it
// makes it read again (they may have just joined).
const recheckAfter = 10 * time.Second

// isMember reports whether user is a member of channel at now.
func (c *memberCache) isMember(ctx context.Context, channel, user string, now time.Time) (bool, error) {
	c.mu.Lock()
	list := c.byChannel[channel]
	c.mu.Unlock()
	fresh := list != nil && now.Sub(list.at) < c.ttl && !now.Before(list.at)
	if fresh && (list.members[user] || now.Sub(list.at) < recheckAfter) {
		return list.members[user], nil
	}
	members, err := c.fetch(ctx, channel)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	c.byChannel[channel] = &memberList{members: members, at: now}
	c.mu.Unlock()
	return members[user], nil
}

// maxMemberPages bounds the pages of conversations.members read for one
// channel (1,000 members a page).
const maxMemberPages = 100

// fetchMembers reads the members of channel (conversations.members, which
// needs channels:read, and groups:read for private channels).
func (l *Listener) fetchMembers(ctx context.Context, channel string) (map[string]bool, error) {
	client := l.client()
	members := map[string]bool{}
	cursor := ""
	for range maxMemberPages {
		page, next, err := client.GetUsersInConversationContext(ctx,
			&slackgo.GetUsersInConversationParameters{ChannelID: channel, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("slack: members of %s: %w", channel, err)
		}
		for _, u := range page {
			members[u] = true
		}
		if next == "" {
			return members, nil
		}
		cursor = next
	}
	return members, nil
}
