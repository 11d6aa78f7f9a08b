package main

import (
	"context"
	"fmt"

	"github.com/newswatch/newswatch/internal/pipeline"
)

func init() {
	register("check", "validate the configuration and every rule file", cmdCheck)
}

const checkDescription = `
Validates the configuration file and every rule file of its rules directory,
without starting anything. Each problem is printed as FILE:LINE:COL: message,
warnings as FILE:LINE:COL: warning: message.

Exit status: 0 when everything is valid (warnings allowed), 1 when not.
`

func cmdCheck(_ context.Context, args []string, sio *IO) error {
	fs := newFlagSet("check", "check [-config FILE]", checkDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The problems are what check prints: on standard output.
	cfg, err := loadConfig(*configPath, sio, sio.Stdout)
	if err != nil {
		return onStdout{err}
	}
	set, diags := pipeline.LoadRules(cfg, "")
	if diags.HasErrors() {
		return onStdout{diags}
	}
	if len(diags) > 0 {
		fmt.Fprintln(sio.Stdout, diags.Error())
	}
	fmt.Fprintf(sio.Stderr, "%s: ok: %s, %s, %s", cfg.File,
		count(len(cfg.Feeds), "feed", "feeds"),
		count(len(set.Rules()), "rule", "rules"),
		count(len(cfg.Notifiers), "notifier", "notifiers"))
	if n := len(cfg.Warnings) + len(diags.Warnings()); n > 0 {
		fmt.Fprintf(sio.Stderr, ", %s", count(n, "warning", "warnings"))
	}
	fmt.Fprintln(sio.Stderr)
	return nil
}

// count says how many of a thing there are: "1 feed", "3 feeds".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}
