package format

import (
	"fmt"
	"io"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/story"
)

// PairText prints what stories explain found, one stage a line.
func PairText(w io.Writer, p *dryrun.Pair) error {
	ex := p.Explanation
	describe := func(it *model.Item) string {
		return fmt.Sprintf("item %d, story %d: %s: %s", it.ID, it.StoryID,
			cli.Clip(cli.OneLine(it.Feed), 40), cli.Clip(cli.OneLine(it.Title), 100))
	}
	fmt.Fprintf(w, "%s\n%s\n", describe(p.First), describe(p.Second))
	switch {
	case p.First.StoryID == p.Second.StoryID:
		fmt.Fprintln(w, "grouped: yes, in one story")
	default:
		fmt.Fprintln(w, "grouped: no, in two stories")
	}
	if ex.Items == 0 {
		fmt.Fprintln(w, "the first item's story has no item in the second item's window ([stories] window before it was seen): nothing to join")
		return nil
	}
	fmt.Fprintf(w, "against story %d (%d %s in the window of the second item):\n", ex.Story, ex.Items, cli.Plural(ex.Items, "item", "items"))
	for _, line := range dryrun.Lines(ex) {
		fmt.Fprintln(w, "  "+line)
	}
	switch m := p.Decision; {
	case m.Stage == story.StageNew:
		fmt.Fprintln(w, "the index now finds no story for the second item: it starts its own")
	default:
		fmt.Fprintf(w, "the index now puts the second item in story %d by %s\n", m.Story, dryrun.StageName(m.Stage))
	}
	return nil
}

// pairJSONLine is stories explain -json's object.
type pairJSONLine struct {
	First    itemRefJSON     `json:"first"`
	Second   itemRefJSON     `json:"second"`
	Grouped  bool            `json:"grouped"`
	Story    int64           `json:"story"`
	Why      *dryrun.WhyJSON `json:"why"`
	Decision string          `json:"decision"` // the stage the index now finds for the second item
}

type itemRefJSON struct {
	ID    int64  `json:"id"`
	Story int64  `json:"story"`
	Feed  string `json:"feed"`
	Title string `json:"title"`
	Link  string `json:"link"`
}

func pairJSON(p *dryrun.Pair) pairJSONLine {
	ref := func(it *model.Item) itemRefJSON {
		return itemRefJSON{ID: it.ID, Story: it.StoryID, Feed: it.Feed, Title: it.Title, Link: it.Link}
	}
	return pairJSONLine{First: ref(p.First), Second: ref(p.Second), Grouped: p.First.StoryID == p.Second.StoryID,
		Story: p.Explanation.Story, Why: dryrun.NewWhyJSON(p.Explanation), Decision: p.Decision.Stage.String()}
}

// PairJSON writes 'stories explain -json': one JSON object.
func PairJSON(w io.Writer, p *dryrun.Pair) error {
	return cli.JSONLines(w, []*dryrun.Pair{p}, func(p *dryrun.Pair) any { return pairJSON(p) })
}
