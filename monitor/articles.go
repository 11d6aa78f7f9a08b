package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/article"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/store"
	cluster "github.com/newswatch/newswatch/internal/story"
	"github.com/newswatch/newswatch/rules"
)

// Fetching an item's page is the second stage of recording it, never part
// of the poll that found it:
//
//  1. The poll's transaction records the item as it always does (matched
//     on what the feed gave, its alerts queued, in its story) and marks it
//     model.ArticlePending when its feed fetches articles (Poller.wantsArticle).
//     An alert the feed's text causes is never later for the article.
//  2. After that transaction committed, Articles fetches the page outside
//     any transaction (through the feeds' Fetcher and host limits),
//     extracts its main text (package article), and in a second, short
//     transaction completes the item: its text (or the failure), the record
//     that the link's page was fetched, and the alerts of the rules the
//     article makes match that had not alerted the item already.
//
// A crash between the two leaves the item pending in the store, and
// Articles completes it after the restart: nothing is lost, and a page is
// at most fetched again. A page is fetched once per canonical link: an item
// whose link was fetched for another item (of any feed) takes that text,
// and items with the same link are never fetched at once. An item whose
// page cannot be had (an error, a timeout, a paywall stub, a page that is
// all script) is completed as model.ArticleFailed: it keeps what its feed
// gave, and OnArticle counts the failure for its feed.

// Defaults of Articles.
const (
	DefaultArticleWorkers = 4
	DefaultArticleRescan  = time.Minute
	// articleBatch is how many pending items one read of the store takes.
	articleBatch = 256
)

// Outcomes of ArticleResult.
const (
	ArticleOutcomeFetched = "fetched" // the page was fetched and had an article
	ArticleOutcomeReused  = "reused"  // another item's fetch of the same link had it
	ArticleOutcomeFailed  = "failed"  // no article: Reason says why
)

// ArticleResult says how the page of one item went, for metrics.
type ArticleResult struct {
	// Feed is the item's feed.
	Feed string
	// Outcome is ArticleOutcomeFetched, …Reused or …Failed.
	Outcome string
	// Reason is, for a failure, a fetch error's kind (timeout,
	// http_status, not_html, …), "no_text" or "paywall".
	Reason string
	// Alerts is the number of alerts the article caused.
	Alerts int
	// Fetch is how long fetching and extracting took (zero when reused).
	Fetch time.Duration
	// Delay is how long after the item was recorded it was completed: what
	// the article added to the time to an alert it caused.
	Delay time.Duration
}

// Articles completes the items that polls recorded pending: see above. It
// is safe for concurrent use; Run and Drain must not run at once.
type Articles struct {
	// Poller is the poller whose items these are: its Store, Fetcher,
	// Rules, Routing, Stories and AlertsQueued serve the second stage as
	// they serve the poll. Required.
	Poller *Poller
	// Feeds are the configured feeds at start; SetFeeds replaces them. An
	// item of a feed no longer configured is matched as an item of a feed
	// with only its name.
	Feeds []model.Feed
	// Workers is how many pages are fetched at once
	// (DefaultArticleWorkers); the Fetcher's per-host limit applies too.
	Workers int
	// Rescan is how often Run reads the store for pending items without
	// being woken (DefaultArticleRescan).
	Rescan time.Duration
	// Extract tunes the extraction (package article's defaults).
	Extract article.Options
	// Log receives a line per failed page at debug level, and store
	// errors (nothing when nil).
	Log *slog.Logger
	// OnArticle, when set, is called for every completed item. It must
	// not block.
	OnArticle func(ArticleResult)

	once  sync.Once
	wake  chan struct{}
	mu    sync.Mutex
	feeds map[string]model.Feed // by name; guarded by mu
}

func (a *Articles) init() {
	a.once.Do(func() {
		a.wake = make(chan struct{}, 1)
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.feeds == nil {
			a.feeds = feedsByName(a.Feeds)
		}
	})
}

// SetFeeds replaces the configured feeds, when the configuration is
// reloaded: the items completed from now on are matched as items of these.
func (a *Articles) SetFeeds(feeds []model.Feed) {
	a.init()
	byName := feedsByName(feeds)
	a.mu.Lock()
	a.feeds = byName
	a.mu.Unlock()
}

// feed returns the configured feed named name, or a feed with only that
// name when it is no longer configured.
func (a *Articles) feed(name string) model.Feed {
	a.mu.Lock()
	defer a.mu.Unlock()
	if f, ok := a.feeds[name]; ok {
		return f
	}
	return model.Feed{Name: name}
}

func feedsByName(feeds []model.Feed) map[string]model.Feed {
	m := make(map[string]model.Feed, len(feeds))
	for _, f := range feeds {
		m[f.Name] = f
	}
	return m
}

// Wake tells Run that items were recorded pending. It never blocks.
func (a *Articles) Wake() {
	a.init()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run completes pending items, those found at start (left by a crash or a
// stop) and those polls record, until ctx is done. It returns nil then.
// An item being completed when ctx ends stays pending for the next start.
func (a *Articles) Run(ctx context.Context) error { return a.run(ctx, false) }

// Drain completes every pending item and returns, for `newswatch once`;
// it returns ctx's error when ctx ends first.
func (a *Articles) Drain(ctx context.Context) error { return a.run(ctx, true) }

func (a *Articles) run(ctx context.Context, drain bool) error {
	if a.Poller == nil || a.Poller.Store == nil {
		return errors.New("monitor: Articles without a Poller and its Store")
	}
	a.init()
	workers := a.Workers
	if workers <= 0 {
		workers = DefaultArticleWorkers
	}
	rescan := a.Rescan
	if rescan <= 0 {
		rescan = DefaultArticleRescan
	}
	ticker := time.NewTicker(rescan)
	defer ticker.Stop()

	type outcome struct {
		it        *model.Item
		completed bool
	}
	jobs := make(chan *model.Item)
	done := make(chan outcome)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for it := range jobs {
				done <- outcome{it, a.complete(ctx, it)}
			}
		})
	}
	defer func() {
		close(jobs)
		// Let the workers hand their last item back while they stop.
		go func() {
			for range done {
			}
		}()
		wg.Wait()
		close(done)
	}()

	var (
		queue []*model.Item
		known = map[int64]bool{}  // queued or in flight
		links = map[string]bool{} // canonical links in flight
		// held are items a store error left pending: tried again at the
		// next tick, not at once.
		held = map[int64]bool{}
		busy int
		scan = true
	)
	for {
		if scan {
			scan = false
			items, err := a.Poller.Store.PendingArticles(ctx, 0, articleBatch)
			switch {
			case err != nil && ctx.Err() != nil:
				if drain {
					return ctx.Err()
				}
				return nil
			case err != nil && drain:
				return fmt.Errorf("monitor: articles: %w", err)
			case err != nil && a.Poller.Store.NoteCorrupt(err):
				a.logger().Debug("articles: reading the pending items: the database is corrupt", "error", err)
			case err != nil:
				a.logger().Error("articles: reading the pending items", "error", err)
			}
			fresh := 0
			for _, it := range items {
				if !known[it.ID] && !held[it.ID] {
					known[it.ID] = true
					queue = append(queue, it)
					fresh++
				}
			}
			if drain && fresh == 0 && len(queue) == 0 && busy == 0 {
				if len(held) > 0 {
					return fmt.Errorf("monitor: articles: %d items could not be completed; they stay pending", len(held))
				}
				return nil
			}
		}
		var (
			send chan<- *model.Item
			job  *model.Item
			next = -1
		)
		for i, it := range queue {
			if it.Canonical == "" || !links[it.Canonical] {
				next, send, job = i, jobs, it
				break
			}
		}
		select {
		case <-ctx.Done():
			if drain {
				return ctx.Err()
			}
			return nil
		case send <- job:
			queue = append(queue[:next], queue[next+1:]...)
			if job.Canonical != "" {
				links[job.Canonical] = true
			}
			busy++
		case o := <-done:
			delete(known, o.it.ID)
			delete(links, o.it.Canonical)
			if !o.completed && ctx.Err() == nil {
				held[o.it.ID] = true
			}
			busy--
			// The batch is done: look for more (a long backlog).
			scan = len(queue) == 0 && busy == 0
		case <-a.wake:
			scan = true
		case <-ticker.C:
			clear(held)
			scan = true
		}
	}
}

// complete fetches the page of the pending item it (or takes the text of
// an earlier fetch of its link) and completes it in its own transaction.
// It reports false when a store error left it pending, for a later try.
func (a *Articles) complete(ctx context.Context, it *model.Item) bool {
	p := a.Poller
	f := a.feed(it.Feed)
	res := ArticleResult{Feed: f.Name}
	state, text := model.ArticleFailed, ""
	fetch := true
	if it.Canonical != "" {
		prev, err := p.Store.ArticleFetchOf(ctx, it.Canonical)
		if err != nil {
			a.storeFailed(ctx, it, err)
			return false
		}
		if prev != nil {
			fetch = false
			state, text, res.Reason, res.Outcome = prev.State, prev.Text, prev.Reason, ArticleOutcomeReused
		}
	}
	if fetch {
		start := time.Now()
		state, text, res.Reason = a.fetch(ctx, f, it)
		res.Fetch = time.Since(start)
		if ctx.Err() != nil {
			return true // stopping: the item stays pending for the next start
		}
		res.Outcome = ArticleOutcomeFetched
	}
	if state == model.ArticleFailed {
		res.Outcome = ArticleOutcomeFailed
	}

	now := p.now()
	alerts, err := a.record(ctx, f, it, state, text, res.Reason, fetch, now)
	if err != nil {
		a.storeFailed(ctx, it, err)
		return false
	}
	res.Alerts = alerts
	res.Delay = now.Sub(it.SeenAt)
	if alerts > 0 && p.AlertsQueued != nil {
		p.AlertsQueued(alerts)
	}
	if a.OnArticle != nil {
		a.OnArticle(res)
	}
	return true
}

// fetch fetches and extracts the page of it, an item of f: the text and
// ArticleFetched, or ArticleFailed and why.
func (a *Articles) fetch(ctx context.Context, f model.Feed, it *model.Item) (model.ArticleState, string, string) {
	lang := it.Lang
	if lang == "" {
		lang = f.Lang
	}
	page, err := a.Poller.fetcher().FetchPage(ctx, PageRequest{Feed: f.Name, URL: it.Link, Lang: lang})
	if err != nil {
		reason := string(KindNetwork)
		var fe *FetchError
		if errors.As(err, &fe) {
			reason = string(fe.Kind)
		}
		if ctx.Err() == nil {
			a.logger().Debug("article not fetched", "feed", f.Name, "url", redact.URL(it.Link), "reason", reason, "error", err)
		}
		return model.ArticleFailed, "", reason
	}
	art, err := article.Extract(page.HTML, page.URL, a.Extract)
	if err != nil {
		reason := "no_text"
		if errors.Is(err, article.ErrPaywall) {
			reason = "paywall"
		}
		a.logger().Debug("page has no article", "feed", f.Name, "url", redact.URL(it.Link), "reason", reason, "error", err)
		return model.ArticleFailed, "", reason
	}
	return model.ArticleFetched, art.Text, ""
}

// record completes it in one transaction: its article state and text, the
// record of its link's fetch (when this item fetched it), and, with a
// text, the alerts of the rules that match it now and had not alerted it.
// It returns the number of alerts queued.
func (a *Articles) record(ctx context.Context, f model.Feed, it *model.Item, state model.ArticleState, text, reason string, fetched bool, now time.Time) (int, error) {
	p := a.Poller
	var (
		set     *rules.Set
		matches []rules.Match
	)
	if p.Rules != nil {
		set = p.Rules()
	}
	if state == model.ArticleFetched && set != nil {
		it.Article, it.ArticleState = text, state
		matches = set.Match(it, &f) // before the write connection is taken
	}
	tx, err := p.Store.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	pending, err := tx.CompleteArticle(it.ID, state, text)
	if err != nil || !pending {
		return 0, err // another process completed it, or it was pruned
	}
	if fetched && it.Canonical != "" {
		if err := tx.RecordArticleFetch(store.ArticleFetch{Canonical: it.Canonical, ItemID: it.ID,
			State: state, Reason: reason, FetchedAt: now}); err != nil {
			return 0, err
		}
	}
	var res PollResult
	if len(matches) > 0 {
		alerted, err := tx.ItemRules(it.ID)
		if err != nil {
			return 0, err
		}
		fresh := matches[:0]
		for _, m := range matches {
			if !alerted[m.Rule.Name] {
				fresh = append(fresh, m)
			}
		}
		// The story match is not kept from the poll: the item is not the
		// same article again from its feed (a live blog's next entry
		// under one link), which would skip its follow-up; its follow-up
		// is sent.
		r := recorded{item: it, match: cluster.Match{Story: it.StoryID}, matches: fresh,
			summary: alertSummary(it, analysis.StripHTML(it.Summary))}
		if err := p.queueAlerts(tx, f, []recorded{r}, now, &res); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return res.Alerts, nil
}

// storeFailed logs a store error that left it pending.
func (a *Articles) storeFailed(ctx context.Context, it *model.Item, err error) {
	if ctx.Err() == nil {
		a.logger().Error("articles: completing an item failed; it stays pending", "item_id", it.ID, "feed", it.Feed, "error", err)
	}
}

func (a *Articles) logger() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return discardLog
}
