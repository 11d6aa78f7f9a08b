package dryrun

import (
	"fmt"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/rules"
)

// AssignFeeds gives items that name no feed the feed name, and every item
// of a configured feed that feed's URL, tags and language.
func AssignFeeds(items []*rules.Item, name string, configured []config.Feed) {
	byName := make(map[string]*config.Feed, len(configured))
	for i := range configured {
		byName[configured[i].Name] = &configured[i]
	}
	for _, it := range items {
		if it.Feed == "" {
			it.Feed = name
		}
		if f := byName[it.Feed]; f != nil {
			it.FeedURL, it.FeedTags, it.FeedLang = f.URL, f.Tags, f.Lang
		}
	}
}

// Result is one item and the rules it matched.
type Result struct {
	Item    *rules.Item
	Matches []rules.Match
}

// Evaluate matches every item. Items that name no feed are matched against
// the rules without their feeds selectors: with no feed, a selector could
// only ever exclude the item, which is not what trying a rule is about.
func Evaluate(set *rules.Set, items []*rules.Item) ([]Result, error) {
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
		results[i] = Result{Item: it, Matches: s.Match(it)}
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
