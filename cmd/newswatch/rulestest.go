package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	program.RegisterGroup("rules", "work with rule files: 'rules test' tries rules on items, 'rules feedback' reads what Slack said", help("rules"),
		cli.Sub{Name: "test", Run: cmdRulesTest},
		cli.Sub{Name: "feedback", Run: cmdRulesFeedback})
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
		if err := format.ResultsJSON(&out, results); err != nil {
			return err
		}
	} else {
		format.Results(&out, results)
	}
	_, err = sio.Stdout.Write(out.Bytes())
	return err
}
