// Package cli runs the sub-commands of newswatch's command line: it
// dispatches the words of a command line to a command or a group of them
// ("feeds list"), parses flags that may come before, between or after the
// positional arguments, and prints the error a command returns, in one
// place, with the exit status the command asks for. The commands
// themselves (their flags, the library calls and their output) are
// cmd/newswatch's; the text helpers here are what they print with.
package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// IO is what a command reads from and writes to, so tests can run
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

// Func runs a command with the arguments after its words. It returns how
// the command failed, which Program.Run prints (see the errors of this
// package for the ways a command can end).
type Func func(ctx context.Context, args []string, sio *IO) error

// Sub is one sub-command of a group, such as "list" of "feeds list".
type Sub struct {
	Name string
	Run  Func
}

// command is a command, or a group of sub-commands (subs) with the
// description of its usage.
type command struct {
	summary     string
	run         Func
	description string
	subs        []Sub
}

// Program is a command-line program of sub-commands.
type Program struct {
	// Name is the program's name, as messages name it.
	Name string
	// About says what the program does, first in its usage.
	About    string
	commands map[string]command
}

// Register adds the command name.
func (p *Program) Register(name, summary string, run Func) {
	p.add(name, command{summary: summary, run: run})
}

// RegisterGroup adds the command group name, whose first argument names
// one of subs; description is the group's usage.
func (p *Program) RegisterGroup(name, summary, description string, subs ...Sub) {
	p.add(name, command{summary: summary, description: description, subs: subs})
}

func (p *Program) add(name string, c command) {
	if p.commands == nil {
		p.commands = map[string]command{}
	}
	p.commands[name] = c
}

// Run runs the command that args name and returns the exit status. It is
// where every command's error is printed (see report).
func (p *Program) Run(ctx context.Context, args []string, sio *IO) int {
	if len(args) == 0 {
		p.usage(sio.Stderr)
		return 1
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		p.usage(sio.Stdout)
		return 0
	}
	cmd, ok := p.commands[args[0]]
	if !ok {
		fmt.Fprintf(sio.Stderr, "%s: unknown command %q\n\n", p.Name, args[0])
		p.usage(sio.Stderr)
		return 1
	}
	name, run, rest := args[0], cmd.run, args[1:]
	if cmd.subs != nil {
		name, run, rest = p.subcommand(name, cmd, rest)
	}
	return p.report(sio, name, run(ctx, rest, sio))
}

// subcommand returns the full name, the function and the arguments of the
// sub-command of group that args name. Without one, or with an unknown
// one, the function prints the group's usage (for -h) or says what is
// wrong.
func (p *Program) subcommand(group string, c command, args []string) (string, Func, []string) {
	for _, sub := range c.subs {
		if len(args) > 0 && args[0] == sub.Name {
			return group + " " + sub.Name, sub.Run, args[1:]
		}
	}
	return group, func(_ context.Context, args []string, sio *IO) error {
		names := make([]string, len(c.subs))
		for i, sub := range c.subs {
			names[i] = sub.Name
		}
		fs := p.FlagSet(group, group+" "+strings.Join(names, "|")+" [flags]", c.description, sio.Stderr)
		if _, err := ParseArgs(fs, args); err != nil {
			return err
		}
		want := names[0]
		if len(names) > 1 {
			want = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
		}
		if len(args) == 0 {
			return UsageError("missing sub-command: " + want)
		}
		return UsageError(fmt.Sprintf("unknown sub-command %q: want %s", args[0], want))
	}, args
}

func (p *Program) usage(w io.Writer) {
	fmt.Fprintln(w, p.About)
	fmt.Fprintf(w, "\nUsage:\n  %s <command> [flags]\n\nCommands:\n", p.Name)
	names := make([]string, 0, len(p.commands))
	for name := range p.commands {
		names = append(names, name)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, p.commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", p.Name)
}
