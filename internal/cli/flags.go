package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// FlagSet returns a flag set for the command name that reports errors
// instead of exiting, prints its usage to w, and starts the usage with
// the command's synopsis and description.
func (p *Program) FlagSet(name, synopsis, description string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", p.Name, synopsis, strings.TrimSpace(description))
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// ParseArgs parses flags that may come before, between or after the
// positional arguments ("alerts retry 12 -config x.toml" and "alerts retry
// -config x.toml 12" mean the same) and returns the positional arguments.
// A lone "--" ends flag parsing; everything after it is positional. Its
// error is flag.ErrHelp for -h, else one that exits 1: the flag package
// has printed what is wrong (2 means "some feed or alert failed" to
// `once`, so usage errors don't use it).
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(err)
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

// ParseFlags parses args for a command that takes flags and no positional
// arguments.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	rest, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return UsageError(fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	return nil
}
