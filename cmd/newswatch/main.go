// Command newswatch is the news-monitoring daemon and its command-line tools:
// it polls feeds, matches items against watch rules and delivers alerts.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// IO is what a sub-command reads from and writes to, so tests can run
// commands in-process.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// LookupEnv reads the environment, like os.LookupEnv: configuration
	// files expand ${VAR}, and an unset variable is an error.
	LookupEnv func(string) (string, bool)
}

// Getenv returns the value of the environment variable key, or "".
func (sio *IO) Getenv(key string) string {
	v, _ := sio.LookupEnv(key)
	return v
}

// runFunc runs a command with the arguments after its words. It returns
// how the command failed, which main prints (see report).
type runFunc func(ctx context.Context, args []string, sio *IO) error

// command is one sub-command, or a group of them such as "feeds".
type command struct {
	summary string
	run     runFunc
	// A group has sub-commands instead of run, named by the word after
	// the group's, and a description for its usage.
	description string
	subs        []subcommand
}

// subcommand is one word of a command group such as "feeds list".
type subcommand struct {
	name string
	run  runFunc
}

// commands holds every sub-command by its first word. Files of this package
// register theirs in init functions.
var commands = map[string]command{}

func register(name, summary string, run runFunc) {
	commands[name] = command{summary: summary, run: run}
}

func registerGroup(name, summary, description string, subs ...subcommand) {
	commands[name] = command{summary: summary, description: description, subs: subs}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the daemon stops cleanly; a second one kills it.
	go func() {
		<-ctx.Done()
		stop()
	}()
	sio := &IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv}
	os.Exit(run(ctx, os.Args[1:], sio))
}

// run dispatches args to a sub-command and returns the exit status.
func run(ctx context.Context, args []string, sio *IO) int {
	if len(args) == 0 {
		usage(sio.Stderr)
		return 1
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(sio.Stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(sio.Stderr, "newswatch: unknown command %q\n\n", args[0])
		usage(sio.Stderr)
		return 1
	}
	name, fn, rest := args[0], cmd.run, args[1:]
	if cmd.subs != nil {
		name, fn, rest = cmd.subcommand(name, rest)
	}
	return report(sio, name, fn(ctx, rest, sio))
}

// subcommand returns the full name, the function and the arguments of the
// sub-command of group that args name. Without one, or with an unknown
// one, the function prints the group's usage (for -h) or says what is
// wrong.
func (c command) subcommand(group string, args []string) (string, runFunc, []string) {
	for _, sub := range c.subs {
		if len(args) > 0 && args[0] == sub.name {
			return group + " " + sub.name, sub.run, args[1:]
		}
	}
	return group, func(_ context.Context, args []string, sio *IO) error {
		names := make([]string, len(c.subs))
		for i, sub := range c.subs {
			names[i] = sub.name
		}
		fs := newFlagSet(group, group+" "+strings.Join(names, "|")+" [flags]", c.description, sio.Stderr)
		if _, err := parseArgs(fs, args); err != nil {
			return err
		}
		want := names[0]
		if len(names) > 1 {
			want = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
		}
		if len(args) == 0 {
			return usageError("missing sub-command: " + want)
		}
		return usageError(fmt.Sprintf("unknown sub-command %q: want %s", args[0], want))
	}, args
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "newswatch watches news feeds and alerts on stories that match your rules.")
	fmt.Fprintln(w, "\nUsage:\n  newswatch <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'newswatch <command> -h' for a command's flags.")
}
