package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/feedback"
	"github.com/newswatch/newswatch/internal/pipeline"
)

// cmdRulesFeedback is `newswatch rules feedback`.
func cmdRulesFeedback(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("rules feedback", "rules feedback [-rule R] [-since D] [-json] [-config FILE]", help("rules feedback"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	rule := fs.String("rule", "", "only the feedback on this rule")
	since := fs.String("since", "30d", "feedback given, and stored items matched, since this duration ago or this date")
	asJSON := fs.Bool("json", false, "print one JSON object per rule")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		return cli.UsageError(err.Error())
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	set, diags := pipeline.LoadRules(cfg, "")
	if set, err = rulesOrError(set, diags, sio.Stderr); err != nil {
		return err
	}
	st, path, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return cli.Exit(0, fmt.Errorf("no feedback yet: no database at %s", path))
	}
	if err != nil {
		return err
	}
	defer st.Close()
	reports, err := feedback.Analyze(ctx, st, set, pipeline.Feeds(cfg.Feeds), feedback.Options{Rule: *rule, Since: from})
	if err != nil {
		return err
	}
	if *asJSON {
		return format.FeedbackJSON(sio.Stdout, reports)
	}
	if len(reports) == 0 {
		what := "any rule"
		if *rule != "" {
			what = "rule " + *rule
		}
		fmt.Fprintf(sio.Stdout, "Nobody marked an alert of %s not relevant since %s.\n", what, cli.TableTime(from, time.Local))
		return nil
	}
	return format.FeedbackText(sio.Stdout, reports, time.Local)
}
