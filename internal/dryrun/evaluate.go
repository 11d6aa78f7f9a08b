package dryrun

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// assignFeeds gives items that name no feed the feed name, and returns the
// feed of each item as the daemon would see it: a configured feed with its
// URL, tags and language, another with only its name, none (nil) for an
// item that names none.
func assignFeeds(items []*model.Item, name string, configured []model.Feed) []*model.Feed {
	byName := make(map[string]*model.Feed, len(configured))
	for i := range configured {
		byName[configured[i].Name] = &configured[i]
	}
	feeds := make([]*model.Feed, len(items))
	for i, it := range items {
		if it.Feed == "" {
			it.Feed = name
		}
		switch f := byName[it.Feed]; {
		case f != nil:
			feeds[i] = f
		case it.Feed != "":
			feeds[i] = &model.Feed{Name: it.Feed}
		}
	}
	return feeds
}

// Result is one item and the rules it matched.
type Result struct {
	Item    *model.Item
	Matches []rules.Match
}

// Input is what `rules test` tries rules on.
type Input struct {
	// Path is a feed file, an http(s) URL, a .jsonl file, or "-" for JSON
	// Lines on Stdin.
	Path  string
	Stdin io.Reader
	// Feed is the feed that items naming none come from: when "", the
	// configured feed whose URL is Path, if any.
	Feed string
	// Feeds are the configured feeds, nil without a configuration: the
	// items of one of them have its URL, tags and language, as the daemon
	// sees them.
	Feeds []model.Feed
}

// ErrUnknownFeed is the error of an Input whose Feed the configuration
// does not have.
var ErrUnknownFeed = errors.New("the configuration has no feed of that name")

// Try reads the items of in and matches them against set (see evaluate),
// in input order.
func Try(ctx context.Context, set *rules.Set, in Input) ([]Result, error) {
	name, lang := in.Feed, "" // lang picks the code page of a feed that is not UTF-8
	if f := in.feed(); f != nil {
		name, lang = f.Name, f.Lang
	} else if in.Feed != "" && in.Feeds != nil {
		return nil, ErrUnknownFeed
	}
	items, err := readItems(ctx, in.Path, in.Stdin, lang)
	if err != nil {
		return nil, err
	}
	return evaluate(set, items, assignFeeds(items, name, in.Feeds))
}

// feed returns the configured feed that items naming none come from, as
// the daemon would see it: the one named Feed, else the one whose URL is
// Path; nil when there is none.
func (in Input) feed() *model.Feed {
	for i, f := range in.Feeds {
		if in.Feed == f.Name || in.Feed == "" && f.URL == in.Path {
			return &in.Feeds[i]
		}
	}
	return nil
}

// evaluate matches every item, items[i] of feeds[i]. Items that name no
// feed are matched against
// the rules without their feeds selectors: with no feed, a selector could
// only ever exclude the item, which is not what trying a rule is about.
func evaluate(set *rules.Set, items []*model.Item, feeds []*model.Feed) ([]Result, error) {
	var anyFeed *rules.Set
	results := make([]Result, len(items))
	for i, it := range items {
		s := set
		if it.Feed == "" {
			if anyFeed == nil {
				var err error
				if anyFeed, err = withoutSelectors(set); err != nil {
					return nil, err
				}
			}
			s = anyFeed
		}
		results[i] = Result{Item: it, Matches: s.Match(it, feeds[i])}
	}
	return results, nil
}

// withoutSelectors returns set with every rule's feeds selectors removed.
func withoutSelectors(set *rules.Set) (*rules.Set, error) {
	var compiled []rules.Compiled
	for _, r := range set.Rules() {
		q, err := rules.ParseQuery(r.Query)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		rc := *r
		rc.Feeds = nil
		compiled = append(compiled, rules.Compiled{Rule: &rc, Query: q})
	}
	return rules.NewSet(compiled), nil
}
