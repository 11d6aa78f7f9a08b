package rules

import (
	"strings"

	"github.com/newswatch/newswatch/internal/model"
)

// selectsFeed reports whether a rule's Feeds selectors admit the item's
// feed: an empty list admits every feed; otherwise one selector must be the
// feed's configured name, its configured URL, or "tag:NAME" for one of its
// tags.
func selectsFeed(selectors []string, f *model.Feed) bool {
	if len(selectors) == 0 {
		return true
	}
	for _, s := range selectors {
		if tag, ok := strings.CutPrefix(s, "tag:"); ok {
			for _, t := range f.Tags {
				if t == tag {
					return true
				}
			}
			continue
		}
		if s == f.Name || f.URL != "" && s == f.URL {
			return true
		}
	}
	return false
}
