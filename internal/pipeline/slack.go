package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/silence"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/slack"
	"github.com/newswatch/newswatch/rules"
)

// listeners returns a Socket Mode listener for every Slack bot notifier
// with an app_token: the daemon runs them beside the dispatcher, and they
// answer the buttons of its alerts and `/newswatch test`.
func (p *Pipeline) listeners() ([]*slack.Listener, error) {
	var out []*slack.Listener
	for _, nc := range p.cfg.Notifiers {
		if nc.AppToken == "" {
			continue
		}
		var bot *slack.Bot
		for _, s := range p.Dispatcher.Notifiers {
			if b, ok := s.Notifier.(*slack.Bot); ok && b.Name() == nc.Name {
				bot = b
			}
		}
		if bot == nil {
			return nil, fmt.Errorf("notifier %q: app_token on a notifier that is not a Slack bot", nc.Name)
		}
		l, err := slack.NewListener(slack.ListenerOptions{
			Bot: bot, AppToken: nc.AppToken,
			Recorder: recorder{Store: p.Store, book: p.Silences},
			Search:   p.search,
			Log:      p.log,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// recorder is the store, with silences added through the book so that
// they are logged and hold for the dispatcher at once.
type recorder struct {
	*store.Store
	book *silence.Book
}

func (r recorder) AddSilence(ctx context.Context, s *store.Silence) error { return r.book.Add(ctx, s) }

// Bounds of a search from Slack (`/newswatch test`), so that it cannot
// weigh on the daemon: as the status page's search.
const (
	searchTimeout  = 10 * time.Second
	searchMaxItems = 200_000
	maxQueryBytes  = 2000
)

// errSearchDone stops the walk over stored items.
var errSearchDone = errors.New("enough")

// search runs query, in the rule language, over the items first seen
// since, newest first, with dryrun.MatchStored (each item as the daemon
// matched it), counting every match and keeping the first keep.
func (p *Pipeline) search(ctx context.Context, query string, since time.Time, keep int) (*slack.SearchResult, error) {
	if len(query) > maxQueryBytes || !utf8.ValidString(query) {
		return nil, errors.New("the query is too long or not valid UTF-8")
	}
	q, err := rules.ParseQuery(query)
	if err != nil {
		var se *rules.SyntaxError
		if errors.As(err, &se) {
			col := utf8.RuneCountInString(query[:min(max(se.Offset, 0), len(query))]) + 1
			return nil, fmt.Errorf("column %d: %s", col, se.Msg)
		}
		return nil, err
	}
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "search", Query: query, Enabled: true}, Query: q}})
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	res := &slack.SearchResult{}
	err = dryrun.MatchStored(ctx, p.Store, set, p.Scheduler.Feeds, since, func(it *model.Item, ms []rules.Match) error {
		if res.Scanned == searchMaxItems {
			res.Cut = "read the newest " + strconv.Itoa(searchMaxItems) + " items only"
			return errSearchDone
		}
		res.Scanned++
		if len(ms) == 0 {
			return nil
		}
		res.Matches++
		if len(res.Items) < keep {
			when := it.Published
			if when.IsZero() {
				when = it.SeenAt
			}
			res.Items = append(res.Items, slack.SearchItem{Title: it.Title, Link: it.Link, Feed: it.Feed,
				When: when, Matched: notify.MatchedTerms(ms[0].Hits, 200)})
		}
		return nil
	})
	switch {
	case errors.Is(err, errSearchDone):
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Cut = "stopped after " + searchTimeout.String()
	case err != nil:
		return nil, err
	}
	return res, nil
}
