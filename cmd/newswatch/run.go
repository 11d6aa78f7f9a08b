package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/pipeline"
	"github.com/newswatch/newswatch/rules"
)

func init() {
	program.Register("run", "run the daemon: poll feeds, match rules, send alerts", cmdRun)
}

func cmdRun(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("run", "run [-config FILE]", help("run"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, sio, sio.Stderr)
	if err != nil {
		return err
	}
	log := pipeline.NewLogger(cfg.Log, sio.Stderr)
	pipeline.TuneMemory(cfg.Daemon, sio.LookupEnv, log)
	watcher, err := rules.NewWatcher(cfg.Rules.Dir, log)
	if err != nil {
		return cli.Verbatim(err)
	}
	if _, err := rulesOrError(nil, watcher.SetKnown(pipeline.Known(cfg)), sio.Stderr); err != nil {
		return err
	}

	ver, _ := buildVersion()
	p, err := pipeline.Open(ctx, cfg, pipeline.Options{Log: log, Rules: watcher.Current, Stdout: sio.Stdout, Version: ver, LookupEnv: sio.LookupEnv})
	if err != nil {
		return cli.Unnamed(err)
	}
	defer p.Close()
	d, err := p.Daemon(ctx, watcher)
	if err != nil {
		return cli.Unnamed(err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := d.Run(ctx, hup); err != nil {
		return cli.Exit(1, nil) // logged by Run
	}
	return nil
}
