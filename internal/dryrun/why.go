package dryrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newswatch/newswatch/internal/canonical"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/internal/story"
)

// Reason is why a stored item is in its story, as a story index replayed
// from the store finds it.
type Reason struct {
	// Joined explains how the item stands with its own story, among the
	// items recorded before it; nil for the first item of its story.
	Joined *story.Explanation
	// Vetoed are the other stories the rare-word stage would have joined
	// it to, but for a disagreement of their event evidence.
	Vetoed []story.Vetoed
}

// errStop ends a walk of the store early.
var errStop = errors.New("dryrun: stop")

// Why replays the stored items through a story index with options o, in
// the order they were recorded, each seen with the items of the window
// before it as the daemon saw them, and returns for each item first seen
// at or after since why it is in its story. Items recorded before stories
// were kept are left out. It is what `backtest -json` says of each item;
// a story a user split is replayed as split.
func Why(ctx context.Context, st *store.Store, o story.Options, since time.Time) (map[int64]Reason, error) {
	x := story.NewIndex(o)
	feeds, err := feedURLs(ctx, st)
	if err != nil {
		return nil, err
	}
	out := map[int64]Reason{}
	started := map[int64]bool{}
	err = st.WindowItems(ctx, since.Add(-x.Window()), 0, func(it *model.Item) error {
		if it.StoryID == 0 {
			return ctx.Err()
		}
		sit := indexItem(it, feeds)
		if !it.SeenAt.Before(since) {
			var r Reason
			if started[it.StoryID] {
				ex := x.Explain(&sit, it.StoryID)
				r.Joined = &ex
			}
			for _, v := range x.Assign(&sit).Vetoed {
				if v.Story != it.StoryID {
					r.Vetoed = append(r.Vetoed, v)
				}
			}
			out[it.ID] = r
		}
		started[it.StoryID] = true
		x.Add(sit)
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Pair is what `newswatch stories explain` tells of two stored items: how
// the later one stands with the earlier one's story, among the items of
// the window recorded before it, and what the index decides for it.
type Pair struct {
	// First is the item recorded first, Second the other.
	First, Second *model.Item
	// Explanation is how Second stands with First's story.
	Explanation story.Explanation
	// Decision is the story the index finds for Second now.
	Decision story.Match
}

// ExplainPair replays the window before the later of a and b through a
// story index with options o and explains the later one against the
// earlier one's story.
func ExplainPair(ctx context.Context, st *store.Store, o story.Options, a, b *model.Item) (*Pair, error) {
	if b.ID < a.ID {
		a, b = b, a
	}
	x := story.NewIndex(o)
	feeds, err := feedURLs(ctx, st)
	if err != nil {
		return nil, err
	}
	err = st.WindowItems(ctx, b.SeenAt.Add(-x.Window()), 0, func(it *model.Item) error {
		if it.ID >= b.ID {
			return errStop
		}
		if it.StoryID != 0 {
			x.Add(indexItem(it, feeds))
		}
		return ctx.Err()
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	sb := indexItem(b, feeds)
	p := &Pair{First: a, Second: b}
	p.Explanation = x.Explain(&sb, a.StoryID)
	p.Decision = x.Assign(&sb)
	return p, nil
}

// indexItem is the story index's view of a stored item, as the daemon
// builds its index from the store, and, as the daemon assigns it, whether
// its link is on its feed's site (feeds are the feeds' URLs by ID).
func indexItem(it *model.Item, feeds map[int64]string) story.Item {
	return story.Item{
		ID: it.ID, Story: it.StoryID, Feed: it.FeedID, Canonical: it.Canonical,
		Published: it.Published, Seen: it.SeenAt, Features: story.Extract(it.Title, it.Summary),
		OwnsLink: canonical.SameSite(feeds[it.FeedID], it.Canonical),
	}
}

// feedURLs returns the configured URL of each feed of the store, by ID.
func feedURLs(ctx context.Context, st *store.Store) (map[int64]string, error) {
	feeds, err := st.Feeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("dryrun: feeds: %w", err)
	}
	urls := make(map[int64]string, len(feeds))
	for _, f := range feeds {
		urls[f.ID] = f.URL
	}
	return urls, nil
}
