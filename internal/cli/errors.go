package cli

import (
	"errors"
	"flag"
	"fmt"

	"github.com/newswatch/newswatch/internal/config"
)

// A command returns an error and Program.Run prints it, there and nowhere
// else, as "PROGRAM COMMAND: message" on standard error, with exit status
// 1. The errors below say when a command ends otherwise.

// UsageError is a misuse of a command's arguments. It is printed with a
// pointer to the command's usage.
type UsageError string

func (e UsageError) Error() string { return string(e) }

// ExitError ends a command with Status. Err, when not nil, is printed like
// any error; when nil, everything was said already (the flag package's
// message, a report on standard output) or the status says it all
// (`once` exits 2 when a feed failed).
type ExitError struct {
	Status int
	Err    error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Status)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns the error that ends a command with status, printing err
// when it is not nil.
func Exit(status int, err error) error { return &ExitError{Status: status, Err: err} }

// Failures are several errors of one command, printed one a line.
type Failures []error

func (e Failures) Error() string { return errors.Join(e...).Error() }

// Verbatim returns err to be printed as it is, without the command's name:
// its message says where the problem is, like the FILE:LINE:COL lines of
// config.Diagnostics (which are printed so too).
func Verbatim(err error) error { return verbatim{err} }

// Unnamed returns err to be printed as "PROGRAM: message", naming no
// command: a configuration that does not load, a daemon that does not
// start, read the same whichever command met them.
func Unnamed(err error) error { return unnamed{err} }

// OnStdout returns err to be printed on standard output, for a command
// whose output is the problems it finds (`check`).
func OnStdout(err error) error { return onStdout{err} }

type (
	verbatim struct{ err error }
	unnamed  struct{ err error }
	onStdout struct{ err error }
)

func (e verbatim) Error() string { return e.err.Error() }
func (e verbatim) Unwrap() error { return e.err }
func (e unnamed) Error() string  { return e.err.Error() }
func (e unnamed) Unwrap() error  { return e.err }
func (e onStdout) Error() string { return e.err.Error() }
func (e onStdout) Unwrap() error { return e.err }

// flagError is the error of a command whose flags did not parse. The flag
// package has printed the problem and the usage already; -h is not a
// failure.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp
	}
	return Exit(1, nil)
}

// report prints how the command called name failed, if it did, and
// returns its exit status: 0 on success and for -h, 1 for any error but an
// ExitError with another status.
func (p *Program) report(sio *IO, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	status := 1
	if e, ok := errors.AsType[*ExitError](err); ok {
		status, err = e.Status, e.Err
	}
	w := sio.Stderr
	if e, ok := err.(onStdout); ok {
		w, err = sio.Stdout, e.err
	}
	switch e := err.(type) {
	case nil:
	case UsageError:
		fmt.Fprintf(w, "%s %s: %s\nRun '%s %s -h' for usage.\n", p.Name, name, e, p.Name, name)
	case config.Diagnostics, verbatim:
		fmt.Fprintln(w, e)
	case unnamed:
		fmt.Fprintf(w, "%s: %v\n", p.Name, e.err)
	case Failures:
		for _, err := range e {
			fmt.Fprintf(w, "%s %s: %v\n", p.Name, name, err)
		}
	default:
		fmt.Fprintf(w, "%s %s: %v\n", p.Name, name, err)
	}
	return status
}
