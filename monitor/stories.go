package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	// Imported under another name: the tests of this package have a
	// helper called story.
	"github.com/newswatch/newswatch/internal/model"
	cluster "github.com/newswatch/newswatch/internal/story"

	"github.com/newswatch/newswatch/internal/canonical"
	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/store"
)

// Stories groups the items that polls record into stories (package story)
// and paces the follow-ups of a story's alerts. It keeps a story index of
// the items of the window in step with the store: the index is built from
// the store at the first poll, caught up at the start of every poll
// transaction with the items other processes recorded since, and changed
// only by a transaction that commits. It is safe for concurrent use;
// polls use it one transaction at a time.
type Stories struct {
	// Store is the store polls record items in; required.
	Store *store.Store
	// Options tune the index (window, threshold).
	Options cluster.Options
	// ReplyDelay is how long later reports of a story are collected
	// before a follow-up tells them; the next follow-up of the same alert
	// waits twice as long, up to six hours (see followup.Due). Zero sends
	// each at once.
	ReplyDelay time.Duration
	// Log receives a line when the index is built, and when story
	// features are extracted again and recorded; nil discards it.
	Log *slog.Logger

	// version is the version of story features the index reads, and
	// records when it extracts them: story.FeaturesVersion, unless a test
	// sets another.
	version int64

	mu       sync.Mutex
	index    *cluster.Index
	maxID    int64 // the highest item ID the index has taken in
	lastMove int64 // the last story move (store.SplitItem) it has applied
	edits    int64 // the store's count of edits when it was built (Store.StoryEdits)
	// builtFrom says what the index was last built from: "items" or
	// "snapshot".
	builtFrom string
	// stored says that the store holds a snapshot of this index (the one
	// it was read from, or the last it wrote), behind it by the items and
	// moves it took in since: what the next start catches up with.
	stored bool
	behind int
}

// begin starts the story work of a poll transaction: it locks the index
// until commit or rollback, builds it when needed (from the snapshot in
// the store when it is current, else from the items of the window), drops
// the items that left the window and takes in the items recorded since it
// last looked.
func (s *Stories) begin(ctx context.Context, now time.Time) (*storySession, error) {
	s.mu.Lock()
	build := s.index == nil
	window := s.Options.Window
	if window <= 0 {
		window = cluster.DefaultWindow
	}
	since := now.Add(-window)
	start := time.Now()
	from := "items"
	if build {
		if err := s.open(ctx, since); err != nil {
			s.index = nil
			s.mu.Unlock()
			return nil, fmt.Errorf("story index: %w", err)
		}
		if s.maxID > 0 {
			from = "snapshot"
		}
		s.builtFrom = from
	}
	s.index.Expire(since)
	if err := s.applyMoves(ctx, build && from == "items"); err != nil {
		s.index = nil
		s.mu.Unlock()
		return nil, fmt.Errorf("story index: %w", err)
	}
	if err := s.takeIn(ctx, since, true); err != nil {
		// Start again from the store at the next poll: what was taken
		// in is right, but what was not is unknown.
		s.index = nil
		s.mu.Unlock()
		return nil, fmt.Errorf("story index: %w", err)
	}
	if build && s.Log != nil {
		s.Log.Info("story index built", "items", s.index.Len(), "window", s.index.Window(), "from", from,
			"duration", time.Since(start).Round(time.Millisecond))
	}
	return &storySession{s: s}, nil
}

// open makes the index anew, for a window that begins at since: the one
// of the snapshot in the store when that is current (readSnapshot), with
// maxID and lastMove those it had taken in; else an empty one, with maxID
// 0, for takeIn to fill from the items. It notes the store's count of
// edits first (Store.StoryEdits), for the snapshot this index will write.
// Called with s.mu held.
func (s *Stories) open(ctx context.Context, since time.Time) error {
	edits, err := s.Store.StoryEdits(ctx)
	if err != nil {
		return err
	}
	s.edits, s.maxID, s.lastMove = edits, 0, 0
	s.stored, s.behind = false, 0
	x, h, reason := s.readSnapshot(ctx, since, edits)
	if x == nil {
		if reason != "" {
			s.logger().Info("story index snapshot not used", "reason", reason)
		}
		s.index = cluster.NewIndex(s.Options)
		return nil
	}
	s.index, s.maxID, s.lastMove = x, h.MaxItem, h.LastMove
	s.stored = true
	return nil
}

// readSnapshot returns the index of the store's snapshot, with the
// snapshot's description, when it says what the items of the store say:
// written with this version of the story features and these options, no
// item's text edited since the index it was taken of was built (edits),
// and, once the items seen before since are out of it, holding exactly
// the items of the window up to the last it took in that an index built
// from the store would take (Store.StoryWindowCount): none pruned since,
// none taken out by MaxItems that would be in. An index built from the
// items goes on from there the way the snapshot's does: so that the
// grouping is the same either way. Otherwise it returns nil and why
// ("" when there is no snapshot).
func (s *Stories) readSnapshot(ctx context.Context, since time.Time, edits int64) (*cluster.Index, store.StorySnapshot, string) {
	var (
		x *cluster.Index
		h store.StorySnapshot
	)
	err := s.Store.ReadStorySnapshot(ctx, func(got store.StorySnapshot, r io.Reader) error {
		h = got
		switch {
		case h.FeaturesVersion != s.featuresVersion():
			return staleSnapshot("story features of another version")
		case h.Edits != edits:
			return staleSnapshot("items edited since the index it was taken of was built")
		}
		var err error
		if m, ok := r.(*store.MappedSnapshot); ok {
			// Used in place, and released when the index is garbage.
			data, release := m.Take()
			x, err = cluster.DecodeSnapshot(data, release, s.Options)
		} else {
			x, err = cluster.ReadSnapshot(r, s.Options)
		}
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, h, ""
	case err != nil:
		return nil, h, err.Error()
	}
	x.ExpireAll(since)
	lo, hi, ok := x.IDRange()
	if !ok {
		lo, hi = h.MaxItem+1, h.MaxItem
	}
	if hi > h.MaxItem {
		return nil, h, "items past its last"
	}
	in, err := s.Store.StoryWindowCount(ctx, since, lo, h.MaxItem)
	if err != nil {
		return nil, h, err.Error()
	}
	before, err := s.Store.StoryWindowCount(ctx, since, 0, lo-1)
	if err != nil {
		return nil, h, err.Error()
	}
	switch n := x.Len(); {
	case in != n:
		return nil, h, fmt.Sprintf("%d of its %d items in the store", in, n)
	case before > 0 && n < x.MaxItems():
		return nil, h, fmt.Sprintf("%d items of the window before its first", before)
	}
	return x, h, ""
}

// staleSnapshot is why a snapshot is not used, though readable.
type staleSnapshot string

func (e staleSnapshot) Error() string { return string(e) }

// featuresVersion is the version of story features the index reads, and
// records when it extracts them.
func (s *Stories) featuresVersion() int64 {
	if s.version != 0 {
		return s.version
	}
	return cluster.FeaturesVersion()
}

// SaveSnapshot writes a snapshot of the index to the store, for the next
// process to start from (see readSnapshot), unless there is no index yet
// or an item's text was edited since it was built, which the index does
// not follow (the snapshot would not say what the items say: the next
// start reads the items, and the index it builds then can be written).
// It waits for the poll transaction using the index, if one is open.
func (s *Stories) SaveSnapshot(ctx context.Context) error {
	_, err := s.saveSnapshot(ctx, false)
	return err
}

// snapshotLag is how far behind the index the store's snapshot of it may
// be, as a fraction of the index's items, for SaveSnapshotIfBehind to
// leave it: a start from the snapshot takes in the items recorded since
// (about 25 µs an item, their features read and added), and writing the
// snapshot costs about 4 µs an item of the window (its encoding, SQLite's
// pages, and the pages' release when the store closes). Left while it is
// at most a sixteenth behind, a start pays at most about a third of a
// write for the catching up, and a cron job that records a few new items
// a run writes the snapshot every dozen runs, not every run.
const snapshotLag = 16

// SaveSnapshotIfBehind is SaveSnapshot, save that it writes nothing while
// the store holds a snapshot of this index (the one it was read from, or
// the last it wrote) that is at most a sixteenth of the index's items
// (snapshotLag) behind it: the next start reads that snapshot and takes
// in the items and moves recorded since, and builds the same index
// (readSnapshot). It reports whether it wrote one.
func (s *Stories) SaveSnapshotIfBehind(ctx context.Context) (bool, error) {
	return s.saveSnapshot(ctx, true)
}

func (s *Stories) saveSnapshot(ctx context.Context, lazily bool) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index == nil {
		return false, nil
	}
	edits, err := s.Store.StoryEdits(ctx)
	if err != nil {
		return false, fmt.Errorf("story index snapshot: %w", err)
	}
	if edits != s.edits {
		s.logger().Info("story index snapshot not written: items edited since the index was built")
		return false, nil
	}
	if lazily && s.stored && s.behind*snapshotLag <= s.index.Len() {
		s.logger().Debug("story index snapshot not written: the stored one is close behind", "behind", s.behind,
			"items", s.index.Len())
		return false, nil
	}
	start := time.Now()
	h := store.StorySnapshot{MaxItem: s.maxID, LastMove: s.lastMove, FeaturesVersion: s.featuresVersion(),
		Edits: s.edits, Items: s.index.Len(), WrittenAt: time.Now()}
	if err := s.Store.SaveStorySnapshot(ctx, h, s.index.WriteSnapshot); err != nil {
		return false, fmt.Errorf("story index snapshot: %w", err)
	}
	s.stored, s.behind = true, 0
	s.logger().Info("story index snapshot written", "items", h.Items,
		"duration", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// saveBatch is how many items' features takeIn extracts before it records
// them (Store.SaveFeatures).
const saveBatch = 1000

// takeIn adds to the index the items of the window recorded since it last
// looked (every one when it is being built), by the story features
// recorded with them (Store.StoryWindow): a start does not analyse their
// text again. The features of an item recorded without them (before they
// were kept, or edited since) or with features of another version
// (story.FeaturesVersion) are extracted from its text, as when it was
// recorded, and, when save is true, recorded for the next start; a failure
// to record them is only logged, the index being right either way. save
// must be false when the caller holds the store's write transaction.
// Called with s.mu held.
func (s *Stories) takeIn(ctx context.Context, since time.Time, save bool) error {
	version := s.featuresVersion()
	var (
		dec     cluster.FeaturesDecoder
		pending []store.ItemFeatures
		saved   int
	)
	flush := func() {
		if err := s.Store.SaveFeatures(ctx, pending); err != nil {
			s.logger().Warn("story features not recorded", "items", len(pending), "err", err)
		} else {
			saved += len(pending)
		}
		clear(pending)
		pending = pending[:0]
	}
	err := s.Store.StoryWindow(ctx, since, s.maxID, version, func(it *model.Item) error {
		s.maxID = max(s.maxID, it.ID)
		if it.StoryID == 0 { // items recorded before stories existed cannot be joined
			return nil
		}
		if it.Features != nil {
			f, err := dec.Decode(it.Features)
			if err == nil {
				s.index.Add(indexItem(it, *f))
				s.behind++
				return nil
			}
			// Damaged: extract them again, from the item's text.
			s.logger().Warn("story features unreadable", "item", it.ID, "err", err)
			full, err := s.Store.Item(ctx, it.ID)
			if err != nil {
				return err
			}
			it.Title, it.Summary, it.TextHash = full.Title, full.Summary, full.TextHash
		}
		f := cluster.Extract(it.Title, it.Summary)
		s.index.Add(indexItem(it, f))
		s.behind++
		if save {
			pending = append(pending, store.ItemFeatures{ID: it.ID, TextHash: it.TextHash,
				Features: cluster.AppendFeatures(nil, &f), Version: version})
			if len(pending) == saveBatch {
				flush()
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		flush()
	}
	if saved > 0 {
		s.logger().Info("story features recorded", "items", saved, "version", version)
	}
	return nil
}

// logger is s.Log, or a logger that discards.
func (s *Stories) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// catchUp takes into the index what other replicas recorded between begin
// and the start of the poll's transaction, and the moves made meanwhile.
// On PostgreSQL the transaction holds the turn to write of every replica
// sharing the database (see store.Begin), so that after catchUp the index
// holds every item any of them committed, and no other replica decides
// about a story until the transaction ends: two replicas that poll two
// reports of one event at once give one story, not two. On an error the
// index is dropped, to be built again at the next poll.
func (ss *storySession) catchUp(ctx context.Context, now time.Time) error {
	s := ss.s
	err := s.applyMoves(ctx, false)
	if err == nil {
		err = s.takeIn(ctx, now.Add(-s.index.Window()), false)
	}
	if err != nil {
		s.index = nil
		return fmt.Errorf("story index: %w", err)
	}
	return nil
}

// applyMoves moves in the index the items users took out of their stories
// since it last looked (`newswatch stories split`). An index being built
// takes the items' stories from the store: it only notes the last move.
func (s *Stories) applyMoves(ctx context.Context, build bool) error {
	if build {
		last, err := s.Store.LastStoryMove(ctx)
		s.lastMove = last
		return err
	}
	moves, err := s.Store.StoryMoves(ctx, s.lastMove)
	if err != nil {
		return err
	}
	for _, mv := range moves {
		s.index.Move(mv.Item, mv.To)
		s.lastMove = mv.ID
		s.behind++
	}
	return nil
}

// indexItem is the story index's view of a stored item.
func indexItem(it *model.Item, f cluster.Features) cluster.Item {
	return cluster.Item{
		ID: it.ID, Story: it.StoryID, Feed: it.FeedID, Canonical: it.Canonical,
		Published: it.Published, Seen: it.SeenAt, Features: f,
	}
}

// storySession is the story work of one poll transaction. The items it
// adds are in the index at once, so that the next item of the poll can
// join their stories, and are taken out again if the transaction does not
// commit.
type storySession struct {
	s     *Stories
	added []int64
	done  bool
}

// assign finds the story of it, whose features are f; owns says that its
// link is on its feed's site (ownsLink).
func (ss *storySession) assign(it *model.Item, f cluster.Features, owns bool) cluster.Match {
	x := indexItem(it, f)
	x.OwnsLink = owns
	return ss.s.index.Assign(&x)
}

// ownsLink reports whether the canonical link of it, a new item of a feed
// whose site (canonical.Site of its URL) is feedSite, is on that site: the
// item is the outlet's own report of that article, which the story index
// does not let another feed's item under the same link take into its story
// unless their texts agree (story.Item.OwnsLink). A feed served from
// another domain than its articles (a feed service, a CDN) owns no link:
// its items join by link as any other feed's do. The caller finds the
// feed's site once for all its items.
func ownsLink(feedSite string, it *model.Item) bool {
	return feedSite != "" && canonical.Site(it.Canonical) == feedSite
}

// add puts the recorded item it (its ID and story set) in the index.
func (ss *storySession) add(it *model.Item, f cluster.Features) {
	ss.s.index.Add(indexItem(it, f))
	ss.added = append(ss.added, it.ID)
}

// end ends the session after the transaction committed (true) or not. It
// may be called more than once; only the first call counts.
func (ss *storySession) end(committed bool) {
	if ss == nil || ss.done {
		return
	}
	ss.done = true
	for _, id := range ss.added {
		if committed {
			ss.s.maxID = max(ss.s.maxID, id)
			ss.s.behind++
		} else {
			ss.s.index.Remove(id)
		}
	}
	ss.s.mu.Unlock()
}

// followUpDue returns when a follow-up of the alert parent, queued at
// now, is due, as followup.Due paces it with the alert's history.
func (s *Stories) followUpDue(tx *store.Tx, parent int64, now time.Time) (time.Time, error) {
	if s.ReplyDelay <= 0 {
		return now, nil // each at once: no history to read
	}
	fu, err := tx.FollowUps(parent)
	if err != nil {
		return time.Time{}, err
	}
	return followup.Due(s.ReplyDelay, followup.History{NextDue: fu.NextDue, Sent: fu.Sent}, now), nil
}
