package admin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// Bounds of a search: it reads the items first seen in the last Days days
// (at most maxSearchDays), newest first, keeps at most maxMatches matching
// items, and stops after maxScanned items or searchTimeout, whichever comes
// first. It shows at most maxResults stories.
const (
	defaultSearchDays = 7
	maxSearchDays     = 90
	maxResults        = 100
	maxMatches        = 2000
	maxCopies         = 10 // other reports listed under a story's row
	maxScanned        = 200_000
	maxQueryBytes     = 2000
	searchTimeout     = 10 * time.Second
	// maxSearches is how many searches may run at once; more wait their
	// turn for a moment, then are refused.
	maxSearches = 2
)

// searchView is the search page.
type searchView struct {
	layout
	// Error is the query's syntax error, with the query split where it
	// is: Before, At (the offending character, or "" at the end) and
	// After.
	Error             string
	Before, At, After string
	Column            int
	Warnings          []string
	Searched          bool
	// Results are the matching stories, one row each, the most recently
	// published first; Matched counts the matching items in them.
	Results []resultRow
	Matched int
	Scanned int
	// Cut says why the search stopped before reading every item of the
	// window: "" when it did not.
	Cut string
}

// resultRow is one matching story: its first report, and the other
// matching reports of it.
type resultRow struct {
	Title   string
	Link    string
	Feed    string
	When    stamp // published; zero when undated or dated after it was seen (see itemDate)
	Seen    stamp
	Undated bool // the feed gave no date
	Matched string
	Snippet string
	Copies  []copyRow
	More    int // reports not listed in Copies
}

// copyRow is another report of a story's row.
type copyRow struct {
	Feed string
	Link string
	When stamp // published, else first seen
}

// errEnough stops the walk over stored items.
var errEnough = errors.New("enough")

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	days := defaultSearchDays
	if d := r.URL.Query().Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 {
			http.Error(w, "400 Bad Request: days must be a whole number of days, at least 1", http.StatusBadRequest)
			return
		}
		days = min(n, maxSearchDays)
	}
	v := searchView{layout: s.layout("Search · newswatch", q, days, now)}
	if q == "" {
		s.render(w, "search", v)
		return
	}
	if len(q) > maxQueryBytes || !utf8.ValidString(q) {
		http.Error(w, "400 Bad Request: the query is too long or not valid UTF-8", http.StatusBadRequest)
		return
	}
	query, err := rules.ParseQuery(q)
	if err != nil {
		v.Error = err.Error()
		var se *rules.SyntaxError
		if errors.As(err, &se) {
			v.Error = se.Msg
			off := min(max(se.Offset, 0), len(q))
			v.Before, v.After = q[:off], q[off:]
			if _, size := utf8.DecodeRuneInString(v.After); size > 0 {
				v.At, v.After = v.After[:size], v.After[size:]
			}
			v.Column = utf8.RuneCountInString(v.Before) + 1
		}
		w.WriteHeader(http.StatusUnprocessableEntity)
		s.render(w, "search", v)
		return
	}
	for _, warn := range query.Warnings() {
		col := utf8.RuneCountInString(q[:min(max(warn.Offset, 0), len(q))]) + 1
		v.Warnings = append(v.Warnings, fmt.Sprintf("at column %d: %s", col, warn.Msg))
	}

	select {
	case s.searchSlots() <- struct{}{}:
		defer func() { <-s.searchSlots() }()
	case <-time.After(2 * time.Second):
		http.Error(w, "503 Service Unavailable: other searches are running; try again in a moment", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	if err := s.runSearch(ctx, query, q, now, &v); err != nil {
		s.logger().Warn("admin: search", "query", q, "error", err)
		http.Error(w, "500 Internal Server Error: the search failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	s.render(w, "search", v)
}

func (s *Server) searchSlots() chan struct{} {
	s.searchesOnce.Do(func() { s.searches = make(chan struct{}, maxSearches) })
	return s.searches
}

// runSearch matches query against the stored items first seen in the v.Days
// days before now, within the bounds above, and fills v.Results with the
// matching stories.
func (s *Server) runSearch(ctx context.Context, query *rules.Query, src string, now time.Time, v *searchView) error {
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "search", Query: src, Enabled: true}, Query: query}})
	v.Searched = true
	since := now.Add(-time.Duration(v.Days) * 24 * time.Hour)
	var hits []searchHit
	err := dryrun.MatchStored(ctx, s.Store, set, s.feeds(), since, func(it *model.Item, ms []rules.Match) error {
		v.Scanned++
		if v.Scanned > maxScanned {
			v.Scanned--
			v.Cut = "read the newest " + strconv.Itoa(maxScanned) + " items only"
			return errEnough
		}
		if len(ms) == 0 {
			return nil
		}
		date, published := itemDate(it)
		hits = append(hits, searchHit{
			id: it.ID, story: it.StoryID, date: date, seen: it.SeenAt, published: published, undated: it.Published.IsZero(),
			title: itemTitle(it.Title), link: safeLink(it.Link), feed: clean(it.Feed, 100),
			matched: notify.MatchedTerms(ms[0].Hits, 80), snippet: clean(analysis.StripHTML(it.Summary), 280),
		})
		if len(hits) == maxMatches {
			v.Cut = "kept the newest " + strconv.Itoa(maxMatches) + " matching items only"
			return errEnough
		}
		return nil
	})
	switch {
	case errors.Is(err, errEnough):
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		v.Cut = "stopped after " + searchTimeout.String()
	case err != nil:
		return err
	}
	v.Matched = len(hits)
	stories := groupStories(hits)
	if len(stories) > maxResults {
		stories = stories[:maxResults]
		if v.Cut == "" {
			v.Cut = "showing the " + strconv.Itoa(maxResults) + " most recent stories only"
		}
	}
	loc := s.location()
	for _, st := range stories {
		lead := st[0]
		row := resultRow{Title: lead.title, Link: lead.link, Feed: lead.feed, Seen: newStamp(lead.seen, now, loc),
			Undated: lead.undated, Matched: lead.matched, Snippet: lead.snippet}
		if lead.published {
			row.When = newStamp(lead.date, now, loc)
		} else {
			row.When = stamp{Rel: "—", Zero: true}
		}
		for i, h := range st[1:] {
			if i == maxCopies {
				row.More = len(st) - 1 - maxCopies
				break
			}
			row.Copies = append(row.Copies, copyRow{Feed: h.feed, Link: h.link, When: newStamp(h.date, now, loc)})
		}
		v.Results = append(v.Results, row)
	}
	return nil
}

// searchHit is a matching item, as much of it as its row needs.
type searchHit struct {
	id, story  int64
	date, seen time.Time
	published  bool // date is the item's publication date, not when it was seen
	undated    bool // the item has no publication date
	title      string
	link       string
	feed       string
	matched    string
	snippet    string
}

// groupStories groups hits by story (an item without a story is one of
// its own), each story's reports in the order they were published (the
// first report leads), and orders the stories by the publication of their
// first report, the most recent first.
func groupStories(hits []searchHit) [][]searchHit {
	byStory := map[int64]int{}
	var stories [][]searchHit
	for _, h := range hits {
		key := h.story
		if key == 0 {
			key = -h.id
		}
		i, ok := byStory[key]
		if !ok {
			i = len(stories)
			byStory[key] = i
			stories = append(stories, nil)
		}
		stories[i] = append(stories[i], h)
	}
	byDate := func(a, b searchHit) int { return cmp.Or(a.date.Compare(b.date), cmp.Compare(a.id, b.id)) }
	for _, st := range stories {
		slices.SortFunc(st, byDate)
	}
	slices.SortFunc(stories, func(a, b []searchHit) int { return byDate(b[0], a[0]) })
	return stories
}

// itemDate is the date a reader cares about, and whether it is the
// publication date: when it was published, or, for an undated item or one
// dated after it was first seen (a feed whose clock or dates are wrong),
// when newswatch first saw it.
func itemDate(it *model.Item) (time.Time, bool) {
	if it.Published.IsZero() || it.Published.After(it.SeenAt) {
		return it.SeenAt, false
	}
	return it.Published, true
}

// itemTitle is an item's title as one clean line, HTML stripped.
func itemTitle(t string) string {
	if strings.ContainsAny(t, "<&") {
		t = analysis.StripHTML(t)
	}
	if t = clean(t, 300); t != "" {
		return t
	}
	return "(untitled)"
}
