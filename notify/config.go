package notify

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/followup"
)

// Options are what notifiers built from configuration share. The zero value
// is usable.
type Options struct {
	// Stdout receives console notifiers' output; nil means os.Stdout.
	Stdout io.Writer
	// Transport carries HTTP notifiers' requests; nil means a shared clone
	// of http.DefaultTransport (which honours HTTPS_PROXY).
	Transport http.RoundTripper
	// Location is the time zone of times in fallback and console text; nil
	// means time.Local.
	Location *time.Location
}

// New builds the notifier cfg describes.
func New(cfg config.Notifier, opts Options) (Notifier, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	switch cfg.Type {
	case config.TypeSlack:
		return NewSlack(SlackOptions{
			Name: cfg.Name, Token: cfg.Token, Channel: cfg.Channel, APIURL: cfg.APIURL,
			Timeout: cfg.Timeout, Unfurl: cfg.Unfurl, Mention: cfg.Mention,
			Location: loc, Transport: opts.Transport,
		})
	case config.TypeSlackWebhook:
		return NewSlackWebhook(SlackWebhookOptions{
			Name: cfg.Name, URL: cfg.URL, Timeout: cfg.Timeout, Unfurl: cfg.Unfurl,
			Mention: cfg.Mention, Location: loc, Transport: opts.Transport,
		})
	case config.TypeWebhook:
		return NewWebhook(WebhookOptions{
			Name: cfg.Name, URL: cfg.URL, Secret: cfg.Secret, Timeout: cfg.Timeout,
			Transport: opts.Transport,
		})
	case config.TypeConsole:
		return NewConsole(ConsoleOptions{Name: cfg.Name, Out: opts.Stdout, Location: loc}), nil
	}
	return nil, fmt.Errorf("notify: notifier %q: unknown type %q", cfg.Name, cfg.Type)
}

// NewDispatcher returns a Dispatcher for cfg: one notifier per configured
// notifier, each destination limited to its notifier's rate and burst,
// follow-ups threaded for Slack bots whose story_updates is "thread", and
// cfg.Notify's max age, fold threshold and retry cap. The caller sets Rules
// (for digests) and may set Log and OnOutcome before Run or Drain.
func NewDispatcher(cfg *config.Config, st Outbox, opts Options) (*Dispatcher, error) {
	d := &Dispatcher{
		Store:         st,
		Notifiers:     make([]Settings, 0, len(cfg.Notifiers)),
		MaxAge:        cfg.Notify.MaxAge,
		FoldThreshold: cfg.Notify.FoldThreshold,
		RetryMax:      cfg.Notify.RetryMax,
		Location:      opts.Location,
		Log:           slog.Default(),
	}
	for _, nc := range cfg.Notifiers {
		n, err := New(nc, opts)
		if err != nil {
			return nil, err
		}
		d.Notifiers = append(d.Notifiers, Settings{Notifier: n, Limit: Limit{Rate: nc.Rate, Burst: nc.Burst},
			StoryUpdates: followup.Mode(nc.StoryUpdates)})
	}
	return d, nil
}
