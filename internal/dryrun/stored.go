// Package dryrun runs rules the way the daemon does while storing and
// sending nothing: over the items kept in the database (`newswatch
// backtest`, the status page's search) and over items read from a feed
// file, a URL or JSON Lines (`newswatch rules test`). It is how a rule is
// tried before it is saved.
package dryrun

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// MatchStored calls fn for every item first seen at or after since, newest
// first, with the rules of set that match it, each item as the daemon
// matched it (with its feed's configured URL, tags and language; a feed no
// longer configured has only its name). It stops at
// the first error of fn or of ctx and returns it.
func MatchStored(ctx context.Context, st *store.Store, set *rules.Set, feeds []model.Feed, since time.Time, fn func(*model.Item, []rules.Match) error) error {
	byName := make(map[string]model.Feed, len(feeds))
	for _, f := range feeds {
		byName[f.Name] = f
	}
	return st.EachItem(ctx, since, func(it *model.Item) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, ok := byName[it.Feed]
		if !ok {
			f = model.Feed{Name: it.Feed}
		}
		return fn(it, set.Match(it, &f))
	})
}

// Group is what one rule would have alerted of one story.
type Group struct {
	Rule string
	// Story identifies the story: its ID in the store, or "item-N" for an
	// item stored before stories were kept.
	Story string
	// Items are the story's items that the rule matches, first seen
	// first.
	Items []*model.Item

	order int64     // orders stories of one time: the story ID (0 for an item's own)
	first time.Time // when the story's first stored item was seen
}

// Report is what a backtest found.
type Report struct {
	// Groups are the matches by rule and story: the newest story first
	// (by its first item seen since), then by rule name.
	Groups []Group
	// Matches counts the items matched, once per rule.
	Matches int
	// Items counts the items read.
	Items int
}

// Backtest matches the items first seen at or after since against set
// (see MatchStored) and groups the matches by rule and story, as the
// daemon would have alerted them.
func Backtest(ctx context.Context, st *store.Store, set *rules.Set, feeds []model.Feed, since time.Time) (*Report, error) {
	type key struct{ rule, story string }
	groups := map[key]*Group{}
	firstSeen := map[string]time.Time{}
	res := &Report{}
	err := MatchStored(ctx, st, set, feeds, since, func(it *model.Item, ms []rules.Match) error {
		res.Items++
		story := storyKey(it)
		if t, ok := firstSeen[story]; !ok || it.SeenAt.Before(t) {
			firstSeen[story] = it.SeenAt
		}
		for _, m := range ms {
			k := key{m.Rule.Name, story}
			g := groups[k]
			if g == nil {
				g = &Group{Rule: m.Rule.Name, Story: story, order: it.StoryID}
				groups[k] = g
			}
			g.Items = append(g.Items, it)
			res.Matches++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		g.first = firstSeen[g.Story]
		slices.SortFunc(g.Items, func(a, b *model.Item) int {
			return cmp.Or(a.SeenAt.Compare(b.SeenAt), cmp.Compare(a.ID, b.ID))
		})
		res.Groups = append(res.Groups, *g)
	}
	slices.SortFunc(res.Groups, func(a, b Group) int {
		return cmp.Or(b.first.Compare(a.first), cmp.Compare(b.order, a.order),
			strings.Compare(b.Story, a.Story), strings.Compare(a.Rule, b.Rule))
	})
	return res, nil
}

// Stories counts the stories matched.
func (r *Report) Stories() int {
	stories := map[string]bool{}
	for _, g := range r.Groups {
		stories[g.Story] = true
	}
	return len(stories)
}

// storyKey is the story identifier of it in a backtest: its story's ID, or
// "item-N" for an item stored before stories were kept.
func storyKey(it *model.Item) string {
	if it.StoryID != 0 {
		return strconv.FormatInt(it.StoryID, 10)
	}
	return "item-" + strconv.FormatInt(it.ID, 10)
}
