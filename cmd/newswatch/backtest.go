package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/dryrun"
	"github.com/newswatch/newswatch/internal/pipeline"
)

func init() {
	program.Register("backtest", "run rules against stored items, grouped by story; sends nothing", cmdBacktest)
}

func cmdBacktest(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("backtest", "backtest [-config FILE] [-rules PATH] [-since 168h] [-json]", help("backtest"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	rulesPath := fs.String("rules", "", "a rule file or directory to try instead of the configured rules")
	since := fs.String("since", "168h", "items first seen since this duration ago or this date")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	now := time.Now()
	from, err := parseSince(*since, now)
	if err != nil {
		return cli.UsageError(err.Error())
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	set, diags := pipeline.LoadRules(cfg, *rulesPath)
	if set, err = rulesOrError(set, diags, sio.Stderr); err != nil {
		return err
	}

	st, path, err := pipeline.OpenExisting(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return cli.Exit(0, fmt.Errorf("nothing stored yet: no database at %s", path))
	}
	if err != nil {
		return err
	}
	defer st.Close()
	result, err := dryrun.Backtest(ctx, st, set, pipeline.Feeds(cfg.Feeds), from)
	if err != nil {
		return err
	}
	if *asJSON {
		var why map[int64]dryrun.Reason
		if why, err = dryrun.Why(ctx, st, pipeline.StoryOptions(cfg), from); err != nil {
			return err
		}
		err = format.BacktestJSON(sio.Stdout, result.Groups, why)
	} else {
		err = format.BacktestText(sio.Stdout, result.Groups, time.Local)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(sio.Stderr, "%s of %s in %s, among %s first seen since %s; nothing was sent\n",
		cli.Count(result.Matches, "match", "matches"), cli.Count(len(set.Rules()), "rule", "rules"),
		cli.Count(result.Stories(), "story", "stories"), cli.Count(result.Items, "item", "items"),
		from.In(time.Local).Format("2006-01-02 15:04 MST"))
	return nil
}
