package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// Poller polls one feed at a time: fetch, parse, record the new items,
// match them and queue their alerts (see Poll). It is safe for concurrent
// use on different feeds; the scheduler never polls one feed twice at once.
type Poller struct {
	// Store holds feed state, seen items and the outbox. Required.
	Store *store.Store
	// Fetcher fetches feeds (NewFetcher(FetcherOptions{}) when nil).
	Fetcher *Fetcher
	// Rules returns the rule set in force. It is called once per poll, so
	// a reload takes effect between polls, never within one. Nil, or a nil
	// set, records items without matching them.
	Rules func() *rules.Set
	// Routing decides where a matching rule's alerts go.
	Routing Routing
	// Backfill applies to a feed's first successful fetch: items published
	// longer ago than this, and undated items, are recorded as seen without
	// being matched. Zero alerts on nothing from a first fetch.
	Backfill time.Duration
	// Backoff spaces the attempts of a failing feed.
	Backoff Backoff
	// Replica names this process in the feed state it saves (PolledBy)
	// when several share the database; "" for one process.
	Replica string
	// Stories, when set, groups new items into stories across feeds, so
	// that a rule alerts once per story and later reports follow that
	// alert up (see Stories). Nil records items without stories: every
	// matching item alerts.
	Stories *Stories
	// Articles, when set, completes the items of feeds that fetch their
	// pages (model.Feed.Article): a poll records such an item
	// model.ArticlePending, matched on what the feed gave, and wakes
	// Articles once its transaction committed (see Articles). Nil fetches
	// no page: every item is recorded without one.
	Articles *Articles
	// MaxItems is the most items one poll considers, the newest ones
	// (DefaultMaxItems). It keeps one pathological document from holding
	// the store's only write connection for long.
	MaxItems int
	// Log receives a warning for every failed poll (nothing when nil).
	Log *slog.Logger
	// Now tells the time (time.Now).
	Now func() time.Time
	// Rand returns a random number in [0, 1) for backoff jitter
	// (math/rand/v2's Float64). It must be safe for concurrent use.
	Rand func() float64
	// AlertsQueued, when set, is called after a poll's transaction committed
	// with the number of alerts it queued (only when there were some), so
	// that the dispatcher can send them at once instead of at its next
	// outbox read. It must not block.
	AlertsQueued func(n int)
	// OnPoll, when set, is called at the end of every Poll with its result
	// and error, for metrics. It must not block.
	OnPoll func(PollResult, error)

	// wholeDocuments, when set, parses every changed document whole,
	// without the feed's item memo (see read): the other way, for tests
	// and benchmarks to compare with.
	wholeDocuments bool
	// beforeAlerts, when set, runs after a poll's new items are recorded and
	// before their alerts are queued; an error aborts the poll there. Tests
	// use it to crash a poll half-way.
	beforeAlerts func() error
}

// PollResult says what one poll did.
type PollResult struct {
	Feed string
	// Held reports that the feed was not fetched because it is backing
	// off until NextAttemptAt.
	Held bool
	// StatusCode is the HTTP status of the fetch, when one arrived.
	StatusCode int
	// NotModified reports a 304 (or an unchanged file): nothing was parsed.
	NotModified bool
	// Unchanged reports a 200 whose document is the one the feed's last
	// recorded poll read (a server that sends no validators, or ignores
	// them): it counts as a successful fetch, like a 304, and nothing was
	// parsed. StatusCode is the 200; NotModified is false.
	Unchanged bool
	// Items is the number of items in the document.
	Items int
	// Parsed is how many of Items were parsed: all of them, or only the
	// new and changed ones when the feed's item memo told the others (see
	// Poller.read).
	Parsed int
	// New is the number of items seen for the first time and recorded.
	New int
	// Backfilled is how many of New were recorded without matching, on the
	// feed's first successful fetch.
	Backfilled int
	// Alerts is the number of alerts queued, follow-ups included.
	Alerts int
	// Joined is how many of New joined a story that had items already.
	Joined int
	// Edited is the number of known items whose text changed.
	Edited int
	// ArticlesPending is how many of New were recorded with their page to
	// be fetched (see Articles).
	ArticlesPending int
	// NextAttemptAt is when a failing or held feed may be fetched again:
	// the end of its backoff. The scheduler fetches it at the first time
	// of its schedule from then on (see NextPoll).
	NextAttemptAt time.Time
	// LastError is, for a held feed, the error of its last attempt.
	LastError string
	// FetchDuration is how long the fetch took, body included.
	FetchDuration time.Duration
	// Matches counts, by rule name, the new items each rule matched.
	Matches map[string]int
}

// Poll polls feed f once, unless it is backing off (then it returns a
// result with Held set and no error). It:
//
//  1. reads the feed's state and fetches its current URL conditionally;
//  2. on 304, saves the state: nothing is parsed;
//  3. on a 200 that brings the same document as the last recorded poll
//     (see documentHash), saves the state as for a 304: nothing is parsed;
//  4. parses the document, or only its new and changed items when the
//     feed's item memo tells the others (see Poller.read), and finds the
//     items it has not seen;
//  5. in one store transaction records them, oldest first; matches each
//     against the current rules (unless the feed's first fetch backfills
//     it) and queues one alert per match and destination; and saves the
//     feed's new state (validators, a permanent redirect, success, the
//     document's hash, the item memo).
//
// A failed fetch or parse records the error, counts the failure and holds
// the feed back (Backoff; a longer Retry-After wins), and returns the
// error: a *FetchError naming the feed and URL. A poll that fails or is
// cancelled half-way commits nothing, so the next poll sees the same items
// as new again.
//
// A state saved by another poll (another process) while this one ran is
// not overwritten: a poll that found nothing new leaves it (its own state
// is dropped, and the next poll fetches the feed again), and one with
// items to record, which decided what to record from the state it read,
// records nothing and starts again, once, from the state as it is now.
func (p *Poller) Poll(ctx context.Context, f model.Feed) (PollResult, error) {
	return p.pollWith(ctx, f, nil, nil)
}

// pollWith is Poll from st, the feed's state read before with others of
// its round (nil: read it now), and with rs (when not nil) the state of a
// poll that finds nothing new is saved with the round's others (see
// roundStates) instead of in a transaction of its own.
func (p *Poller) pollWith(ctx context.Context, f model.Feed, st *store.FeedState, rs *roundStates) (PollResult, error) {
	res, err := p.poll(ctx, f, st, rs)
	if errors.Is(err, store.ErrStateChanged) && ctx.Err() == nil {
		// Another poll saved the feed's state since this one read it:
		// what this one decided from it (a first fetch's backfill, the
		// identity mode) may not hold, and it recorded nothing.
		p.logger().Debug("feed state changed by another poll while this one ran; polling again from it", "feed", f.Name)
		res, err = p.poll(ctx, f, nil, rs)
	}
	if p.OnPoll != nil {
		p.OnPoll(res, err)
	}
	return res, err
}

func (p *Poller) poll(ctx context.Context, f model.Feed, st *store.FeedState, rs *roundStates) (PollResult, error) {
	res := PollResult{Feed: f.Name}
	if st == nil || st.URL != f.URL {
		// Not read with the round's, or read before the feed moved: as
		// the store has it now.
		var err error
		if st, err = p.Store.Feed(ctx, f.Name); err != nil {
			return res, &pollError{f.Name, err}
		}
	}
	if st.URL != f.URL {
		return res, &pollError{f.Name, fmt.Errorf("configured URL %s is not the stored %s (store.SyncFeeds first)", redact.URL(f.URL), redact.URL(st.URL))}
	}
	st.PolledBy = p.Replica
	now := p.now()
	if st.NextAttemptAt.After(now) {
		res.Held, res.NextAttemptAt, res.LastError = true, st.NextAttemptAt, st.LastError
		return res, nil
	}

	from := st.URL
	if st.CurrentURL != "" {
		from = st.CurrentURL
	}
	fetchStart := time.Now()
	fr, err := p.fetcher().fetchFeed(ctx, FetchRequest{Feed: f.Name, URL: from, ETag: st.ETag, LastModified: st.LastModified,
		SizeHint: st.BodySize})
	res.FetchDuration = time.Since(fetchStart)
	st.LastFetchAt = now
	if err != nil {
		return res, p.fail(ctx, f, from, st, &res, err)
	}
	// Everything the poll keeps is copied out of the body by then: see
	// FetchResult.release.
	defer fr.release()
	res.StatusCode = fr.StatusCode
	if fr.PermanentURL != "" && fr.PermanentURL != from {
		p.logger().Info("feed moved permanently", "feed", f.Name, "url", redact.URL(from), "new_url", redact.URL(fr.PermanentURL))
		st.CurrentURL = fr.PermanentURL
		if st.CurrentURL == st.URL {
			st.CurrentURL = ""
		}
	}

	if fr.NotModified {
		// RFC 9110, section 15.4.5: a 304 may carry updated validators.
		res.NotModified = true
		if fr.ETag != "" {
			st.ETag = fr.ETag
		}
		if fr.LastModified != "" {
			st.LastModified = fr.LastModified
		}
		p.succeeded(st, fr.StatusCode, now)
		if err := p.saveFeed(ctx, st, rs); err != nil {
			return res, &pollError{f.Name, err}
		}
		return res, nil
	}

	// A document recorded in full before yields nothing new: no item, no
	// edit. Rules apply to new items only, so a rule reloaded since
	// changes nothing either. A compressed body is first compared
	// compressed: the compressed bytes of the last recorded document are
	// that document, and need not be decompressed to be told (a body that
	// big passed the size cap then; it must pass today's).
	last := parseBodySums(st.BodyHash)
	var sums bodySums
	if fr.compressed != nil {
		sums.compressed = compressedHash(fr, f, p.maxItems())
		if last.compressed != "" && sums.compressed == last.compressed && st.BodySize <= p.fetcher().opts.MaxBodyBytes {
			return res, p.unchanged(ctx, f, from, st, rs, fr, now, &res, last)
		}
		if err := fr.decodeBody(); err != nil {
			return res, p.fail(ctx, f, from, st, &res, err)
		}
	}
	sums.document = documentHash(fr, f, p.maxItems())
	if last.document != "" && sums.document == last.document {
		// The same document, compressed otherwise or not at all now.
		return res, p.unchanged(ctx, f, from, st, rs, fr, now, &res, sums)
	}

	memo, err := p.Store.ItemMemo(ctx, st.ID)
	if err != nil {
		return res, &pollError{f.Name, err}
	}
	if p.wholeDocuments {
		memo = nil
	}
	doc, err := p.read(f, st, fr, memo)
	if err != nil {
		// The validators are not kept: a fixed document must be fetched
		// and parsed, not answered with a 304.
		return res, p.fail(ctx, f, from, st, &res, err)
	}
	res.Items, res.Parsed = doc.items, doc.items-doc.skipped
	if limit := p.maxItems(); len(doc.entries) > limit {
		p.logger().Warn("feed has too many items; only the newest are read", "feed", f.Name, "url", redact.URL(from),
			"items", len(doc.entries), "max_items", limit)
		doc.entries = doc.entries[len(doc.entries)-limit:]
		if doc.at != nil {
			doc.at = doc.at[len(doc.at)-limit:]
		}
	}

	st.ETag, st.LastModified = fr.ETag, fr.LastModified
	// Saved with the items or not at all: a document is known once its
	// poll is recorded, never before.
	st.BodyHash, st.BodySize = sums.String(), int64(len(fr.Body))
	p.succeeded(st, fr.StatusCode, now)
	if err := p.record(ctx, f, st, rs, doc, now, &res); err != nil {
		return res, &pollError{f.Name, err}
	}
	if res.New > 0 {
		p.logger().Info("feed polled", "feed", f.Name, "items", res.Items, "new", res.New,
			"backfilled", res.Backfilled, "alerts", res.Alerts)
	}
	return res, nil
}

// unchanged saves the state of a poll whose 200 brought the document of
// the feed's last recorded poll, whose hashes are now sums.
func (p *Poller) unchanged(ctx context.Context, f model.Feed, from string, st *store.FeedState, rs *roundStates, fr *FetchResult, now time.Time, res *PollResult, sums bodySums) error {
	res.Unchanged = true
	st.ETag, st.LastModified = fr.ETag, fr.LastModified
	st.BodyHash = sums.String()
	p.succeeded(st, fr.StatusCode, now)
	if err := p.saveFeed(ctx, st, rs); err != nil {
		return &pollError{f.Name, err}
	}
	p.logger().Debug("feed unchanged; not parsed", "feed", f.Name, "url", redact.URL(from),
		"bytes", len(fr.Body), "compressed_bytes", len(fr.compressed))
	return nil
}

// record writes the new items of doc (each in its story), their alerts,
// the edits of known items, the feed state st and the document's item memo
// in one transaction. A poll with nothing to record but the state of a
// feed primed before, in the same identity mode, leaves it to rs when
// there is one.
func (p *Poller) record(ctx context.Context, f model.Feed, st *store.FeedState, rs *roundStates, doc *reading, now time.Time, res *PollResult) error {
	// Most polls find nothing new: learn that without the write connection.
	plan, err := p.plan(ctx, st, doc, now)
	if err != nil {
		return err
	}
	primed := !st.PrimedAt.IsZero()
	if !primed {
		st.PrimedAt = now
	}
	memo, memoChanged := doc.memo(plan)
	if len(plan.fresh) == 0 && len(plan.edits) == 0 {
		if !memoChanged {
			if !primed || plan.modeChanged {
				// Saved at once: losing it would take the next
				// poll for a first fetch, or undo the mode.
				rs = nil
			}
			return p.saveFeed(ctx, st, rs)
		}
		return p.saveState(ctx, st, memo)
	}

	var set *rules.Set
	if p.Rules != nil {
		set = p.Rules()
	}
	p.prepare(set, f, st, plan, primed, now)
	// The story index is brought up to date (built, on the first poll
	// after a start) before the write connection is taken: it reads
	// through the read pool, and the dispatcher's delivery records need
	// not wait for it. The session holds the index until the transaction
	// has ended, so polls take the index, then the writer, in that order.
	var ss *storySession
	if p.Stories != nil {
		if ss, err = p.Stories.begin(ctx, now); err != nil {
			return err
		}
		defer ss.end(false)
	}
	tx, err := p.Store.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The feed's state first: saved only if no poll saved it since it
	// was read (store.ErrStateChanged, and this poll starts again from
	// it). Every poll that records a feed's items or its item memo saves
	// its state in the same transaction, so once the save has passed,
	// no item of the feed was recorded, and its memo not changed, since
	// plan looked: what plan found new is new, and doc.stored is the
	// memo the store holds.
	if err := tx.SaveFeed(st); err != nil {
		return err
	}
	if ss != nil && p.Store.Engine() == store.Postgres {
		// Other replicas may have recorded items since begin: see
		// catchUp. (On SQLite this process is the one writer.)
		if err := ss.catchUp(ctx, now); err != nil {
			return err
		}
	}

	items, err := p.recordItems(tx, ss, plan, now, res)
	if err != nil {
		return err
	}
	if p.beforeAlerts != nil {
		if err := p.beforeAlerts(); err != nil {
			return err
		}
	}
	if err := p.queueAlerts(tx, f, items, now, res); err != nil {
		return err
	}
	if err := p.recordEdits(tx, set, f, plan, now, res); err != nil {
		return err
	}
	if memoChanged {
		if err := tx.SaveItemMemo(st.ID, memo); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		res.Alerts, res.Matches = 0, nil
		return err
	}
	ss.end(true)
	if res.Alerts > 0 && p.AlertsQueued != nil {
		p.AlertsQueued(res.Alerts)
	}
	if res.ArticlesPending > 0 {
		p.Articles.Wake()
	}
	return nil
}

// saveFeed saves st, the state of a poll that recorded nothing: with rs,
// together with the round's others (see roundStates), else at once. A
// state another poll saved since st was read is left as it is (see Poll).
func (p *Poller) saveFeed(ctx context.Context, st *store.FeedState, rs *roundStates) error {
	if rs != nil {
		rs.save(ctx, st)
		return nil
	}
	err := p.Store.SaveFeed(ctx, st)
	if errors.Is(err, store.ErrStateChanged) {
		p.logger().Debug("feed state not saved: another poll saved it since it was read", "feed", st.Name)
		return nil
	}
	return err
}

// saveState saves the feed state st and its item memo, of a poll with
// nothing else to record.
func (p *Poller) saveState(ctx context.Context, st *store.FeedState, memo []byte) error {
	tx, err := p.Store.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Saved only if no poll saved the feed since its state was read (see
	// record): the memo the store holds is then the one read.
	if err := tx.SaveFeed(st); err != nil {
		return err
	}
	if err := tx.SaveItemMemo(st.ID, memo); err != nil {
		return err
	}
	return tx.Commit()
}

// storeItem is entry e as a poll records it in feed feedID at now: a
// copy, so that e keeps the identity it was read with.
func storeItem(e model.Item, feedID int64, now time.Time) *model.Item {
	it := e
	it.FeedID, it.SeenAt = feedID, now
	return &it
}

// succeeded records a successful fetch in st.
func (p *Poller) succeeded(st *store.FeedState, status int, now time.Time) {
	st.LastSuccessAt = now
	st.LastStatus = status
	st.LastError = ""
	st.ConsecutiveFailures = 0
	st.NextAttemptAt = time.Time{}
}

// fail records a failed fetch or parse of url in st and saves it, and
// returns the poll's error. A cancelled poll records nothing: the daemon is
// stopping, and the feed did nothing wrong.
func (p *Poller) fail(ctx context.Context, f model.Feed, url string, st *store.FeedState, res *PollResult, err error) error {
	var fe *FetchError
	if ctx.Err() != nil || (errors.As(err, &fe) && fe.Kind == KindCanceled) {
		return err
	}
	st.ConsecutiveFailures++
	// It is shown beside the feed's name and URL (the status page, feeds
	// list, feed-health alerts, this log line), so it says only what went
	// wrong, any URL in it redacted.
	st.LastError = redact.Text(Cause(err), url, f.URL)
	st.LastStatus = res.StatusCode // a parse failure's 200, else none yet
	wait := p.Backoff.Delay(st.ConsecutiveFailures, p.rand())
	if fe != nil {
		if fe.StatusCode != 0 {
			st.LastStatus = fe.StatusCode
		}
		wait = max(wait, fe.RetryAfter)
	}
	st.NextAttemptAt = st.LastFetchAt.Add(wait)
	res.StatusCode = st.LastStatus
	res.NextAttemptAt = st.NextAttemptAt

	// next_attempt_at is when the feed's schedule fetches it again after
	// its backoff, the time the status page shows as its next poll.
	attrs := []any{"feed", f.Name, "url", redact.URL(url), "error", st.LastError,
		"failures", st.ConsecutiveFailures, "backoff", wait.Round(time.Second),
		"next_attempt_at", NextPoll(f.Schedule, st.LastFetchAt, st.NextAttemptAt, st.LastFetchAt)}
	if fe != nil {
		attrs = append(attrs, "kind", string(fe.Kind))
	}
	p.logger().Warn("feed poll failed", attrs...)
	if serr := p.saveFeed(ctx, st, nil); serr != nil {
		return errors.Join(err, &pollError{f.Name, fmt.Errorf("recording the failure: %w", serr)})
	}
	return err
}

// DefaultMaxItems is the default of Poller.MaxItems.
const DefaultMaxItems = 1000

func (p *Poller) maxItems() int {
	if p.MaxItems > 0 {
		return p.MaxItems
	}
	return DefaultMaxItems
}

func (p *Poller) fetcher() *Fetcher {
	if p.Fetcher != nil {
		return p.Fetcher
	}
	return defaultFetcher
}

var defaultFetcher = NewFetcher(FetcherOptions{})

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) rand() float64 {
	if p.Rand != nil {
		return p.Rand()
	}
	return rand.Float64()
}

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func (p *Poller) logger() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return discardLog
}
