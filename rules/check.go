package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/newswatch/newswatch/internal/config"
)

// Known is what the configuration defines that rules refer to: the names,
// URLs and tags of its feeds and the names of its notifiers. A nil list
// means "not known", and Check does not check references of that kind; an
// empty non-nil list means there are none.
type Known struct {
	Feeds     []string
	FeedURLs  []string
	Tags      []string
	Notifiers []string
}

// Check reports the rules of set that refer to things k does not know. A
// notifier that does not exist is an error: the rule's alerts would have
// nowhere to go. A feed name, URL or tag that no feed has is a warning: the
// rule ignores the feed it was meant for, but becomes right once the feed
// is added. Problems in the queries themselves, such as a lowercase "or"
// between words or a query that can never match, are reported when the
// rules are loaded. Diagnostics are placed at the rule's [[rule]] header and
// sorted by position.
func Check(set *Set, k Known) config.Diagnostics {
	var diags config.Diagnostics
	for _, r := range set.Rules() {
		pos := config.Pos{File: r.File, Line: r.Line, Col: r.Col}
		if k.Notifiers != nil {
			for _, n := range r.Notify {
				if !slices.Contains(k.Notifiers, n) {
					diags = append(diags, config.Diagnostic{Pos: pos, Msg: fmt.Sprintf(
						"rule %q: unknown notifier %q%s", r.Name, n, suggest(n, k.Notifiers, "notifiers"))})
				}
			}
		}
		for _, sel := range r.Feeds {
			if msg := checkSelector(sel, k); msg != "" {
				diags = append(diags, config.Diagnostic{Pos: pos, Warning: true, Msg: fmt.Sprintf("rule %q: %s", r.Name, msg)})
			}
		}
	}
	diags.Sort()
	return diags
}

// checkSelector says what is wrong with one feed selector, or "".
func checkSelector(sel string, k Known) string {
	if tag, ok := strings.CutPrefix(sel, "tag:"); ok {
		if k.Tags == nil || slices.Contains(k.Tags, tag) {
			return ""
		}
		return fmt.Sprintf("no feed has the tag %q%s", tag, suggest(tag, k.Tags, "tags"))
	}
	if k.Feeds == nil && k.FeedURLs == nil || slices.Contains(k.Feeds, sel) || slices.Contains(k.FeedURLs, sel) {
		return ""
	}
	if strings.Contains(sel, "://") {
		return fmt.Sprintf("no feed has the URL %q", sel)
	}
	return fmt.Sprintf("no feed is named %q%s (write \"tag:NAME\" to select feeds by tag)", sel, suggest(sel, k.Feeds, "feeds"))
}

// suggest returns a hint for a name that is not among known: the known
// name it differs from only in case and spacing, else the list of known
// names when it is short.
func suggest(name string, known []string, kind string) string {
	squash := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for _, k := range known {
		if squash(k) == squash(name) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	switch {
	case len(known) == 0:
		return fmt.Sprintf(" (no %s are configured)", kind)
	case len(known) <= 5:
		return fmt.Sprintf(" (configured %s: %s)", kind, strings.Join(known, ", "))
	}
	return ""
}
