// Package feedback turns the "Not relevant" that people gave alerts in
// Slack into something a rule writer can act on (`newswatch rules
// feedback`): for each rule, the items marked not relevant with the terms
// that matched them, and the words those items share that the rule's
// relevant matches lack, as a candidate NOT clause, with what that clause
// would drop, measured with the matcher itself on the stored items. The
// rule files stay the one place where rules are defined: nothing here
// changes a rule; the writer tries the clause with `newswatch backtest`.
package feedback

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// Options select what Analyze looks at.
type Options struct {
	// Rule, when not "", is the one rule to report on.
	Rule string
	// Since is how far back feedback and stored items are read.
	Since time.Time
	// MaxTerms is the most terms suggested per rule; zero means
	// DefaultMaxTerms.
	MaxTerms int
}

// DefaultMaxTerms is how many terms a candidate clause has at most.
const DefaultMaxTerms = 5

// RuleReport is what the feedback on one rule says.
type RuleReport struct {
	Rule string
	// Query is the rule's query in force; "" when the rule is not in force
	// any more (then there are no terms).
	Query string
	// Items are the items marked not relevant, newest mark first, each
	// once.
	Items []Item
	// Relevant counts the stored items the rule matches that nobody
	// marked: what the terms are contrasted with.
	Relevant int
	// Terms are the words most of the items marked share and the relevant
	// matches lack, best first.
	Terms []Term
	// Candidate is a NOT clause of Terms ("NOT (a OR b)"), "" when there
	// are none; Tried is the rule's query with it, for a rule file.
	Candidate, Tried string
	// Dropped and DroppedRelevant count the items marked, and the relevant
	// matches, that the rule with Candidate no longer matches.
	Dropped, DroppedRelevant int
}

// Item is one item marked not relevant.
type Item struct {
	AlertID, ItemID  int64
	Title, Link      string
	Feed             string
	Hits             []model.Hit
	By               []string // who marked it, first mark first
	At               time.Time
	TextPruned       bool // only its title is left: words are read from it alone
	item             *model.Item
	tokens           map[string]bool
	droppedCandidate bool
}

// Term is a word suggested for the candidate clause.
type Term struct {
	Term string
	// NotRelevant counts the items marked that have it, Relevant the
	// relevant matches.
	NotRelevant, Relevant int
}

// Analyze reads the feedback given since o.Since (on o.Rule, or on every
// rule) and reports on each rule that has some, in name order. set is the
// rules in force and feeds the configured feeds, so that items are matched
// as the daemon matches them.
func Analyze(ctx context.Context, st *store.Store, set *rules.Set, feeds []model.Feed, o Options) ([]*RuleReport, error) {
	marks, err := st.Feedback(ctx, store.FeedbackFilter{Rule: o.Rule, Since: o.Since})
	if err != nil {
		return nil, err
	}
	type group struct {
		items []*Item
		byKey map[int64]*Item // by item ID, or minus the alert ID for a pruned item
	}
	groups := map[string]*group{}
	for i := len(marks) - 1; i >= 0; i-- { // oldest first, so that By is in order
		m := marks[i]
		g := groups[m.Rule]
		if g == nil {
			g = &group{byKey: map[int64]*Item{}}
			groups[m.Rule] = g
		}
		key := m.ItemID
		if key == 0 {
			key = -m.AlertID
		}
		if it := g.byKey[key]; it != nil {
			it.By = append(it.By, m.CreatedBy)
			it.At = m.CreatedAt
			continue
		}
		it := &Item{AlertID: m.AlertID, ItemID: m.ItemID, Title: m.Title, Link: m.Link, Feed: m.Feed, Hits: m.Hits,
			By: []string{m.CreatedBy}, At: m.CreatedAt}
		g.byKey[key] = it
		g.items = append(g.items, it)
	}
	out := make([]*RuleReport, 0, len(groups))
	for rule, g := range groups {
		r := &RuleReport{Rule: rule}
		if err := analyzeRule(ctx, st, set, feeds, o, r, g.items); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *RuleReport) int { return strings.Compare(a.Rule, b.Rule) })
	return out, nil
}

// analyzeRule fills r from the items marked, items.
func analyzeRule(ctx context.Context, st *store.Store, set *rules.Set, feeds []model.Feed, o Options, r *RuleReport, items []*Item) error {
	byName := make(map[string]model.Feed, len(feeds))
	for _, f := range feeds {
		byName[f.Name] = f
	}
	marked := map[int64]bool{}
	for _, it := range items {
		if it.ItemID != 0 {
			stored, err := st.Item(ctx, it.ItemID)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return err
			default:
				it.item = stored
				marked[it.ItemID] = true
			}
		}
		if it.item == nil {
			it.TextPruned = true
			it.item = &model.Item{Title: it.Title, Link: it.Link, Feed: it.Feed}
		}
		it.tokens = words(it.item)
	}
	slices.SortStableFunc(items, func(a, b *Item) int { return b.At.Compare(a.At) })

	rule := set.Rule(r.Rule)
	if rule == nil {
		r.Items = flatten(items)
		return nil
	}
	r.Query = rule.Query
	q, err := rules.ParseQuery(rule.Query)
	if err != nil {
		return fmt.Errorf("feedback: rule %s: %w", r.Rule, err)
	}
	only := rules.NewSet([]rules.Compiled{{Rule: rule, Query: q}})

	// The relevant matches: what the rule matches that nobody marked.
	relevantDF := map[string]int{}
	err = dryrun.MatchStored(ctx, st, only, feeds, o.Since, func(it *model.Item, ms []rules.Match) error {
		if len(ms) == 0 || marked[it.ID] {
			return nil
		}
		r.Relevant++
		for w := range words(it) {
			relevantDF[w]++
		}
		return nil
	})
	if err != nil {
		return err
	}

	r.Terms = terms(items, relevantDF, r.Relevant, o.MaxTerms, rule.Query)
	if len(r.Terms) > 0 {
		list := make([]string, len(r.Terms))
		for i, t := range r.Terms {
			list[i] = t.Term
		}
		r.Candidate = "NOT (" + strings.Join(list, " OR ") + ")"
		if len(list) == 1 {
			r.Candidate = "NOT " + list[0]
		}
		r.Tried = "(" + strings.TrimSpace(rule.Query) + ") " + r.Candidate
		if err := tryCandidate(ctx, st, only, rule, r, items, marked, byName, feeds, o.Since); err != nil {
			return err
		}
	}
	r.Items = flatten(items)
	return nil
}

// tryCandidate counts what the rule with r.Tried as its query no longer
// matches: among the items marked, and among the relevant matches.
func tryCandidate(ctx context.Context, st *store.Store, original *rules.Set, rule *rules.Rule, r *RuleReport, items []*Item,
	marked map[int64]bool, byName map[string]model.Feed, feeds []model.Feed, since time.Time) error {
	q, err := rules.ParseQuery(r.Tried)
	if err != nil {
		return fmt.Errorf("feedback: rule %s: the candidate %q does not parse: %w", r.Rule, r.Tried, err)
	}
	tried := *rule
	tried.Query = r.Tried
	set := rules.NewSet([]rules.Compiled{{Rule: &tried, Query: q}})
	for _, it := range items {
		f, ok := byName[it.item.Feed]
		if !ok {
			f = model.Feed{Name: it.item.Feed}
		}
		if len(set.Match(it.item, &f)) == 0 {
			it.droppedCandidate = true
			r.Dropped++
		}
	}
	return dryrun.MatchStored(ctx, st, original, feeds, since, func(it *model.Item, ms []rules.Match) error {
		if len(ms) == 0 || marked[it.ID] {
			return nil
		}
		f, ok := byName[it.Feed]
		if !ok {
			f = model.Feed{Name: it.Feed}
		}
		if len(set.Match(it, &f)) == 0 {
			r.DroppedRelevant++
		}
		return nil
	})
}

// terms returns the words most items share (every one of them when there
// are fewer than three, else at least half) that the fewest relevant
// matches have (at most a twentieth of them), best first: in more items
// marked, then in fewer relevant matches, then longer.
func terms(items []*Item, relevantDF map[string]int, relevant, limit int, query string) []Term {
	if limit <= 0 {
		limit = DefaultMaxTerms
	}
	nrDF := map[string]int{}
	for _, it := range items {
		for w := range it.tokens {
			nrDF[w]++
		}
	}
	need := len(items)
	if need >= 3 {
		need = (len(items) + 1) / 2
	}
	inQuery := words(&model.Item{Title: query})
	var out []Term
	for w, n := range nrDF {
		rel := relevantDF[w]
		if n < need || inQuery[w] || rel*20 > relevant {
			continue
		}
		out = append(out, Term{Term: w, NotRelevant: n, Relevant: rel})
	}
	slices.SortFunc(out, func(a, b Term) int {
		return cmp.Or(cmp.Compare(b.NotRelevant, a.NotRelevant), cmp.Compare(a.Relevant, b.Relevant),
			cmp.Compare(utf8.RuneCountInString(b.Term), utf8.RuneCountInString(a.Term)), strings.Compare(a.Term, b.Term))
	})
	return out[:min(len(out), limit)]
}

// words returns the distinct words of an item's title, summary and
// content, analysed as rules analyse them, that could stand in a query as
// a bare word: at least three letters, not a number, not a word the query
// language or every language's prose is made of.
func words(it *model.Item) map[string]bool {
	out := map[string]bool{}
	for _, text := range []string{it.Title, it.Summary, it.Content} {
		if strings.ContainsAny(text, "<&") {
			text = analysis.StripHTML(text)
		}
		for _, tok := range analysis.Analyze(text) {
			w := tok.Text
			if utf8.RuneCountInString(w) < 3 || stopWords[w] || !strings.ContainsFunc(w, unicode.IsLetter) {
				continue
			}
			out[w] = true
		}
	}
	return out
}

// stopWords are frequent words that say nothing of a topic, in the
// languages of newswatch's example rules, and the query language's
// operators (a term must not read as one).
var stopWords = setOf(
	// English
	"the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "has", "have", "had",
	"not", "but", "its", "his", "her", "their", "they", "will", "would", "said", "says", "after",
	"over", "into", "about", "more", "than", "also", "been", "who", "what", "when", "which", "new",
	"near", "pre", "out", "all", "one", "two", "you", "our", "can",
	// Arabic (analysed: أ→ا, ة→ه, ى→ي)
	"في", "من", "علي", "الي", "عن", "مع", "ان", "هذا", "هذه", "التي", "الذي", "بين", "بعد", "قبل", "كان",
	// Hebrew
	"של", "את", "על", "עם", "זה", "גם", "כי", "אבל", "הוא", "היא", "לא",
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// flatten returns the items as values, in order.
func flatten(items []*Item) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		out[i] = *it
		out[i].item, out[i].tokens = nil, nil
	}
	return out
}

// Dropped reports whether the candidate clause drops it.
func (it *Item) Dropped() bool { return it.droppedCandidate }
