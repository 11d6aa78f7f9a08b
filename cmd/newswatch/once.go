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

func cmdOnce(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("once", "once [-config FILE] [-drain 30s]", help("once"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	drain := fs.Duration("drain", 30*time.Second, "how long to wait for alerts that must be retried")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *drain < 0 {
		return cli.UsageError("-drain must not be negative")
	}
	// A run of a few seconds touches its whole heap fresh: a page fault a
	// 2 MiB huge page costs far less than one a 4 KiB page.
	hugeErr := pipeline.PreferHugePages(sio.LookupEnv)
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	log := pipeline.NewLogger(cfg.Log, sio.Stderr)
	if hugeErr != nil {
		log.Debug("the heap keeps the kernel's default pages", "err", hugeErr)
	}
	pipeline.TuneMemory(cfg.Daemon, sio.LookupEnv, log)
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
