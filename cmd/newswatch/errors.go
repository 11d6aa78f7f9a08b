package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/newswatch/newswatch/internal/tomlfile"
)

// Commands return an error and main prints it, here and nowhere else, as
// "newswatch COMMAND: message" on standard error, with exit status 1. The
// types below say when a command ends otherwise.

// usageError is a misuse of a command's arguments. It is printed with a
// pointer to the command's usage.
type usageError string

func (e usageError) Error() string { return string(e) }

// exitError ends a command with status. err, when not nil, is printed like
// any error; when nil, everything was said already (the flag package's
// message, a report on standard output) or the status says it all
// (`once` exits 2 when a feed failed).
type exitError struct {
	status int
	err    error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.status)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exit returns the error that ends a command with status, printing err
// when it is not nil.
func exit(status int, err error) error { return &exitError{status: status, err: err} }

// verbatim is an error printed as it is, without a command's name: its
// message says where the problem is, like the FILE:LINE:COL lines of
// tomlfile.Diagnostics (which are printed so too).
type verbatim struct{ err error }

func (e verbatim) Error() string { return e.err.Error() }
func (e verbatim) Unwrap() error { return e.err }

// unnamed is an error printed as "newswatch: message", naming no command:
// a configuration that does not load, a daemon that does not start, read
// the same whichever command met them.
type unnamed struct{ err error }

func (e unnamed) Error() string { return e.err.Error() }
func (e unnamed) Unwrap() error { return e.err }

// onStdout is an error printed on standard output, for a command whose
// output is the problems it finds (`check`).
type onStdout struct{ err error }

func (e onStdout) Error() string { return e.err.Error() }
func (e onStdout) Unwrap() error { return e.err }

// failures are several errors of one command, printed one a line.
type failures []error

func (e failures) Error() string { return errors.Join(e...).Error() }

// flagError is the error of a command whose flags did not parse. The
// flag package has printed the problem and the usage already; -h is not a
// failure.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp
	}
	return exit(1, nil)
}

// report prints how the command called name failed, if it did, and
// returns its exit status: 0 on success and for -h, 1 for any error but an
// exitError with another status.
func report(sio *IO, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	status := 1
	if e, ok := errors.AsType[*exitError](err); ok {
		status, err = e.status, e.err
	}
	w := sio.Stderr
	if e, ok := err.(onStdout); ok {
		w, err = sio.Stdout, e.err
	}
	switch e := err.(type) {
	case nil:
	case usageError:
		fmt.Fprintf(w, "newswatch %s: %s\nRun 'newswatch %s -h' for usage.\n", name, e, name)
	case tomlfile.Diagnostics, verbatim:
		fmt.Fprintln(w, e)
	case unnamed:
		fmt.Fprintf(w, "newswatch: %v\n", e.err)
	case failures:
		for _, err := range e {
			fmt.Fprintf(w, "newswatch %s: %v\n", name, err)
		}
	default:
		fmt.Fprintf(w, "newswatch %s: %v\n", name, err)
	}
	return status
}
