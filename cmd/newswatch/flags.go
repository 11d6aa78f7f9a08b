package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a flag set for a sub-command that reports errors
// instead of exiting, prints its usage to w, and starts the usage with the
// command's synopsis and description.
func newFlagSet(name, synopsis, description string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: newswatch %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments ("alerts retry 12 -config x.toml" and "alerts retry
// -config x.toml 12" mean the same) and returns the positional arguments.
// A lone "--" ends flag parsing; everything after it is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// fs.Parse stops at the first non-flag argument, or consumes "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// exitUsage returns the exit status for a flag parsing error: 0 when the
// user asked for help with -h, 1 otherwise (2 means "some feed or alert
// failed" to `once`, so usage errors don't use it). The flag package has
// already printed the message and the usage.
func exitUsage(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// parseFlagsOnly parses args for a command that takes flags and no
// positional arguments. When it returns false the command must exit with
// the status it returns: the user asked for help, or misused the command.
func parseFlagsOnly(fs *flag.FlagSet, args []string, sio *IO) (int, bool) {
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage(err), false
	}
	if len(rest) > 0 {
		return usageError(sio, fs.Name(), fmt.Sprintf("unexpected argument %q", rest[0])), false
	}
	return 0, true
}

// subcommand is one word of a command group such as "feeds list".
type subcommand struct {
	name string
	run  func(ctx context.Context, args []string, sio *IO) int
}

// runSubcommand runs the sub-command of group that args name. Without one,
// or with an unknown one, it prints the group's usage (for -h, and exits 0)
// or says what is wrong (and exits 1).
func runSubcommand(ctx context.Context, group, description string, subs []subcommand, args []string, sio *IO) int {
	names := make([]string, len(subs))
	for i, sub := range subs {
		if len(args) > 0 && args[0] == sub.name {
			return sub.run(ctx, args[1:], sio)
		}
		names[i] = sub.name
	}
	fs := newFlagSet(group, group+" "+strings.Join(names, "|")+" [flags]", description, sio.Stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return exitUsage(err)
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if len(names) == 1 {
		want = names[0]
	}
	if len(args) == 0 {
		return usageError(sio, group, "missing sub-command: "+want)
	}
	return usageError(sio, group, fmt.Sprintf("unknown sub-command %q: want %s", args[0], want))
}
