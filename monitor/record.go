package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/canonical"
	"github.com/newswatch/newswatch/internal/model"
	cluster "github.com/newswatch/newswatch/internal/story"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// pollPlan is what a poll found in a document before it writes anything:
// the items to record and the items edited since they were recorded.
type pollPlan struct {
	fresh []*plannedItem // new items, oldest first
	edits []*plannedItem // known items whose text changed
	// remembered are the items the document's item memo keeps (see
	// itemMemo): those seen under their identity, and the new ones.
	remembered []*plannedItem
	// modeChanged reports that the feed was found to regenerate its
	// GUIDs: it is identified by links from now on.
	modeChanged bool
}

// plannedItem is an entry of the document and what the poll decided about
// it. The entry is the item as read, under the identity Entries gave it;
// the item recorded is a copy of it under the identity the feed's mode
// gives (see storeItem), so that the entry still says how it was read.
type plannedItem struct {
	e        model.Item
	at       int      // the item of the reading's cut it is, -1 when not cut
	identity string   // under which it is recorded
	aliases  []string // other identities it is recorded under
	itemID   int64    // edits: the recorded item
	// link and legacyLink are its identities by link (linkIdentity,
	// legacyLinkIdentity), "" when it has none.
	link, legacyLink string
	hash             string // the entry's text hash, once textHash computed it
	// plain is the entry's summary without its HTML, once plainSummary
	// (or matching) stripped it.
	plain    string
	stripped bool

	// Of a new item, filled by prepare: the item as recorded, its story
	// features (with Stories), whether it is backfilled, and the rules it
	// matches (nil when backfilled or without rules).
	item     *model.Item
	features cluster.Features
	ownsLink bool // the item's link is on its feed's site (ownsLink)
	backfill bool
	matches  []rules.Match
	summary  string // its alerts' summary (alertSummary), when it matches
}

// textHash is the entry's text hash, computed the first time it is needed:
// to compare a known item's text with the recorded one, and to record a new
// or edited item. Known items without a recorded hash to compare with
// (pruned ones, or recorded before text hashes were kept) need none.
func (pi *plannedItem) textHash() string {
	if pi.hash == "" {
		pi.hash = strippedTextHash(pi.e.Title, pi.plainSummary())
	}
	return pi.hash
}

// plainSummary is the entry's summary without its HTML
// (analysis.StripHTML), stripped once for its text hash and its alerts:
// by matching when the item is matched (see hashAnalysed), else the first
// time it is needed.
func (pi *plannedItem) plainSummary() string {
	if !pi.stripped {
		pi.plain, pi.stripped = analysis.StripHTML(pi.e.Summary), true
	}
	return pi.plain
}

// plan classifies the entries of a document: new, edited, or seen and
// unchanged. Identities follow the feed's identity mode; an entry is seen
// when its identity, its identity before links were canonicalised, or (for
// a feed that regenerates GUIDs) its canonical link was recorded. A feed in
// GUID mode whose document brings back at least two known links under new
// GUIDs, more than the entries whose GUIDs are known, regenerates its GUIDs:
// it switches to link identities (st is updated; the caller saves it).
//
// The items of the document not parsed again (doc.skipped) are seen under
// their identity and unchanged: they count as seen GUIDs.
func (p *Poller) plan(ctx context.Context, st *store.FeedState, doc *reading, now time.Time) (*pollPlan, error) {
	linkMode := st.IdentityMode == store.IdentityLink
	entries := doc.entries
	links := map[string]int{} // canonical links in the document
	for _, e := range entries {
		if e.Canonical != "" {
			links[e.Canonical]++
		}
	}
	var (
		items   []*plannedItem
		lookups []string
		dup     = map[string]bool{}
	)
	for i, e := range entries {
		pi := &plannedItem{e: e, identity: e.Identity, at: -1,
			link: linkIdentity(e.Canonical), legacyLink: legacyLinkIdentity(e.Link, e.Canonical)}
		if doc.at != nil {
			pi.at = doc.at[i]
		}
		if linkMode && pi.link != "" {
			pi.identity = pi.link
		} else if pi.link != "" && pi.link != e.Identity {
			pi.aliases = append(pi.aliases, pi.link)
		}
		if pi.legacyLink != "" {
			pi.aliases = append(pi.aliases, pi.legacyLink)
		}
		if dup[pi.identity] {
			continue
		}
		dup[pi.identity] = true
		items = append(items, pi)
		lookups = append(lookups, pi.identity)
		lookups = append(lookups, pi.aliases...)
	}
	known, err := p.Store.SeenItems(ctx, st.ID, lookups)
	if err != nil {
		return nil, err
	}

	plan := &pollPlan{}
	var candidates []*plannedItem // new GUID, known link
	seenGUIDs := 0
	if !linkMode {
		seenGUIDs = doc.skipped
	}
	for _, pi := range items {
		if rec, ok := known[pi.identity]; ok {
			if !linkMode {
				seenGUIDs++
			}
			plan.edit(pi, rec)
			plan.remember(pi)
			continue
		}
		if pi.legacyLink != "" {
			if rec, ok := known[pi.legacyLink]; ok {
				plan.edit(pi, rec)
				continue
			}
		}
		if rec, ok := known[pi.link]; ok && !linkMode && pi.e.GUID != "" && links[pi.e.Canonical] == 1 {
			if pi.editedSince(rec) {
				pi.itemID = rec.ItemID // an edit, if the feed is found to regenerate GUIDs
			}
			candidates = append(candidates, pi)
			continue
		}
		plan.fresh = append(plan.fresh, pi)
	}
	switch {
	case len(candidates) >= 2 && len(candidates) > seenGUIDs:
		// The feed gives known items new GUIDs: identify them by link.
		st.IdentityMode, st.IdentityModeAt = store.IdentityLink, now
		plan.modeChanged = true
		p.logger().Warn("feed gives its items new GUIDs on every fetch; identifying them by link from now on",
			"feed", st.Name, "items_with_new_guids", len(candidates), "items_with_known_guids", seenGUIDs)
		for _, pi := range candidates {
			if pi.itemID != 0 {
				plan.edits = append(plan.edits, pi)
			}
		}
	default:
		// A new GUID for a known link, among stable GUIDs, is a new
		// item (a live blog's next entry); its story is the link's.
		plan.fresh = mergeFresh(plan.fresh, candidates)
		for _, pi := range candidates {
			pi.itemID = 0
		}
		for _, pi := range plan.fresh {
			plan.remember(pi)
		}
	}
	st.GUIDChanges += len(candidates)
	return plan, nil
}

// remember notes pi, an item of the document's cut, for the item memo.
func (plan *pollPlan) remember(pi *plannedItem) {
	if pi.at >= 0 {
		plan.remembered = append(plan.remembered, pi)
	}
}

// edit notes pi, seen as rec, as edited when its text changed.
func (plan *pollPlan) edit(pi *plannedItem, rec store.SeenItem) {
	if pi.editedSince(rec) {
		pi.itemID = rec.ItemID
		plan.edits = append(plan.edits, pi)
	}
}

// editedSince reports whether pi's text differs from that of rec, the item
// it was seen as. Items recorded before text hashes were kept (TextHash "")
// and pruned items (ItemID 0) cannot tell: they count as unchanged.
func (pi *plannedItem) editedSince(rec store.SeenItem) bool {
	return rec.ItemID != 0 && rec.TextHash != "" && rec.TextHash != pi.textHash()
}

// mergeFresh returns the entries of a and b in the order of the document's
// entries (oldest first), which both follow.
func mergeFresh(a, b []*plannedItem) []*plannedItem {
	if len(b) == 0 {
		return a
	}
	out := make([]*plannedItem, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && !entryAfter(a[i].e, b[j].e)):
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// entryAfter reports whether a comes after b in Entries' order.
func entryAfter(a, b model.Item) bool {
	switch {
	case a.Published.IsZero():
		return !b.Published.IsZero()
	case b.Published.IsZero():
		return false
	}
	return a.Published.After(b.Published)
}

// prepare does the CPU work of recording plan's new items before the poll
// takes the write connection: each item's row, its story features and, for
// an item that is not backfilled, the rules it matches against set (which
// may be nil). The poll transaction then holds the write connection, which
// the dispatcher's delivery records wait for, only for its reads and
// writes.
func (p *Poller) prepare(set *rules.Set, f model.Feed, st *store.FeedState, plan *pollPlan, primed bool, now time.Time) {
	cutoff := now.Add(-p.Backfill)
	var site string // the feed's, for ownsLink
	if p.Stories != nil && len(plan.fresh) > 0 {
		site = canonical.Site(f.URL)
	}
	for _, pi := range plan.fresh {
		it := storeItem(pi.e, st.ID, now)
		it.Identity, it.Aliases = pi.identity, pi.aliases
		pi.item = it
		pi.backfill = !primed && (pi.e.Published.IsZero() || pi.e.Published.Before(cutoff))
		switch matched := set != nil && !pi.backfill; {
		case matched && p.Stories != nil:
			// Matching analyses the title and summary as Extract would:
			// take the features from that analysis.
			pi.matches = set.MatchVisit(it, &f, pi.extractAnalysed)
		case matched:
			// The text hash takes the summary as matching stripped it.
			pi.matches = set.MatchVisit(it, &f, pi.hashAnalysed)
		case p.Stories != nil:
			// The text hash takes the summary as stripped here.
			pi.features = cluster.ExtractPlain(it.Title, pi.plainSummary())
		}
		if p.Stories != nil {
			pi.ownsLink = ownsLink(site, it)
			it.SimHash, it.HasSimHash = pi.features.SimHash, true
			// Recorded with the item: a start reads them back (Stories).
			it.Features, it.FeaturesVersion = cluster.AppendFeatures(nil, &pi.features), cluster.FeaturesVersion()
		}
		it.TextHash = pi.textHash() // extractAnalysed may have set it
		if len(pi.matches) > 0 {
			pi.summary = alertSummary(it, pi.plainSummary())
		}
		if !pi.backfill && p.wantsArticle(set, &f, it) {
			it.ArticleState = model.ArticlePending
		}
	}
}

// wantsArticle reports whether the page of it, a new item of feed f that
// is not backfilled, is to be fetched: the poll has Articles, the item
// links to an http(s) page, and its feed fetches every item's page
// (model.ArticleAlways) or the pages of items that share a positive term
// with a rule that watches the feed (model.ArticleCandidates, Set.Shares).
func (p *Poller) wantsArticle(set *rules.Set, f *model.Feed, it *model.Item) bool {
	if p.Articles == nil || !webLink(it.Link) {
		return false
	}
	switch f.Article {
	case model.ArticleAlways:
		return true
	case model.ArticleCandidates:
		return set != nil && set.Shares(it, f)
	}
	return false
}

// webLink reports whether link is an absolute http or https URL.
func webLink(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https")
}

// extractAnalysed sets pi's story features from its title and summary as
// rules.Set.MatchVisit analysed them: they are cluster.Extract's. It also
// sets pi's text hash from them.
func (pi *plannedItem) extractAnalysed(title string, titleToks []analysis.Token, summary string, summaryToks []analysis.Token) {
	pi.features = cluster.ExtractAnalysed(title, titleToks, summary, summaryToks)
	pi.hashAnalysed(title, titleToks, summary, summaryToks)
}

// hashAnalysed sets pi's text hash and plain summary from its title and
// summary as rules.Set.MatchVisit analysed them: the matcher stripped the
// summary's HTML, and neither the text hash nor the alerts strip it again.
func (pi *plannedItem) hashAnalysed(title string, _ []analysis.Token, summary string, _ []analysis.Token) {
	if !pi.stripped {
		pi.plain, pi.stripped = summary, true
	}
	if pi.hash == "" {
		pi.hash = strippedTextHash(title, summary)
	}
}

// recorded is an item written by a poll, with its story and the rules it
// matched.
type recorded struct {
	item    *model.Item
	match   cluster.Match
	matches []rules.Match
	summary string // its alerts' summary (alertSummary)
}

// recordItems writes the new items of plan, made ready by prepare, in tx,
// each in its story. No other poll recorded any of them since plan looked:
// tx saved the feed's state first (see record).
func (p *Poller) recordItems(tx *store.Tx, ss *storySession, plan *pollPlan, now time.Time, res *PollResult) ([]recorded, error) {
	// An item recorded here marks its identities seen for the items after
	// it (an alias of one may be the identity of another).
	seen := make(map[string]bool, 2*len(plan.fresh))
	var out []recorded
	for _, pi := range plan.fresh {
		if seen[pi.identity] {
			continue
		}
		it := pi.item
		var m cluster.Match
		if ss != nil {
			m = ss.assign(it, pi.features, pi.ownsLink)
			if m.Stage == cluster.StageNew {
				s := &store.Story{Title: it.Title, Link: it.Canonical, CreatedAt: now}
				if err := tx.NewStory(s); err != nil {
					return nil, err
				}
				m.Story = s.ID
			} else {
				res.Joined++
			}
			it.StoryID = m.Story
			if err := tx.AddItem(it); err != nil {
				return nil, err
			}
			ss.add(it, pi.features)
		} else if err := tx.AddItem(it); err != nil {
			return nil, err
		}
		seen[it.Identity] = true
		for _, alias := range it.Aliases {
			seen[alias] = true
		}
		res.New++
		if pi.backfill {
			res.Backfilled++
		}
		if it.ArticleState == model.ArticlePending {
			res.ArticlesPending++
		}
		out = append(out, recorded{item: it, match: m, matches: pi.matches, summary: pi.summary})
	}
	return out, nil
}

// queueAlerts queues the alerts of the recorded items' rule matches: per
// rule and story one alert for each destination; later items of the story
// follow it up (see Stories), unless the destination drops them or the item
// is the same article again from the same feed. A rule with stories = "off"
// alerts every item it matches on its own.
func (p *Poller) queueAlerts(tx *store.Tx, f model.Feed, items []recorded, now time.Time, res *PollResult) error {
	for _, r := range items {
		it := r.item
		for _, m := range r.matches {
			if res.Matches == nil {
				res.Matches = map[string]int{}
			}
			res.Matches[m.Rule.Name]++
			for _, d := range p.Routing.Destinations(m.Rule) {
				a := newAlert(it, r.summary, f, m, d)
				a.CreatedAt, a.StoryID = now, it.StoryID
				if m.Rule.Stories == rules.StoriesOff {
					if r.match.Stage == cluster.StageLink && r.match.Feed == it.FeedID {
						continue // the same article again from the same feed
					}
					a.StoryID = 0 // an alert of its own, not its story's
				}
				queue, err := p.followUp(tx, a, r.match, it, now)
				if err != nil {
					return err
				}
				if !queue {
					continue
				}
				if err := tx.Enqueue(a); err != nil {
					return err
				}
				res.Alerts++
			}
		}
	}
	return nil
}

// followUp makes a, an alert of a later item of a story its rule already
// alerted to the same notifier, what package followup decides it is (a
// follow-up of that first alert, due as Stories paces it, or a line of the
// rule's next digest), and reports whether to queue it. A rule's first
// alert of a story is left as it is.
func (p *Poller) followUp(tx *store.Tx, a *model.Alert, m cluster.Match, it *model.Item, now time.Time) (bool, error) {
	if p.Stories == nil || a.StoryID == 0 {
		return true, nil
	}
	head, err := tx.StoryAlert(a.StoryID, a.Rule, a.Notifier)
	if err != nil || head == nil {
		return true, err
	}
	action := followup.Decide(followup.Report{
		Mode:        p.Routing.Notifiers[a.Notifier].StoryUpdates,
		SameArticle: m.Stage == cluster.StageLink && m.Feed == it.FeedID,
		DigestRule:  a.Digest,
	})
	if action == followup.Skip {
		return false, nil
	}
	a.Kind, a.ParentID = model.KindAlso, head.ID
	if action == followup.FollowUp {
		a.NextAttemptAt, err = p.Stories.followUpDue(tx, head.ID, now)
	}
	return err == nil, err
}

// recordEdits records the new text of edited items and queues an update
// under each of their alerts that package followup says is to be told of
// the edit (on_update = "thread").
func (p *Poller) recordEdits(tx *store.Tx, set *rules.Set, f model.Feed, plan *pollPlan, now time.Time, res *PollResult) error {
	for _, pi := range plan.edits {
		e := pi.e
		err := tx.UpdateItem(pi.itemID, store.ItemEdit{Title: e.Title, Summary: e.Summary, Content: e.Content, TextHash: pi.textHash(), At: now})
		if errors.Is(err, store.ErrNotFound) {
			continue // pruned since the poll looked
		}
		if err != nil {
			return err
		}
		res.Edited++
		if set == nil {
			continue
		}
		refs, err := tx.ItemAlerts(pi.itemID)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			rule := set.Rule(ref.Rule)
			if rule == nil || !followup.Updates(followup.Edit{
				Mode: p.Routing.Notifiers[ref.Notifier].StoryUpdates, OnUpdate: rule.OnUpdate, DigestRule: ref.Digest,
			}) {
				continue
			}
			it := storeItem(e, 0, now)
			it.ID = pi.itemID
			a := newAlert(it, alertSummary(it, pi.plainSummary()), f, rules.Match{Rule: rule}, Destination{Notifier: ref.Notifier, Channel: ref.Channel})
			a.Kind, a.ParentID, a.CreatedAt = model.KindUpdate, ref.ID, now
			if err := tx.Enqueue(a); err != nil {
				return fmt.Errorf("update of alert %d: %w", ref.ID, err)
			}
			res.Alerts++
		}
	}
	return nil
}
