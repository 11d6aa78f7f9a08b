package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/newswatch/newswatch/internal/cli"
)

// version and commit are set at build time with
// -ldflags "-X main.version=v1.2.3 -X main.commit=abc1234"; otherwise they
// come from the module and VCS information Go embeds in the binary.
var (
	version = ""
	commit  = ""
)

func init() {
	program.Register("version", "print version, commit and Go version", cmdVersion)
}

// buildVersion returns the version and commit of this binary.
func buildVersion() (ver, rev string) {
	ver, rev = version, commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return or(ver, "devel"), or(rev, "unknown")
	}
	if ver == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		ver = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && rev == "" {
			rev = s.Value
			if len(rev) > 12 {
				rev = rev[:12]
			}
		}
	}
	return or(ver, "devel"), or(rev, "unknown")
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func cmdVersion(_ context.Context, args []string, sio *IO) error {
	fs := program.FlagSet("version", "version", "Prints the version, the commit and the Go version of this binary.", sio.Stderr)
	fs.String("config", "", "ignored; accepted like by every command")
	if _, err := cli.ParseArgs(fs, args); err != nil {
		return err
	}
	ver, rev := buildVersion()
	fmt.Fprintf(sio.Stdout, "newswatch %s (commit %s, %s, %s/%s)\n", ver, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
