package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/admin"
	"github.com/newswatch/newswatch/internal/cli"
)

func init() {
	program.Register("health", "ask a running daemon's admin server whether it is healthy", cmdHealth)
}

func cmdHealth(ctx context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("health", "health [-config FILE] [-addr HOST:PORT]", help("health"), sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	addr := fs.String("addr", "", "admin server address (default: daemon.admin_addr of the configuration)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *addr == "" {
		cfg, err := loadConfig(*configPath, sio, sio.Stderr)
		if err != nil {
			return err
		}
		if cfg.Daemon.AdminAddr == "" {
			return errors.New("the admin server is off (daemon.admin_addr is empty)")
		}
		*addr = cfg.Daemon.AdminAddr
	}
	target, err := admin.HealthURL(*addr)
	if err != nil {
		return cli.UsageError(err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	answer, err := admin.Probe(ctx, target)
	if err != nil {
		return err
	}
	fmt.Fprintln(sio.Stdout, strings.TrimSpace(string(answer.Body)))
	if !answer.Healthy {
		return fmt.Errorf("%s answered %s", target, answer.Status)
	}
	return nil
}
