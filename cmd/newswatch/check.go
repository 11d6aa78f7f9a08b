package main

import (
	"context"
	"fmt"
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

func cmdCheck(_ context.Context, args []string, sio *IO) int {
	fs := newFlagSet("check", "check [-config FILE]", checkDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	if code, ok := parseFlagsOnly(fs, args, sio); !ok {
		return code
	}
	cfg := loadConfig(*configPath, sio, sio.Stdout)
	if cfg == nil {
		return 1
	}
	set, diags := loadRules(cfg)
	if len(diags) > 0 {
		fmt.Fprintln(sio.Stdout, diags.Error())
	}
	if diags.HasErrors() {
		return 1
	}
	fmt.Fprintf(sio.Stderr, "%s: ok: %s, %s, %s", cfg.File,
		count(len(cfg.Feeds), "feed", "feeds"),
		count(len(set.Rules()), "rule", "rules"),
		count(len(cfg.Notifiers), "notifier", "notifiers"))
	if n := len(cfg.Warnings) + len(diags.Warnings()); n > 0 {
		fmt.Fprintf(sio.Stderr, ", %s", count(n, "warning", "warnings"))
	}
	fmt.Fprintln(sio.Stderr)
	return 0
}

// count says how many of a thing there are: "1 feed", "3 feeds".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}
