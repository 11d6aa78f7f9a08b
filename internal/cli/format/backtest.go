package format

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/notify"
)

// backtestJSON is one line of 'backtest -json' (config-and-cli.md).
type backtestJSON struct {
	Rule  string             `json:"rule"`
	Story string             `json:"story"`
	Items []backtestItemJSON `json:"items"`
}

type backtestItemJSON struct {
	Feed      string `json:"feed"`
	Title     string `json:"title"`
	Link      string `json:"link"`
	Published string `json:"published,omitempty"` // RFC 3339 UTC
	// ID is the item's ID in the store (for stories explain and split).
	ID int64 `json:"id"`
	// Why says why a later item of the story joined it; left out for
	// the story's first item.
	Why *dryrun.WhyJSON `json:"why,omitempty"`
	// Vetoes are the other stories the item's event evidence kept it
	// out of.
	Vetoes []vetoJSON `json:"vetoes,omitempty"`
}

// vetoJSON is a story an item was kept out of, and what disagreed.
type vetoJSON struct {
	Story string  `json:"story"`
	Score float64 `json:"score"`
	Veto  string  `json:"veto"`
}

// BacktestJSON writes 'backtest -json': one line per rule and story,
// each item with why it joined the story (why, by item ID) and the
// stories its event evidence kept it out of.
func BacktestJSON(w io.Writer, groups []dryrun.Group, why map[int64]dryrun.Reason) error {
	return cli.JSONLines(w, groups, func(g dryrun.Group) any {
		line := backtestJSON{Rule: g.Rule, Story: g.Story, Items: make([]backtestItemJSON, len(g.Items))}
		for i, it := range g.Items {
			j := backtestItemJSON{Feed: it.Feed, Title: it.Title, Link: it.Link, Published: cli.JSONTime(it.Published), ID: it.ID}
			if r, ok := why[it.ID]; ok {
				if r.Joined != nil {
					j.Why = dryrun.NewWhyJSON(*r.Joined)
				}
				for _, v := range r.Vetoed {
					j.Vetoes = append(j.Vetoes, vetoJSON{Story: strconv.FormatInt(v.Story, 10), Score: dryrun.Round3(v.Score), Veto: v.Veto.String()})
				}
			}
			line.Items[i] = j
		}
		return line
	})
}

// BacktestText prints, per rule and story, a heading and one line per
// item: when it was published (else seen), its feed, its title, and its
// link under it. Feed text is cleaned of control characters.
func BacktestText(w io.Writer, groups []dryrun.Group, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		feeds := map[string]bool{}
		for _, it := range g.Items {
			feeds[it.Feed] = true
		}
		fmt.Fprintf(tw, "%s · story %s · %d %s from %d %s\n", g.Rule, g.Story,
			len(g.Items), cli.Plural(len(g.Items), "item", "items"), len(feeds), cli.Plural(len(feeds), "feed", "feeds"))
		for _, it := range g.Items {
			when := it.Published
			if when.IsZero() {
				when = it.SeenAt
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", when.In(loc).Format("2006-01-02 15:04"),
				cli.Clip(notify.CleanText(it.Feed), 40), cli.Clip(notify.CleanText(it.Title), 120))
			if it.Link != "" {
				fmt.Fprintf(tw, "  \t\t%s\n", cli.Clip(notify.CleanText(it.Link), 200))
			}
		}
	}
	return tw.Flush()
}
