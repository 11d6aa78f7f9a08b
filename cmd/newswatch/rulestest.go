package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	program.RegisterGroup("rules", "work with rule files: 'rules test' tries rules on items", help("rules"),
		cli.Sub{Name: "test", Run: cmdRulesTest})
}

// cmdRulesTest is `newswatch rules test`.
func cmdRulesTest(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("rules test", "rules test -rules PATH -input PATH|URL|- [-json] [-feed NAME]", help("rules test"), sio.Stderr)
	rulesPath := fs.String("rules", "", "a rule file or a directory of rule files (required)")
	input := fs.String("input", "", "a feed file, an http(s) URL, a .jsonl file, or - for JSON Lines on standard input (required)")
	asJSON := fs.Bool("json", false, "print one JSON object per item, in input order")
	feed := fs.String("feed", "", "the feed that items naming none come from, so that rules' feeds selectors apply")
	configPath := fs.String("config", "", "a configuration file: items of its feeds get their URL, tags and language (only when given)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *rulesPath == "":
		return cli.UsageError("-rules is required")
	case *input == "":
		return cli.UsageError("-input is required")
	}

	var feeds []model.Feed
	if *configPath != "" {
		cfg, err := config.LoadEnv(*configPath, sio.LookupEnv)
		if err != nil {
			return cli.Verbatim(err)
		}
		feeds = pipeline.Feeds(cfg.Feeds)
	}

	set, diags := rules.LoadPath(*rulesPath)
	set, err := rulesOrError(set, diags, sio.Stderr)
	if err != nil {
		return err
	}
	results, err := dryrun.Try(ctx, set, dryrun.Input{Path: *input, Stdin: sio.Stdin, Feed: *feed, Feeds: feeds})
	if errors.Is(err, dryrun.ErrUnknownFeed) {
		return fmt.Errorf("-feed %q: %w", *feed, err)
	}
	if err != nil {
		return err
	}

	var out bytes.Buffer
	if *asJSON {
		if err := writeJSON(&out, results); err != nil {
			return err
		}
	} else {
		writeReport(&out, results)
	}
	_, err = sio.Stdout.Write(out.Bytes())
	return err
}

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

// writeJSON writes one JSON object per result.
func writeJSON(w io.Writer, results []dryrun.Result) error {
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

// writeReport writes a readable report: each item's title, and under it
// each matching rule with what matched.
func writeReport(w io.Writer, results []dryrun.Result) {
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
