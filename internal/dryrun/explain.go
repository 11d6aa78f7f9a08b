package dryrun

import (
	"fmt"
	"strings"

	"github.com/newswatch/newswatch/internal/story"
)

// Lines describes, one finding a line, how an item stands with a story:
// what each stage of the index found and what decides it. It is what
// `stories explain` prints.
func Lines(ex story.Explanation) []string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	lines := []string{"same canonical link: " + yes(ex.SameLink)}
	if ex.SameLinkOwnFeed {
		lines = append(lines, "  (its feed's other entry under the link, with other text: a live page's entries do not join by it)")
	}
	if ex.SameLinkOtherText {
		lines = append(lines, "  (the second item is the report of the site that owns the link, and another feed's item under it tells other news: the link does not join them)")
	}
	if ex.Distance < 0 {
		lines = append(lines, "near-duplicate text: too short to fingerprint")
	} else {
		lines = append(lines, fmt.Sprintf("near-duplicate text: fingerprints %d bits apart (joins at %d or fewer)", ex.Distance, story.MaxDistance))
	}
	lines = append(lines, fmt.Sprintf("copy under another headline: %.0f%% of the shorter text's words in common (joins at %.0f%%, both of %d words or more)",
		100*ex.Overlap, 100*story.MinCopyShare, story.MinCopyWords))
	if ex.OwnFeed {
		lines = append(lines, "shared rare words: not compared (every item of the story is of the second item's feed)")
	} else {
		lines = append(lines, fmt.Sprintf("shared rare words: score %.2f (joins at %.2f), %d shared by a rare form (needs %d): %s",
			ex.Score, ex.Threshold, ex.Rare, ex.MinShared, strings.Join(ex.Shared, ", ")))
	}
	if ex.OtherScript {
		lines = append(lines, fmt.Sprintf("across languages: score %.2f, shared facts: %s", ex.CrossScore, strings.Join(ex.CrossShared, ", ")))
		if ex.HoldsOwnFeed {
			lines = append(lines, "  (the story already holds a report of the second item's feed: reports in other languages do not join it by their facts)")
		}
	}
	if ex.Veto != nil {
		lines = append(lines, "their event evidence disagrees, which keeps them apart: "+ex.Veto.String())
	}
	if ex.Match.Stage != story.StageNew {
		lines = append(lines, "so the second item joins the story by "+StageName(ex.Match.Stage))
	} else {
		lines = append(lines, "so no stage joins the second item to the story")
	}
	return lines
}

// StageName says what a stage of the story index is, for people.
func StageName(s story.Stage) string {
	switch s {
	case story.StageLink:
		return "the same canonical link"
	case story.StageSimHash:
		return "near-duplicate text"
	case story.StageBody:
		return "a copy of its text under another headline"
	case story.StageTerms:
		return "shared rare words"
	case story.StageFacts:
		return "the places, people and figures it shares across languages"
	}
	return s.String()
}

// WhyJSON is why an item is, or is not, in a story, as JSON shows it
// (backtest -json's "why", stories explain -json's): what each stage
// found and what vetoed it.
type WhyJSON struct {
	Stage     string   `json:"stage"` // the stage that joins it, "new" for none
	SameLink  bool     `json:"same_link"`
	Distance  *int     `json:"distance,omitempty"` // of the fingerprints, when both have one
	Overlap   float64  `json:"overlap"`            // share of words in common (copies)
	Score     float64  `json:"score"`              // the rare-word stage's
	Shared    []string `json:"shared,omitempty"`   // rare words (or, across languages, facts) shared
	Threshold float64  `json:"threshold"`
	Veto      string   `json:"veto,omitempty"`
}

// NewWhyJSON returns ex as JSON shows it, or nil when the story had no
// item to compare with.
func NewWhyJSON(ex story.Explanation) *WhyJSON {
	if ex.Items == 0 {
		return nil
	}
	j := &WhyJSON{Stage: ex.Match.Stage.String(), SameLink: ex.SameLink, Overlap: Round3(ex.Overlap),
		Score: Round3(ex.Score), Shared: ex.Shared, Threshold: ex.Threshold}
	if ex.Distance >= 0 {
		d := ex.Distance
		j.Distance = &d
	}
	if ex.Match.Stage == story.StageFacts || (ex.OtherScript && ex.Match.Stage == story.StageNew) {
		j.Score, j.Shared = Round3(ex.CrossScore), ex.CrossShared
	}
	if ex.Veto != nil {
		j.Veto = ex.Veto.String()
	}
	return j
}

// Round3 rounds a score to three decimals, as JSON output shows scores.
func Round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
