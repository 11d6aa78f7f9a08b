// Command newswatch is the news-monitoring daemon and its command-line tools:
// it polls feeds, matches items against watch rules and delivers alerts.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/newswatch/newswatch/internal/cli"
)

// program is newswatch's command line. Files of this package register
// their commands in init functions.
var program = &cli.Program{
	Name:  "newswatch",
	About: "newswatch watches news feeds and alerts on stories that match your rules.",
}

// IO is what a command reads from and writes to.
type IO = cli.IO

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

// run runs the command that args name, prints its error if it fails, and
// returns the exit status.
func run(ctx context.Context, args []string, sio *IO) int {
	return program.Run(ctx, args, sio)
}
