package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// Bounds of a search: it reads the items of the last Days days (at most
// maxSearchDays), newest first, and stops at the first maxResults matches,
// after maxScanned items, or after searchTimeout, whichever comes first.
const (
	defaultSearchDays = 7
	maxSearchDays     = 90
	maxResults        = 100
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
	Results           []resultRow
	Scanned           int
	// Cut says why the search stopped before reading every item of the
	// window: "" when it did not.
	Cut string
}

// resultRow is one matching item.
type resultRow struct {
	Title   string
	Link    string
	Feed    string
	When    stamp
	Seen    stamp
	Matched string
	Snippet string
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

// runSearch matches query against the stored items of v.Days days before
// now, newest first, within the bounds above.
func (s *Server) runSearch(ctx context.Context, query *rules.Query, src string, now time.Time, v *searchView) error {
	set := rules.NewSet([]rules.Compiled{{Rule: &rules.Rule{Name: "search", Query: src, Enabled: true}, Query: query}})
	loc := s.location()
	v.Searched = true
	since := now.Add(-time.Duration(v.Days) * 24 * time.Hour)
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
		v.Results = append(v.Results, resultRow{
			Title:   itemTitle(it.Title),
			Link:    safeLink(it.Link),
			Feed:    clean(it.Feed, 100),
			When:    newStamp(it.Published, now, loc),
			Seen:    newStamp(it.SeenAt, now, loc),
			Matched: notify.MatchedTerms(ms[0].Hits, 80),
			Snippet: clean(analysis.StripHTML(it.Summary), 280),
		})
		if len(v.Results) == maxResults {
			v.Cut = "showing the newest " + strconv.Itoa(maxResults) + " matches only"
			return errEnough
		}
		return nil
	})
	switch {
	case errors.Is(err, errEnough):
		return nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		v.Cut = "stopped after " + searchTimeout.String()
		return nil
	}
	return err
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
