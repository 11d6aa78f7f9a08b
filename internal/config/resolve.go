package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Where Resolve looks for the configuration file when -config is not given.
const (
	// EnvConfig is the environment variable naming the configuration file.
	EnvConfig = "NEWSWATCH_CONFIG"

	// LocalFile is the configuration file in the working directory.
	LocalFile = "config.toml"

	// SystemFile is the system-wide configuration file, used as a last
	// resort (and by the Docker image and the systemd unit).
	SystemFile = "/etc/newswatch/config.toml"

	// ExampleFile is the example configuration of the source tree, which
	// runs as it is: the error of a missing configuration suggests it.
	ExampleFile = "config.example.toml"
)

// ErrNotFound is the error of Locate when no configuration file was found;
// the *NotFoundError wrapping it says where it was looked for.
var ErrNotFound = errors.New("no configuration file found")

// Place is one place Locate looked for the configuration file.
type Place struct {
	// Where names the place as users give it: "-config",
	// "$NEWSWATCH_CONFIG", "./config.toml", the system file.
	Where string
	// Path is the file looked for there, "" when the place named none
	// (the flag not given, the variable not set).
	Path string
	// Problem says why the place gave no file: "not given", "not set",
	// "no such file", "is a directory", ...
	Problem string
}

// NotFoundError is the error of Locate when no configuration file was
// found: it lists every place looked at, in order, and why each gave no
// file.
type NotFoundError struct {
	Tried []Place
}

// Error lists the places tried, one a line, and how to give a file.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	b.WriteString(ErrNotFound.Error() + "; looked at, in order:")
	for _, p := range e.Tried {
		b.WriteString("\n  " + p.Where)
		if p.Path != "" && p.Path != p.Where && "./"+p.Path != p.Where {
			b.WriteString(" = " + p.Path)
		}
		b.WriteString(": " + p.Problem)
	}
	fmt.Fprintf(&b, "\nname a configuration file with -config FILE; to try newswatch from its source tree, use -config %s", ExampleFile)
	return b.String()
}

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// Locate returns the configuration file to load: flagValue (the -config
// flag) when not empty, else $NEWSWATCH_CONFIG when not empty, else
// LocalFile when it exists, else SystemFile. A file named by the flag or
// the variable is the one meant: when it is missing, Locate does not fall
// back to the next place. When the file it settles on is not there, the
// error is a *NotFoundError (wrapping ErrNotFound) that lists every place
// looked at.
//
// getenv and stat stand for os.Getenv and os.Stat; nil means those.
func Locate(flagValue string, getenv func(string) string, stat func(string) (fs.FileInfo, error)) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if stat == nil {
		stat = os.Stat
	}
	var tried []Place
	try := func(where, path string) bool {
		problem := fileProblem(stat, path)
		tried = append(tried, Place{Where: where, Path: path, Problem: problem})
		return problem == ""
	}
	notFound := func() (string, error) { return "", &NotFoundError{Tried: tried} }

	if flagValue != "" {
		if try("-config", flagValue) {
			return flagValue, nil
		}
		return notFound()
	}
	tried = append(tried, Place{Where: "-config", Problem: "not given"})
	if env := getenv(EnvConfig); env != "" {
		if try("$"+EnvConfig, env) {
			return env, nil
		}
		return notFound()
	}
	tried = append(tried, Place{Where: "$" + EnvConfig, Problem: "not set"})
	if try("./"+LocalFile, LocalFile) {
		return LocalFile, nil
	}
	if try(SystemFile, SystemFile) {
		return SystemFile, nil
	}
	return notFound()
}

// fileProblem says why path is not a configuration file to read, or ""
// when it is one.
func fileProblem(stat func(string) (fs.FileInfo, error), path string) string {
	fi, err := stat(path)
	switch {
	case err == nil && fi.IsDir():
		return "is a directory"
	case err == nil:
		return ""
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}
