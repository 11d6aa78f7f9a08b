package main

import (
	"context"
	"fmt"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/pipeline"
)

func init() {
	program.Register("check", "validate the configuration and every rule file", cmdCheck)
}

func cmdCheck(_ context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("check", "check [-config FILE]", help("check"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	// The problems are what check prints: on standard output.
	cfg, err := loadConfig(*configPath, sio, sio.Stdout)
	if err != nil {
		return cli.OnStdout(err)
	}
	set, diags := pipeline.LoadRules(cfg, "")
	if diags.HasErrors() {
		return cli.OnStdout(diags)
	}
	if len(diags) > 0 {
		fmt.Fprintln(sio.Stdout, diags.Error())
	}
	fmt.Fprintf(sio.Stderr, "%s: ok: %s, %s, %s", cfg.File,
		cli.Count(len(cfg.Feeds), "feed", "feeds"),
		cli.Count(len(set.Rules()), "rule", "rules"),
		cli.Count(len(cfg.Notifiers), "notifier", "notifiers"))
	if n := len(cfg.Warnings) + len(diags.Warnings()); n > 0 {
		fmt.Fprintf(sio.Stderr, ", %s", cli.Count(n, "warning", "warnings"))
	}
	fmt.Fprintln(sio.Stderr)
	return nil
}
