package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/cli/format"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/subscription"
	"github.com/newswatch/newswatch/monitor"
)

func cmdFeedsTest(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("feeds test", "feeds test URL [-n N] [-json] [-config FILE]", help("feeds test"), sio.Stderr)
	configPath := fs.String("config", "", "configuration whose [fetch] settings to use (default: built-in settings)")
	limit := fs.Int("n", 20, "show at most this many items, newest first (0 for all)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	rest, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return cli.UsageError("want one URL: a feed, or a web page that links to its feed")
	}
	if *limit < 0 {
		return cli.UsageError("-n must not be negative")
	}
	target, err := url.Parse(rest[0])
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return cli.UsageError(fmt.Sprintf("%q is not an http or https URL", redact.URL(rest[0])))
	}
	var cfg *config.Config
	if *configPath != "" {
		if cfg, err = loadConfig(*configPath, sio, sio.Stderr); err != nil {
			return err
		}
	}

	ver, _ := buildVersion()
	start := time.Now()
	found, err := subscription.Find(ctx, pipeline.Fetcher(cfg, ver), target.String())
	if err != nil {
		return err
	}
	took := time.Since(start)
	entries := monitor.Entries(found.Feed, found.Result.FinalURL)
	slices.Reverse(entries) // newest first
	shown := entries
	if *limit > 0 && len(shown) > *limit {
		shown = shown[:*limit]
	}
	if *asJSON {
		return format.FeedTestJSON(sio.Stdout, found, entries, shown)
	}
	return format.FeedTestText(sio.Stdout, found, entries, shown, took)
}
