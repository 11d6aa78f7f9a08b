package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
)

// jsonResult is the -json form of a dryrun.Result.
type jsonResult struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Matches []jsonMatch `json:"matches"`
}

type jsonMatch struct {
	Rule string      `json:"rule"`
	Hits []model.Hit `json:"hits"`
}

// ResultsJSON writes one JSON object per result.
func ResultsJSON(w io.Writer, results []dryrun.Result) error {
	return cli.JSONLines(w, results, func(r dryrun.Result) any {
		jr := jsonResult{ID: r.Item.Identity, Title: r.Item.Title, Matches: make([]jsonMatch, 0, len(r.Matches))}
		for _, m := range r.Matches {
			hits := m.Hits
			if hits == nil {
				hits = []model.Hit{}
			}
			jr.Matches = append(jr.Matches, jsonMatch{Rule: m.Rule.Name, Hits: hits})
		}
		return jr
	})
}

// Results writes a readable report: each item's title, and under it
// each matching rule with what matched.
func Results(w io.Writer, results []dryrun.Result) {
	matched := 0
	for i, r := range results {
		title := cli.OneLine(r.Item.Title)
		if title == "" {
			title = "(no title)"
		}
		fmt.Fprintf(w, "[%d] %s\n", i+1, title)
		if r.Item.Identity != "" {
			fmt.Fprintf(w, "    id: %s\n", cli.OneLine(r.Item.Identity))
		}
		if len(r.Matches) == 0 {
			fmt.Fprintln(w, "    no rule matched")
			continue
		}
		matched++
		for _, m := range r.Matches {
			fmt.Fprintf(w, "    MATCH %s: %s\n", m.Rule.Name, describeHits(m.Hits))
		}
	}
	fmt.Fprintf(w, "\n%d %s, %d matched\n", len(results), cli.Plural(len(results), "item", "items"), matched)
}

// describeHits formats hits the way alerts show them:
// "Abraham Accords" (title), normalization (summary).
func describeHits(hits []model.Hit) string {
	if len(hits) == 0 {
		return "(no positive term)"
	}
	parts := make([]string, len(hits))
	for i, h := range hits {
		text := cli.OneLine(h.Text)
		if text == "" || strings.ContainsAny(text, " \t") {
			text = `"` + text + `"`
		}
		parts[i] = fmt.Sprintf("%s (%s)", text, h.Field)
	}
	return strings.Join(parts, ", ")
}
