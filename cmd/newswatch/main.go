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

// command is one sub-command (or sub-command group) of newswatch.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, sio *IO) int
}

// commands holds every sub-command by its first word. Files of this package
// register theirs in init functions.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, sio *IO) int) {
	commands[name] = command{summary: summary, run: run}
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
	return cmd.run(ctx, args[1:], sio)
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
