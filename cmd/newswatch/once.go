package main

import (
	"context"
	"time"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	program.Register("once", "poll every feed once, deliver the alerts, exit", cmdOnce)
}

const onceDescription = `
Polls every enabled feed once, then delivers the queued alerts, waiting at
most -drain for retries (a rate limit, a destination that is down). For
running newswatch from cron or by hand; it shares the database with 'run'.
A feed that is backing off after failures (or asked to wait with
Retry-After) is not fetched and counts as failed.

Exit status: 0 when every feed was fetched and every alert delivered; 2 when
some feed failed or some alert was not delivered (still queued, or dead:
see 'newswatch alerts list'); 1 when the configuration or the rules are
invalid.
`

func cmdOnce(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("once", "once [-config FILE] [-drain 30s]", onceDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	drain := fs.Duration("drain", 30*time.Second, "how long to wait for alerts that must be retried")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *drain < 0 {
		return cli.UsageError("-drain must not be negative")
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	log := pipeline.NewLogger(cfg.Log, sio.Stderr)
	set, diags := pipeline.LoadRules(cfg, "")
	if set, err = rulesOrError(set, diags, sio.Stderr); err != nil {
		return err
	}

	ver, _ := buildVersion()
	p, err := pipeline.Open(ctx, cfg, pipeline.Options{Log: log, Rules: func() *rules.Set { return set }, Stdout: sio.Stdout, Version: ver})
	if err != nil {
		return cli.Unnamed(err)
	}
	defer p.Close()
	res, err := p.Once(ctx, *drain)
	if err != nil {
		return cli.Unnamed(err)
	}
	if !res.OK() {
		return cli.Exit(2, nil) // the log says which feeds failed
	}
	return nil
}
