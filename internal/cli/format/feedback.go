package format

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/feedback"
	"github.com/newswatch/newswatch/notify"
)

// FeedbackText prints each rule's report for people. Feed text is
// cleaned of control characters and cut.
func FeedbackText(w io.Writer, reports []*feedback.RuleReport, loc *time.Location) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "rule %s: %s marked not relevant\n", r.Rule, cli.Count(len(r.Items), "item", "items"))
		for _, it := range r.Items {
			var matched []string
			for _, h := range it.Hits {
				matched = append(matched, h.Text+" ("+h.Field+")")
			}
			mark := "  "
			if it.Dropped() {
				mark = "- " // the candidate drops it
			}
			fmt.Fprintf(w, "%s%s  %-16s  %s  %s\n", mark, cli.TableTime(it.At, loc), cli.Cell(strings.Join(it.By, ", "), 16),
				cli.Cell(it.Feed, 20), cli.Cell(it.Title, 70))
			if len(matched) > 0 {
				fmt.Fprintf(w, "      matched: %s\n", cli.Cell(notify.CleanText(strings.Join(matched, ", ")), 100))
			}
			if it.TextPruned {
				fmt.Fprintln(w, "      (its text is past the retention period: only its title is read)")
			}
		}
		switch {
		case r.Query == "":
			fmt.Fprintln(w, "  the rule is not in force any more: no terms to suggest")
			continue
		case len(r.Terms) == 0:
			fmt.Fprintf(w, "  no word is shared by these items and absent from the rule's %s\n",
				cli.Count(r.Relevant, "relevant match", "relevant matches"))
			continue
		}
		fmt.Fprintf(w, "  words they share that its %s lack:\n", cli.Count(r.Relevant, "relevant match", "relevant matches"))
		for _, t := range r.Terms {
			fmt.Fprintf(w, "    %-20s in %d of %d marked, %d relevant\n", t.Term, t.NotRelevant, len(r.Items), t.Relevant)
		}
		fmt.Fprintf(w, "  candidate: %s\n", r.Candidate)
		fmt.Fprintf(w, "    the rule with it drops %d of the %d items marked and %d of its %d relevant matches\n",
			r.Dropped, len(r.Items), r.DroppedRelevant, r.Relevant)
		fmt.Fprintf(w, "  to try it, copy the rule to a file with\n    query = '''%s'''\n  and run: newswatch backtest -rules FILE\n", r.Tried)
	}
	return nil
}

// FeedbackRecord is one line of 'rules feedback -json'.
type FeedbackRecord struct {
	Rule            string             `json:"rule"`
	Query           string             `json:"query,omitempty"`
	Items           []feedbackItemJSON `json:"items"`
	Relevant        int                `json:"relevant"`
	Terms           []feedbackTermJSON `json:"terms"`
	Candidate       string             `json:"candidate,omitempty"`
	Tried           string             `json:"tried,omitempty"`
	Dropped         int                `json:"dropped"`
	DroppedRelevant int                `json:"dropped_relevant"`
}

type feedbackItemJSON struct {
	AlertID    int64    `json:"alert_id,omitempty"`
	ItemID     int64    `json:"item_id,omitempty"`
	Title      string   `json:"title"`
	Link       string   `json:"link,omitempty"`
	Feed       string   `json:"feed,omitempty"`
	Matched    []string `json:"matched,omitempty"`
	By         []string `json:"by"`
	At         string   `json:"at"`
	TextPruned bool     `json:"text_pruned,omitempty"`
	Dropped    bool     `json:"dropped"`
}

type feedbackTermJSON struct {
	Term        string `json:"term"`
	NotRelevant int    `json:"not_relevant"`
	Relevant    int    `json:"relevant"`
}

// FeedbackJSON writes 'rules feedback -json': one FeedbackRecord a rule.
func FeedbackJSON(w io.Writer, reports []*feedback.RuleReport) error {
	return cli.JSONLines(w, reports, func(r *feedback.RuleReport) any {
		j := FeedbackRecord{Rule: r.Rule, Query: r.Query, Relevant: r.Relevant, Candidate: r.Candidate, Tried: r.Tried,
			Dropped: r.Dropped, DroppedRelevant: r.DroppedRelevant, Items: []feedbackItemJSON{}, Terms: []feedbackTermJSON{}}
		for _, it := range r.Items {
			item := feedbackItemJSON{AlertID: it.AlertID, ItemID: it.ItemID, Title: it.Title, Link: it.Link, Feed: it.Feed,
				By: it.By, At: cli.JSONTime(it.At), TextPruned: it.TextPruned, Dropped: it.Dropped()}
			for _, h := range it.Hits {
				item.Matched = append(item.Matched, h.Text)
			}
			j.Items = append(j.Items, item)
		}
		for _, t := range r.Terms {
			j.Terms = append(j.Terms, feedbackTermJSON{Term: t.Term, NotRelevant: t.NotRelevant, Relevant: t.Relevant})
		}
		return j
	})
}
