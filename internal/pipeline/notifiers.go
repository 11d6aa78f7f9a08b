package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/console"
	"github.com/newswatch/newswatch/notify/slack"
	"github.com/newswatch/newswatch/notify/webhook"
)

// notifierOptions are what the notifiers built from configuration share.
// The zero value is usable.
type notifierOptions struct {
	// Stdout receives console notifiers' output; nil means os.Stdout.
	Stdout io.Writer
	// Transport carries HTTP notifiers' requests; nil means a shared clone
	// of http.DefaultTransport (which honours HTTPS_PROXY).
	Transport http.RoundTripper
	// Location is the time zone of times in fallback and console text; nil
	// means time.Local.
	Location *time.Location
}

// newNotifier builds the notifier cfg describes, from the subpackage of
// notify for its type.
func newNotifier(cfg config.Notifier, o notifierOptions) (notify.Notifier, error) {
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	switch cfg.Type {
	case config.TypeSlack:
		return slack.NewBot(slack.BotOptions{
			Name: cfg.Name, Token: cfg.Token, Channel: cfg.Channel, APIURL: cfg.APIURL,
			Timeout: cfg.Timeout, Unfurl: cfg.Unfurl, Mention: cfg.Mention,
			Location: loc, Transport: o.Transport, Actions: cfg.AppToken != "",
		})
	case config.TypeSlackWebhook:
		return slack.NewWebhook(slack.WebhookOptions{
			Name: cfg.Name, URL: cfg.URL, Timeout: cfg.Timeout, Unfurl: cfg.Unfurl,
			Mention: cfg.Mention, Location: loc, Transport: o.Transport,
		})
	case config.TypeWebhook:
		return webhook.New(webhook.Options{
			Name: cfg.Name, URL: cfg.URL, Secret: cfg.Secret, Timeout: cfg.Timeout,
			Transport: o.Transport,
		})
	case config.TypeConsole:
		return console.New(console.Options{Name: cfg.Name, Out: o.Stdout, Location: loc}), nil
	}
	return nil, fmt.Errorf("notify: notifier %q: unknown type %q", cfg.Name, cfg.Type)
}

// notifiers builds each configured notifier once, with the one record of
// its settings that the dispatcher sends by (its pace, its story_updates)
// and the poller's view of the same record (its default channel, its
// story_updates) that routes alerts to it.
func notifiers(cfg *config.Config, o notifierOptions) ([]notify.Settings, map[string]monitor.Route, error) {
	settings := make([]notify.Settings, 0, len(cfg.Notifiers))
	routes := make(map[string]monitor.Route, len(cfg.Notifiers))
	for _, nc := range cfg.Notifiers {
		n, err := newNotifier(nc, o)
		if err != nil {
			return nil, nil, err
		}
		s := notify.Settings{Notifier: n, Limit: notify.Limit{Rate: nc.Rate, Burst: nc.Burst},
			StoryUpdates: followup.Mode(nc.StoryUpdates), ReplyBroadcast: nc.ReplyBroadcast}
		settings = append(settings, s)
		routes[nc.Name] = monitor.Route{Channel: nc.Channel, StoryUpdates: s.StoryUpdates}
	}
	return settings, routes, nil
}

// newDispatcher returns a Dispatcher of the outbox st through the
// notifiers of settings, with cfg.Notify's max age, fold threshold and
// retry cap; digest schedules without CRON_TZ are in the local time zone.
// The caller sets Rules (for digests) and may set Log and OnOutcome before
// Run or Drain.
func newDispatcher(cfg *config.Config, st notify.Outbox, settings []notify.Settings) *notify.Dispatcher {
	return &notify.Dispatcher{
		Store:         st,
		Notifiers:     settings,
		MaxAge:        cfg.Notify.MaxAge,
		FoldThreshold: cfg.Notify.FoldThreshold,
		RetryMax:      cfg.Notify.RetryMax,
		Log:           slog.Default(),
	}
}
